import type { Broker } from "@clipzy/platform/broker";
import type { DocStore } from "@clipzy/platform/docstore";
import {
  addService,
  connect,
  createServer,
  type Endpoint,
  listen,
  localClient,
  type ServiceClient,
  shutdown,
} from "@clipzy/platform/grpc";
import type { Health } from "@clipzy/platform/health";
import type { Logger } from "@clipzy/platform/log";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { JobService, UploadService } from "@clipzy/proto";
import { grpcVideoDirectory } from "./adapters/video-directory.js";
import { JobsService } from "./app/jobs.js";
import type { IdempotencyDoc, JobDoc, JobEventDoc } from "./domain/job.js";
import { consumeJobEvents, subscribeJobChanges } from "./transport/events.js";
import { jobsGrpc } from "./transport/grpc.js";

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
}

/** A task still in a job's outbox this long after its change is taken as lost, and published. */
const OUTBOX_GRACE_MS = 10_000;
const OUTBOX_SWEEP_MS = 5_000;

export interface Running {
  port: number;
  /** The service for callers in this process (embedded mode), without the network. */
  local: ServiceClient<typeof JobService> & { close(): void };
  stop(): Promise<void>;
}

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
  });
  await jobs.init();
  const impl = jobsGrpc(jobs, deps.store);
  const onInternalError = (err: unknown, method: string) => deps.log.error({ err, method }, "internal error");
  const server = createServer();
  addService(server, JobService, impl, { onInternalError });
  const changes = await subscribeJobChanges(deps.broker, jobs);
  deps.health?.addToGrpcServer(server);
  const port = await listen(server, deps.host, deps.port);
  const events = await consumeJobEvents(deps.broker, jobs);
  if (deps.resumeOnStart) {
    const n = await jobs.resumeActiveJobs();
    if (n) deps.log.info({ jobs: n }, "resumed active jobs");
  }
  const sweep = setInterval(() => {
    jobs.sweepOutbox(OUTBOX_GRACE_MS).catch((err) => deps.log.error({ err }, "outbox sweep failed"));
  }, OUTBOX_SWEEP_MS);
  deps.log.info({ port }, "jobs service listening");
  return {
    port,
    local: localClient(JobService, impl, { onInternalError }),
    async stop() {
      clearInterval(sweep);
      await events.cancel();
      jobs.close();
      await shutdown(server, deps.drainMs);
      await changes.cancel();
      upload.close();
    },
  };
}
