import type { Broker } from "@clipzy/platform/broker";
import type { DocStore } from "@clipzy/platform/docstore";
import { connect, type Endpoint, type ServedGrpc, serveGrpc } from "@clipzy/platform/grpc";
import type { Health } from "@clipzy/platform/health";
import type { Logger } from "@clipzy/platform/log";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { JobService, UploadService } from "@clipzy/proto";
import { z } from "zod";
import { grpcVideoDirectory } from "./adapters/video-directory.js";
import { JobsService } from "./app/jobs.js";
import type { IdempotencyDoc, JobDoc, JobEventDoc } from "./domain/job.js";
import { consumeJobEvents, subscribeJobChanges } from "./transport/events.js";
import { jobsGrpc } from "./transport/grpc.js";

/** What the jobs service reads (alone or in the engine), beyond every service's settings. */
export const jobsEnv = {
  /**
   * Output seconds per render chunk: a job's render is split into round(length / this) chunks,
   * each its own rendering task, joined without re-encoding (docs/rendering.md says why 30). 0: one
   * render per job.
   */
  RENDER_CHUNK_SECONDS: z.coerce.number().min(0).default(30),
};

export interface JobsServiceDeps {
  broker: Broker;
  docs: DocStore;
  store: ObjectStore;
  log: Logger;
  /** The upload service: host:port, or its in-process client. */
  upload: Endpoint<typeof UploadService>;
  host: string;
  port: number;
  /** Re-publish running stages at start (for brokers that do not persist messages). */
  resumeOnStart: boolean;
  /** Serves grpc.health.v1 on the gRPC port when given. */
  health?: Health;
  /** On stop, running calls get this long to finish. */
  drainMs?: number;
  /** RENDER_CHUNK_SECONDS (jobsEnv). */
  renderChunkSeconds: number;
}

/** A task still in a job's outbox this long after its change is taken as lost, and published. */
const OUTBOX_GRACE_MS = 10_000;
const OUTBOX_SWEEP_MS = 5_000;

export type Running = ServedGrpc<typeof JobService>;

export async function start(deps: JobsServiceDeps): Promise<Running> {
  const upload = connect(UploadService, deps.upload);
  const jobs = new JobsService({
    jobs: deps.docs.collection<JobDoc>("jobs"),
    events: deps.docs.collection<JobEventDoc>("job_events"),
    idempotency: deps.docs.collection<IdempotencyDoc>("idempotency_keys"),
    videos: grpcVideoDirectory(upload),
    broker: deps.broker,
    store: deps.store,
    log: deps.log,
    renderChunkSeconds: deps.renderChunkSeconds,
  });
  await jobs.init();
  const changes = await subscribeJobChanges(deps.broker, jobs);
  const served = await serveGrpc(JobService, jobsGrpc(jobs, deps.store), { name: "jobs", ...deps });
  const events = await consumeJobEvents(deps.broker, jobs);
  if (deps.resumeOnStart) {
    const n = await jobs.resumeActiveJobs();
    if (n) deps.log.info({ jobs: n }, "resumed active jobs");
  }
  const sweep = setInterval(() => {
    jobs.sweepOutbox(OUTBOX_GRACE_MS).catch((err) => deps.log.error({ err }, "outbox sweep failed"));
  }, OUTBOX_SWEEP_MS);
  return {
    ...served,
    async stop() {
      clearInterval(sweep);
      await events.cancel();
      jobs.close();
      await served.stop();
      await changes.cancel();
      upload.close();
    },
  };
}
