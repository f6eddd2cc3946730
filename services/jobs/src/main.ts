import { env, loadConfig } from "@clipzy/platform/config";
import { connectBroker, connectDocStore, connectObjectStore, serviceEnv } from "@clipzy/platform/connect";
import { drainMsOf, opsEnv, runMain } from "@clipzy/platform/main";
import { z } from "zod";
import { start } from "./index.js";

const config = loadConfig(
  z.object({
    ...serviceEnv,
    ...opsEnv,
    GRPC_HOST: z.string().default("0.0.0.0"),
    GRPC_PORT: env.port(50052),
    UPLOAD_ADDRESS: z.string().default("127.0.0.1:50051"),
  }),
);

runMain("jobs", config, async (log, health) => {
  const broker = await connectBroker(config.BROKER_URL, { log });
  const docs = await connectDocStore(config.MONGO_URL, { log });
  const store = await connectObjectStore(config.OBJECT_STORE_URL);
  health.watch("broker", broker).watch("document_store", docs).watch("object_store", store);
  return start({
    broker,
    docs,
    store,
    log,
    health,
    drainMs: drainMsOf(config),
    upload: config.UPLOAD_ADDRESS,
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    // Re-publish every active job's current stage on start (stages are idempotent): an in-process
    // broker forgets its messages with the process, and with a durable broker a crash between a
    // state change and the publish of the next task would otherwise leave that job waiting.
    resumeOnStart: true,
  });
});
