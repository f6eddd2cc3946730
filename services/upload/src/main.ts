import { loadConfig } from "@clipzy/platform/config";
import { connectDocStore, connectObjectStore, serviceEnv } from "@clipzy/platform/connect";
import { drainMsOf } from "@clipzy/platform/drain";
import { grpcServeEnv, opsEnv, runMain, uploadSizeEnv } from "@clipzy/platform/main";
import { z } from "zod";
import { mediaLimitsEnv, mediaLimitsOf, start } from "./index.js";

const config = loadConfig(
  z.object({
    ...serviceEnv,
    ...opsEnv,
    ...grpcServeEnv("upload"),
    ...uploadSizeEnv,
    ...mediaLimitsEnv,
  }),
);

runMain("upload", config, async (log, health) => {
  const docs = await connectDocStore(config.MONGO_URL, { log });
  const store = await connectObjectStore(config.OBJECT_STORE_URL);
  health.watch("document_store", docs).watch("object_store", store);
  return start({
    docs,
    store,
    log,
    health,
    drainMs: drainMsOf(config),
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    limits: mediaLimitsOf(config),
  });
});
