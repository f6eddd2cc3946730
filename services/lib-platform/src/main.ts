import { z } from "zod";
import { env, loadConfig } from "./config.js";
import { connectBroker, connectObjectStore, serviceEnv } from "./connect.js";
import { installLastResort } from "./last-resort.js";
import { createLogger, type Logger } from "./log.js";
import type { WorkerDeps } from "./worker-service.js";

/** Runs one service as its own process: start it, and drain on SIGTERM/SIGINT. */
export function runMain(
  name: string,
  level: string,
  start: (log: Logger) => Promise<{ stop(): Promise<void> }>,
): void {
  const log = createLogger(name, level);
  installLastResort(log, "exit");
  start(log).then(
    (running) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, "draining");
        running.stop().then(
          () => process.exit(0),
          (err) => {
            log.error({ err }, "drain failed");
            process.exit(1);
          },
        );
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

const WorkerEnv = z.object({
  ...serviceEnv,
  STAGE_MAX_DELIVERIES: env.int(5, 1),
  WORKER_CONCURRENCY: env.int(1, 1),
});

/** The whole main() of a stage worker service: config from the environment, adapters from URLs. */
export function runWorkerMain(
  name: string,
  start: (deps: WorkerDeps) => Promise<{ stop(): Promise<void> }>,
): void {
  const config = loadConfig(WorkerEnv);
  runMain(name, config.LOG_LEVEL, async (log) => {
    const broker = await connectBroker(config.BROKER_URL, { log });
    const store = await connectObjectStore(config.OBJECT_STORE_URL);
    const worker = await start({
      broker,
      store,
      log,
      maxDeliveries: config.STAGE_MAX_DELIVERIES,
      concurrency: config.WORKER_CONCURRENCY,
    });
    return {
      async stop() {
        await worker.stop();
        await broker.close();
      },
    };
  });
}
