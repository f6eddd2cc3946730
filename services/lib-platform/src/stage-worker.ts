/**
 * The runtime every stage worker shares: consume `stage.<name>`, run the stage's handler with
 * an AbortSignal (fired when the job is cancelled) and a throttled progress reporter, then
 * publish StageDone. The task is acked only after the artifact is stored and StageDone is
 * published, so a worker killed at any moment loses nothing: the task is redelivered and the
 * stage redone (handlers are idempotent: they overwrite their artifact).
 * Bad media is not retried: a handler throws StageInputError and the job fails at this stage.
 * Any other error is retried; the last allowed delivery reports StageFailed instead of looping.
 * Each run is a span `stage <name>` in the job's trace (ffmpeg runs are its children) and is
 * timed in clipzy_stage_duration_seconds. stop(graceMs) drains: no new task is taken, a running
 * one may finish within the grace period, after which it is aborted and released (nacked) for
 * another worker to redo.
 */
import {
  INPUT_ROLES,
  INPUT_STAGES,
  queues,
  routes,
  STAGE_NAMES,
  STAGES,
  type StageName,
  stageIndex,
  stagePercent,
} from "@clipzy/contracts";
import type { StageTask } from "@clipzy/proto";
import type { Broker, BrokerMessage, Subscription } from "./broker/port.js";
import type { Logger } from "./log.js";
import { consumeRoutes, decode, on, PUBLISHED_AT_HEADER, publish } from "./messaging.js";
import { metrics, watchQueue } from "./metrics.js";
import { measureTools, ProcessError, type ToolUsage } from "./process.js";
import { inSpan, SpanKind } from "./telemetry.js";

export class StageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StageInputError";
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

export interface StageContext {
  readonly signal: AbortSignal;
  /** Reports the fraction (0..1) of this stage done; throttled and monotonic. */
  progress(fraction: number): void;
  readonly log: Logger;
  /** 0 on the first delivery of this task. */
  readonly attempt: number;
  /** Records that an input's analysis was reused from the content-hash cache (reported with StageDone). */
  reused(input: string): void;
}

/** Runs the stage and returns the key of the artifact it stored. */
export type StageHandler = (task: StageTask, ctx: StageContext) => Promise<string>;

export interface StageWorkerOptions {
  broker: Broker;
  stage: StageName;
  handler: StageHandler;
  log: Logger;
  /** Deliveries before the stage is reported failed (RabbitMQ would dead-letter it next). */
  maxDeliveries?: number;
  /** Minimum interval between progress events (default 1 s). */
  progressIntervalMs?: number;
  /**
   * Tasks processed at once by this worker. Default: an analysis stage (INPUT_STAGES) takes both
   * parts of a templated job side by side, as one worker analysed both inputs of its one task
   * before the stage was split; every other stage takes one task at a time.
   */
  concurrency?: number;
  wrapHandler?: (stage: StageName, handler: StageHandler) => StageHandler;
}

export interface StageWorker {
  /** Drains: running tasks get `graceMs` (default 0) to finish, then are released for redelivery. */
  stop(graceMs?: number): Promise<void>;
}

/** The abort reason of a task released because its worker stops (not a job cancellation). */
class TaskReleased extends Error {
  constructor() {
    super("worker stopping: task released for redelivery");
    this.name = "TaskReleased";
  }
}

const CANCELLED_MEMORY = 1000;

const defaultConcurrency = (stage: StageName): number =>
  INPUT_STAGES.includes(stage) ? INPUT_ROLES.length : 1;

