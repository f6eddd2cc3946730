import { loadConfig } from "@clipzy/platform/config";
import { connectBroker, connectDocStore, connectObjectStore, serviceEnv } from "@clipzy/platform/connect";
import { drainMsOf } from "@clipzy/platform/drain";
import { grpcAddressEnv, grpcServeEnv, opsEnv, runMain } from "@clipzy/platform/main";
import { z } from "zod";
import { jobsEnv, start } from "./index.js";

const config = loadConfig(
  z.object({
    ...serviceEnv,
    ...opsEnv,
    ...grpcServeEnv("jobs"),
    ...jobsEnv,
    UPLOAD_ADDRESS: grpcAddressEnv.UPLOAD_ADDRESS,
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
    renderChunkSeconds: config.RENDER_CHUNK_SECONDS,
  });
});
