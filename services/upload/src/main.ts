import { env, loadConfig } from "@clipzy/platform/config";
import { connectDocStore, connectObjectStore, serviceEnv } from "@clipzy/platform/connect";
import { runMain } from "@clipzy/platform/main";
import { z } from "zod";
import { mediaLimitsEnv, mediaLimitsOf, start } from "./index.js";

const config = loadConfig(
  z.object({
    ...serviceEnv,
    GRPC_HOST: z.string().default("0.0.0.0"),
    GRPC_PORT: env.port(50051),
    MAX_UPLOAD_BYTES: env.int(2 * 1024 ** 3, 1),
    ...mediaLimitsEnv,
  }),
);

runMain("upload", config.LOG_LEVEL, async (log) =>
  start({
    docs: await connectDocStore(config.MONGO_URL),
    store: await connectObjectStore(config.OBJECT_STORE_URL),
    log,
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    limits: mediaLimitsOf(config),
  }),
);
