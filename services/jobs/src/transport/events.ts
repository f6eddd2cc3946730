import { queues, routes } from "@clipzy/contracts";
import type { Broker, Subscription } from "@clipzy/platform/broker";
import { consumeRoutes, decode, on } from "@clipzy/platform/messaging";
import type { JobsService } from "../app/jobs.js";

/** Applies stage events from the workers to job state. */
export function consumeJobEvents(broker: Broker, jobs: JobsService): Promise<Subscription> {
  return consumeRoutes(
    broker,
    queues.jobEvents,
    {
      ...on(routes.stageProgress, (m) => jobs.onStageProgress(m.jobId, m.stage, m.fraction, m.part)),
      ...on(routes.stageDone, (m) =>
        jobs.onStageDone(
          m.jobId,
          m.stage,
          m.timing && {
            wall_seconds: m.timing.wallSeconds,
            queue_wait_seconds: m.timing.queueWaitSeconds,
            ffmpeg_runs: m.timing.ffmpegRuns,
            ffmpeg_seconds: m.timing.ffmpegSeconds,
            ffmpeg_cpu_seconds: m.timing.ffmpegCpuSeconds ?? null,
            worker_cpu_seconds: m.timing.workerCpuSeconds,
          },
          m.reusedInputs,
          m.part,
        ),
      ),
      ...on(routes.stageFailed, (m) => jobs.onStageFailed(m.jobId, m.stage, m.message, m.part)),
    },
    { prefetch: 1 },
  );
}

/** Every jobs instance hears every change broadcast (its own included, which it skips). */
export function subscribeJobChanges(broker: Broker, jobs: JobsService): Promise<Subscription> {
  return broker.subscribe(routes.jobChanged.key, async (raw) => {
    const m = decode(routes.jobChanged, raw);
    jobs.onJobChanged(m.jobId, Number(m.seq), m.origin);
  });
}
