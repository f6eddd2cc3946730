import { z } from "zod";
import { env, loadConfig } from "./config.js";
import { connectBroker, connectObjectStore, serviceEnv } from "./connect.js";
import { type DrainConfig, drainOnSignals } from "./drain.js";
import { Health, serveOps } from "./health.js";
import { installLastResort } from "./last-resort.js";
import { createLogger, type Logger } from "./log.js";
import type { WorkerDeps } from "./worker-service.js";

/** Environment every distributed service reads for its operational side. */
export const opsEnv = {
  LOG_LEVEL: serviceEnv.LOG_LEVEL,
  /** `/metrics`, `/healthz`, `/readyz` over HTTP (the k8s manifests probe and scrape it). */
  METRICS_PORT: env.port(9464),
  METRICS_HOST: z.string().default("0.0.0.0"),
  /** After SIGTERM the process exits within this many seconds, whatever is still open. */
  DRAIN_TIMEOUT_SECONDS: z.coerce.number().positive().default(25),
};

export interface OpsConfig extends DrainConfig {
  LOG_LEVEL: string;
  METRICS_PORT: number;
  METRICS_HOST: string;
}

/** The gRPC port each core service listens on by default, and so where the others look for it. */
export const GRPC_PORTS = { upload: 50051, jobs: 50052, webhooks: 50053 } as const;

/** A core service's own gRPC address (GRPC_HOST, GRPC_PORT), with its default port. */
export const grpcServeEnv = (service: keyof typeof GRPC_PORTS) => ({
  GRPC_HOST: z.string().default("0.0.0.0"),
  GRPC_PORT: env.port(GRPC_PORTS[service]),
});

/** Where the core services are, for the services that call them. */
export const grpcAddressEnv = {
  UPLOAD_ADDRESS: z.string().default(`127.0.0.1:${GRPC_PORTS.upload}`),
  JOBS_ADDRESS: z.string().default(`127.0.0.1:${GRPC_PORTS.jobs}`),
  WEBHOOKS_ADDRESS: z.string().default(`127.0.0.1:${GRPC_PORTS.webhooks}`),
};

/** The largest upload in bytes, which the gateway and the upload service both enforce. */
export const uploadSizeEnv = { MAX_UPLOAD_BYTES: env.int(2 * 1024 ** 3, 1) };

/** What every stage worker reads (alone or in the engine). */
export const workerEnv = {
  STAGE_MAX_DELIVERIES: env.int(5, 1),
  /** Tasks a worker runs at once; unset: 2 for the analysis stages (a job's two parts), else 1. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).optional(),
};

export interface Running {
  stop(): Promise<void>;
}

/**
 * Runs one service as its own process: serves the operational endpoints on METRICS_PORT, starts
 * the service, and drains on SIGTERM/SIGINT (drain.ts): unready at once (probes and load balancers
 * stop sending work), then the service's own stop (which stops taking work and lets running work
 * finish within its grace), then exit; past DRAIN_TIMEOUT_SECONDS the process exits anyway.
 */
export function runMain(
  name: string,
  config: OpsConfig,
  start: (log: Logger, health: Health) => Promise<Running>,
): void {
  const log = createLogger(name, config.LOG_LEVEL);
  installLastResort(log, "exit");
  const health = new Health();
  const boot = async () => {
    const ops = await serveOps(health, config.METRICS_HOST, config.METRICS_PORT);
    log.info({ port: ops.port }, "metrics listening");
    return { ops, running: await start(log, health) };
  };
  boot().then(
    ({ ops, running }) =>
      drainOnSignals({
        log,
        config,
        begin: () => health.drain(),
        stop: () => running.stop(),
        close: async () => {
          health.close();
          await ops.close();
        },
      }),
    (err) => {
      log.fatal({ err }, `${name} failed to start`);
      process.exit(1);
    },
  );
}

const WorkerEnv = z
  .object({
    ...serviceEnv,
    ...opsEnv,
    ...workerEnv,
    /**
     * On SIGTERM a running stage may finish for this long before it is released for another worker
     * to redo; keep it below DRAIN_TIMEOUT_SECONDS (and that below terminationGracePeriodSeconds).
     */
    STAGE_DRAIN_SECONDS: z.coerce.number().min(0).default(20),
  })
  .refine((c) => c.STAGE_DRAIN_SECONDS < c.DRAIN_TIMEOUT_SECONDS, {
    message: "STAGE_DRAIN_SECONDS must be below DRAIN_TIMEOUT_SECONDS",
    path: ["STAGE_DRAIN_SECONDS"],
  });

/** The whole main() of a stage worker service: config from the environment, adapters from URLs. */
export function runWorkerMain(
  name: string,
  start: (deps: WorkerDeps) => Promise<{ stop(graceMs?: number): Promise<void> }>,
): void {
  const config = loadConfig(WorkerEnv);
  runMain(name, config, async (log, health) => {
    const broker = await connectBroker(config.BROKER_URL, { log });
    const store = await connectObjectStore(config.OBJECT_STORE_URL);
    health.watch("broker", broker).watch("object_store", store);
    const worker = await start({
      broker,
      store,
      log,
      maxDeliveries: config.STAGE_MAX_DELIVERIES,
      concurrency: config.WORKER_CONCURRENCY,
    });
    return {
      async stop() {
        await worker.stop(config.STAGE_DRAIN_SECONDS * 1000);
        await broker.close();
      },
    };
  });
}