export async function startStageWorker(options: StageWorkerOptions): Promise<StageWorker> {
  const { broker, stage, log } = options;
  const handler = options.wrapHandler ? options.wrapHandler(stage, options.handler) : options.handler;
  const maxDeliveries = options.maxDeliveries ?? 5;
  const interval = options.progressIntervalMs ?? 1000;
  // by job; a job has two tasks at once here when both parts of an analysis stage come to this worker
  const running = new Map<string, Set<AbortController>>();
  const cancelled = new Set<string>();
  let stopping = false;

  const cancelSub = await broker.subscribe(routes.jobCancelled.key, async (raw) => {
    const { jobId } = decode(routes.jobCancelled, raw);
    cancelled.add(jobId);
    if (cancelled.size > CANCELLED_MEMORY) cancelled.delete(cancelled.values().next().value!);
    for (const ac of running.get(jobId) ?? []) ac.abort(new Error("job cancelled"));
  });

  const queue = queues.stage(stage);
  const unwatch = watchQueue(broker, queue.name);
  const runTask = async (task: StageTask, raw: BrokerMessage) => {
    const deliveryCount = raw.deliveryCount;
    const input = task.input; // the part of the stage this task is (absent: the whole stage)
    const jobLog = log.child({
      job_id: task.jobId,
      stage,
      ...(input ? { input } : {}),
      attempt: deliveryCount,
    });
    if (cancelled.has(task.jobId)) {
      jobLog.info("task for a cancelled job dropped");
      return "cancelled";
    }
    if (stopping) throw new TaskReleased(); // prefetched while the consumer was being cancelled
    jobLog.info("stage started");
    const ac = new AbortController();
    const mine = running.get(task.jobId) ?? new Set();
    running.set(task.jobId, mine.add(ac));
    // where the stage's time goes: reported with StageDone
    const takenAt = Date.now();
    const publishedAt = Number(raw.headers[PUBLISHED_AT_HEADER]);
    const cpuBefore = process.cpuUsage();
    const tools: ToolUsage = { runs: 0, wallMs: 0, cpuMs: 0 };
    const reusedInputs = new Set<string>();
    // Each progress event is a state change of the job (a guarded write, an event document and a
    // broadcast), so only one the job can show is sent: a percent it has not reached, below the
    // stage's last (StageDone moves it on to the next stage's first), at most once an interval.
    // The first stage's 0 moves the job from queued to processing; a later stage's 0 is where
    // StageDone of the one before already put it, so its first report waits an interval: a stage
    // done within it (most are, but the analyses and the render) shows no progress of its own.
    const range = STAGES[stageIndex(stage)];
    let shown = stage === STAGE_NAMES[0] ? range.from - 1 : range.from;
    let lastAt = takenAt;
    const progress = (fraction: number) => {
      const f = Math.min(1, Math.max(0, fraction));
      const percent = stagePercent(stage, f);
      const now = Date.now();
      if (percent <= shown || percent >= range.to || (now - lastAt < interval && shown >= range.from)) return;
      shown = percent;
      lastAt = now;
      publish(broker, routes.stageProgress, { jobId: task.jobId, stage, fraction: f, input }).catch((err) =>
        jobLog.warn({ err }, "progress event not published"),
      );
    };
    const released = () => ac.signal.reason instanceof TaskReleased;
    try {
      progress(0);
      const artifactKey = await measureTools(tools, () =>
        handler(task, {
          signal: ac.signal,
          progress,
          log: jobLog,
          attempt: deliveryCount,
          reused: (input) => reusedInputs.add(input),
        }),
      );
      if (released()) throw ac.signal.reason;
      if (ac.signal.aborted) return "cancelled"; // the job is terminal, nothing to report
      const cpu = process.cpuUsage(cpuBefore);
      const timing = {
        wallSeconds: (Date.now() - takenAt) / 1000,
        queueWaitSeconds: publishedAt > 0 ? Math.max(0, takenAt - publishedAt) / 1000 : 0,
        ffmpegRuns: tools.runs,
        ffmpegSeconds: tools.wallMs / 1000,
        ffmpegCpuSeconds: tools.cpuMs === null ? undefined : tools.cpuMs / 1000,
        workerCpuSeconds: (cpu.user + cpu.system) / 1e6,
      };
      await publish(broker, routes.stageDone, {
        jobId: task.jobId,
        stage,
        artifactKey,
        input,
        timing,
        reusedInputs: [...reusedInputs].sort(), // source, template: however the inputs interleaved
      });
      jobLog.info({ artifact_key: artifactKey }, "stage done");
      return "done";
    } catch (err) {
      if (released()) {
        // nack: another worker (or this one, restarted) redoes the task
        jobLog.info("stage released for redelivery: worker stopping");
        throw ac.signal.reason;
      }
      if (ac.signal.aborted) {
        jobLog.info("stage stopped: job cancelled");
        return "cancelled";
      }
      if (err instanceof StageInputError || deliveryCount + 1 >= maxDeliveries) {
        jobLog.error({ err }, "stage failed");
        // a StageInputError is our own sentence about the input; anything else is not shown
        const reason =
          err instanceof StageInputError ? err.message : failureMessage(stage, deliveryCount + 1, err);
        await publish(broker, routes.stageFailed, { jobId: task.jobId, stage, message: reason, input });
        return "failed";
      }
      jobLog.warn({ err }, "stage attempt failed; the task will be redelivered");
      throw err;
    } finally {
      mine.delete(ac);
      if (mine.size === 0) running.delete(task.jobId);
    }
  };

  const taskSub: Subscription = await consumeRoutes(
    broker,
    queue,
    on(routes.stageTask(stage), (task, raw) =>
      inSpan(
        `stage ${stage}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            "clipzy.job_id": task.jobId,
            "clipzy.stage": stage,
            ...(task.input ? { "clipzy.input": task.input } : {}),
            "clipzy.attempt": raw.deliveryCount,
          },
        },
        async (span) => {
          const started = performance.now();
          let outcome = "retry";
          try {
            outcome = await runTask(task, raw);
          } catch (err) {
            if (err instanceof TaskReleased) outcome = "released";
            throw err;
          } finally {
            span.setAttribute("clipzy.outcome", outcome);
            metrics.stageDuration.observe({ stage, outcome }, (performance.now() - started) / 1000);
          }
        },
      ),
    ),
    { prefetch: options.concurrency ?? defaultConcurrency(stage), maxDeliveries: maxDeliveries + 1 },
  );

  return {
    async stop(graceMs = 0) {
      stopping = true;
      unwatch();
      const drained = taskSub.cancel(); // no new deliveries; resolves when running tasks settled
      const timer = setTimeout(() => {
        for (const ac of [...running.values()].flatMap((set) => [...set])) ac.abort(new TaskReleased());
      }, graceMs);
      try {
        await drained;
      } finally {
        clearTimeout(timer);
      }
      await cancelSub.cancel();
    },
  };
}
