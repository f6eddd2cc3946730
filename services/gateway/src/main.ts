import { loadConfig } from "@clipzy/platform/config";
import { connectObjectStore, serviceEnv } from "@clipzy/platform/connect";
import { drainMsOf } from "@clipzy/platform/drain";
import { grpcAddressEnv, opsEnv, runMain } from "@clipzy/platform/main";
import { z } from "zod";
import { gatewayEnv, parseApiKeys, start } from "./index.js";

const config = loadConfig(
  z.object({
    ...opsEnv,
    OBJECT_STORE_URL: serviceEnv.OBJECT_STORE_URL,
    ...gatewayEnv,
    ...grpcAddressEnv,
    TUS_DIR: z.string().default("./data/tus"),
  }),
);

runMain("gateway", config, async (log, health) => {
  const store = await connectObjectStore(config.OBJECT_STORE_URL);
  health.watch("object_store", store);
  return start({
    log,
    store,
    health,
    drainMs: drainMsOf(config),
    host: config.HOST,
    port: config.PORT,
    upload: config.UPLOAD_ADDRESS,
    jobs: config.JOBS_ADDRESS,
    webhooks: config.WEBHOOKS_ADDRESS,
    tokens: parseApiKeys(config.API_KEYS),
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    tusDirectory: config.TUS_DIR,
  });
});
