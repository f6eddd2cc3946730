import { z } from "zod";
import { env, loadConfig } from "./config.js";
import { connectBroker, connectObjectStore, serviceEnv } from "./connect.js";
import { Health, serveOps } from "./health.js";
import { installLastResort } from "./last-resort.js";
import { createLogger, type Logger } from "./log.js";
import { shutdownTelemetry } from "./telemetry.js";
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

export interface OpsConfig {
  LOG_LEVEL: string;
  METRICS_PORT: number;
  METRICS_HOST: string;
  DRAIN_TIMEOUT_SECONDS: number;
}

/** How long a service's own stop may wait for running work: the drain deadline less a margin to close. */
export const drainMsOf = (config: OpsConfig) => Math.max(1000, config.DRAIN_TIMEOUT_SECONDS * 1000 - 3000);

export interface Running {
  stop(): Promise<void>;
}

/**
 * Runs one service as its own process: serves the operational endpoints on METRICS_PORT, starts
 * the service, and drains on SIGTERM/SIGINT: unready at once (probes and load balancers stop
 * sending work), then the service's own stop (which stops taking work and lets running work
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
    ({ ops, running }) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        const deadlineMs = config.DRAIN_TIMEOUT_SECONDS * 1000;
        // The deadline first: nothing after it (not even a log write to a closed stdout) can stop the exit.
        setTimeout(() => {
          try {
            log.error({ deadline_ms: deadlineMs }, "drain deadline passed; exiting with work still open");
          } finally {
            process.exit(1);
          }
        }, deadlineMs).unref();
        health.drain();
        log.info({ signal, deadline_ms: deadlineMs }, "draining");
        running
          .stop()
          .then(
            () => 0,
            (err) => {
              log.error({ err }, "drain failed");
              return 1;
            },
          )
          .then(async (code) => {
            health.close();
            await ops.close();
            await shutdownTelemetry();
            log.info({ code }, "drained");
            process.exit(code);
          });
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
    },
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
    STAGE_MAX_DELIVERIES: env.int(5, 1),
    /** Tasks a worker runs at once; unset: 2 for the analysis stages (a job's two parts), else 1. */
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).optional(),
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
