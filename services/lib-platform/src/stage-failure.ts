import type { StageName } from "@clipzy/contracts";
import { ProcessError } from "./process.js";

/** Bad input: the stage fails at once, not retried, with this message shown to the user. */
export class StageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StageInputError";
  }
}

/** The abort reason of a task released because its worker stops (not a job cancellation). */
export class TaskReleased extends Error {
  constructor() {
    super("worker stopping: task released for redelivery");
    this.name = "TaskReleased";
  }
}

/**
 * What the user reads when a stage gives up: a sentence naming the stage and the kind of cause.
 * The error itself, with any tool output, goes to the logs only (next to the job id).
 */
export function failureMessage(stage: StageName, attempts: number, err: unknown): string {
  const what = stage.replace(/_/g, " ");
  const cause =
    err instanceof ProcessError
      ? `${err.command.split("/").pop()} could not process the media`
      : "an internal error";
  const times = attempts === 1 ? "once" : `${attempts} times`;
  return `The ${what} failed ${times} (${cause}) and was stopped; the details are in the engine's logs.`;
}

/** What becomes of a task whose handler threw. */
export type FailureOutcome =
  /** The worker stops: nack, another worker redoes it. */
  | { kind: "release" }
  /** The job was cancelled: nothing to report. */
  | { kind: "cancelled" }
  /** Report StageFailed with this message (the job fails at this stage). */
  | { kind: "failed"; message: string }
  /** Nack for redelivery: another attempt may succeed. */
  | { kind: "retry" };

/**
 * The failure policy: a released task goes back to the queue, a cancelled job's task ends
 * quietly, bad input (StageInputError) fails at once with its own sentence, and anything else is
 * retried until the last allowed delivery (`deliveryCount` counts from 0), which fails the stage.
 */
export function failureOutcome(
  err: unknown,
  task: { stage: StageName; signal: AbortSignal; deliveryCount: number; maxDeliveries: number },
): FailureOutcome {
  if (task.signal.reason instanceof TaskReleased) return { kind: "release" };
  if (task.signal.aborted) return { kind: "cancelled" };
  if (err instanceof StageInputError) return { kind: "failed", message: err.message };
  const attempts = task.deliveryCount + 1;
  if (attempts >= task.maxDeliveries)
    return { kind: "failed", message: failureMessage(task.stage, attempts, err) };
  return { kind: "retry" };
}
