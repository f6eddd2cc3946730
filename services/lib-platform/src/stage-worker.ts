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
import { INPUT_ROLES, INPUT_STAGES, queues, routes, type StageName } from "@clipzy/contracts";
import type { StageTask } from "@clipzy/proto";
import type { Broker, BrokerMessage, Subscription } from "./broker/port.js";
import type { Logger } from "./log.js";
import { consumeRoutes, decode, on, PUBLISHED_AT_HEADER, publish } from "./messaging.js";
import { metrics, watchQueue } from "./metrics.js";
import { measureTools } from "./process.js";
import { CancelRegistry } from "./stage-cancel.js";
import { failureOutcome, TaskReleased } from "./stage-failure.js";
import { progressThrottle } from "./stage-progress.js";
import { startTiming } from "./stage-timing.js";
import { inSpan, SpanKind } from "./telemetry.js";

export { failureMessage, StageInputError } from "./stage-failure.js";

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

const CANCELLED_MEMORY = 1000;

const defaultConcurrency = (stage: StageName): number =>
  INPUT_STAGES.includes(stage) ? INPUT_ROLES.length : 1;

/** What one worker's tasks share: its broker, stage, handler and policies, and its running tasks. */
interface WorkerState {
  readonly broker: Broker;
  readonly stage: StageName;
  readonly handler: StageHandler;
  readonly log: Logger;
  readonly maxDeliveries: number;
  readonly progressIntervalMs: number;
  readonly tasks: CancelRegistry;
  stopping: boolean;
}

export async function startStageWorker(options: StageWorkerOptions): Promise<StageWorker> {
  const { broker, stage } = options;
  const w: WorkerState = {
    broker,
    stage,
    handler: options.wrapHandler ? options.wrapHandler(stage, options.handler) : options.handler,
    log: options.log,
    maxDeliveries: options.maxDeliveries ?? 5,
    progressIntervalMs: options.progressIntervalMs ?? 1000,
    tasks: new CancelRegistry(CANCELLED_MEMORY),
    stopping: false,
  };

  const cancelSub = await broker.subscribe(routes.jobCancelled.key, async (raw) => {
    w.tasks.cancel(decode(routes.jobCancelled, raw).jobId);
  });

  const queue = queues.stage(stage);
  const unwatch = watchQueue(broker, queue.name);
  const taskSub: Subscription = await consumeRoutes(
    broker,
    queue,
    on(routes.stageTask(stage), (task, raw) => tracedTask(w, task, raw)),
    { prefetch: options.concurrency ?? defaultConcurrency(stage), maxDeliveries: w.maxDeliveries + 1 },
  );

  return {
    async stop(graceMs = 0) {
      w.stopping = true;
      unwatch();
      const drained = taskSub.cancel(); // no new deliveries; resolves when running tasks settled
      const timer = setTimeout(() => w.tasks.abortAll(new TaskReleased()), graceMs);
      try {
        await drained;
      } finally {
        clearTimeout(timer);
      }
      await cancelSub.cancel();
    },
  };
}

/** One delivery as a span `stage <name>` in the job's trace, timed by its outcome. */
function tracedTask(w: WorkerState, task: StageTask, raw: BrokerMessage): Promise<void> {
  const attributes = {
    "clipzy.job_id": task.jobId,
    "clipzy.stage": w.stage,
    ...(task.part ? { "clipzy.part": task.part } : {}),
    "clipzy.attempt": raw.deliveryCount,
  };
  return inSpan(`stage ${w.stage}`, { kind: SpanKind.CONSUMER, attributes }, async (span) => {
    const started = performance.now();
    let outcome = "retry";
    try {
      outcome = await runTask(w, task, raw);
    } catch (err) {
      if (err instanceof TaskReleased) outcome = "released";
      throw err;
    } finally {
      span.setAttribute("clipzy.outcome", outcome);
      metrics.stageDuration.observe({ stage: w.stage, outcome }, (performance.now() - started) / 1000);
    }
  });
}

/**
 * Runs the handler and reports its end: StageDone, or what the failure policy says (release,
 * cancelled, failed, retry). Resolves to the outcome; throws to nack (release, retry).
 */
async function runTask(w: WorkerState, task: StageTask, raw: BrokerMessage): Promise<string> {
  const { broker, stage } = w;
  const deliveryCount = raw.deliveryCount;
  const part = task.part; // the part of the stage this task is (absent: the whole stage)
  const jobLog = w.log.child({
    job_id: task.jobId,
    stage,
    ...(part ? { part } : {}),
    attempt: deliveryCount,
  });
  if (w.tasks.isCancelled(task.jobId)) {
    jobLog.info("task for a cancelled job dropped");
    return "cancelled";
  }
  if (w.stopping) throw new TaskReleased(); // prefetched while the consumer was being cancelled
  jobLog.info("stage started");
  const running = w.tasks.start(task.jobId);
  const { signal } = running.controller;
  const timing = startTiming(Number(raw.headers[PUBLISHED_AT_HEADER]));
  const reusedInputs = new Set<string>();
  const progress = progressThrottle(stage, w.progressIntervalMs, (fraction) =>
    publish(broker, routes.stageProgress, { jobId: task.jobId, stage, fraction, part }).catch((err) =>
      jobLog.warn({ err }, "progress event not published"),
    ),
  );
  try {
    progress(0);
    const artifactKey = await measureTools(timing.tools, () =>
      w.handler(task, {
        signal,
        progress,
        log: jobLog,
        attempt: deliveryCount,
        reused: (input) => reusedInputs.add(input),
      }),
    );
    if (signal.reason instanceof TaskReleased) throw signal.reason;
    if (signal.aborted) return "cancelled"; // the job is terminal, nothing to report
    await publish(broker, routes.stageDone, {
      jobId: task.jobId,
      stage,
      artifactKey,
      part,
      timing: timing.finish(),
      reusedInputs: [...reusedInputs].sort(), // source, template: however the inputs interleaved
    });
    jobLog.info({ artifact_key: artifactKey }, "stage done");
    return "done";
  } catch (err) {
    const outcome = failureOutcome(err, { stage, signal, deliveryCount, maxDeliveries: w.maxDeliveries });
    switch (outcome.kind) {
      case "release": // nack: another worker (or this one, restarted) redoes the task
        jobLog.info("stage released for redelivery: worker stopping");
        throw signal.reason;
      case "cancelled":
        jobLog.info("stage stopped: job cancelled");
        return "cancelled";
      case "failed":
        jobLog.error({ err }, "stage failed");
        await publish(broker, routes.stageFailed, {
          jobId: task.jobId,
          stage,
          message: outcome.message,
          part,
        });
        return "failed";
      case "retry":
        jobLog.warn({ err }, "stage attempt failed; the task will be redelivered");
        throw err;
    }
  } finally {
    running.done();
  }
}
