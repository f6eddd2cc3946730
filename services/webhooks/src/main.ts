import { env, loadConfig } from "@clipzy/platform/config";
import { connectBroker, connectDocStore, serviceEnv } from "@clipzy/platform/connect";
import { drainMsOf, opsEnv, runMain } from "@clipzy/platform/main";
import { z } from "zod";
import { start } from "./index.js";

const config = loadConfig(
  z.object({
    ...serviceEnv,
    ...opsEnv,
    GRPC_HOST: z.string().default("0.0.0.0"),
    GRPC_PORT: env.port(50053),
    JOBS_ADDRESS: z.string().default("127.0.0.1:50052"),
    WEBHOOK_ROTATION_GRACE_SECONDS: env.int(24 * 3600, 0),
    WEBHOOK_ALLOW_LIST: env.list(),
    WEBHOOK_RETRY_BASE_MS: env.int(2000, 1),
    WEBHOOK_TIMEOUT_MS: env.int(10_000, 1),
  }),
);

runMain("webhooks", config, async (log, health) => {
  const broker = await connectBroker(config.BROKER_URL, { log });
  const docs = await connectDocStore(config.MONGO_URL, { log });
  health.watch("broker", broker).watch("document_store", docs);
  return start({
    broker,
    docs,
    log,
    health,
    drainMs: drainMsOf(config),
    jobs: config.JOBS_ADDRESS,
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    rotationGraceSeconds: config.WEBHOOK_ROTATION_GRACE_SECONDS,
    allowList: config.WEBHOOK_ALLOW_LIST,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
  });
});
