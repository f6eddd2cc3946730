import { loadConfig } from "@clipzy/platform/config";
import { connectBroker, connectDocStore, serviceEnv } from "@clipzy/platform/connect";
import { drainMsOf } from "@clipzy/platform/drain";
import { grpcAddressEnv, grpcServeEnv, opsEnv, runMain } from "@clipzy/platform/main";
import { z } from "zod";
import { start, webhooksEnv } from "./index.js";

const config = loadConfig(
  z.object({
    ...serviceEnv,
    ...opsEnv,
    ...grpcServeEnv("webhooks"),
    JOBS_ADDRESS: grpcAddressEnv.JOBS_ADDRESS,
    ...webhooksEnv,
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
