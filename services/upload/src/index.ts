import type { DocStore } from "@clipzy/platform/docstore";
import { addService, createServer, listen, shutdown } from "@clipzy/platform/grpc";
import type { Logger } from "@clipzy/platform/log";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { UploadService } from "@clipzy/proto";
import { type UploadClaimDoc, UploadsService, type VideoDoc } from "./app/uploads.js";
import { uploadGrpc } from "./transport/grpc.js";

export interface UploadServiceDeps {
  docs: DocStore;
  store: ObjectStore;
  log: Logger;
  host: string;
  port: number;
  maxUploadBytes: number;
}

export async function start(deps: UploadServiceDeps): Promise<{ port: number; stop(): Promise<void> }> {
  const uploads = new UploadsService({
    videos: deps.docs.collection<VideoDoc>("videos"),
    claims: deps.docs.collection<UploadClaimDoc>("upload_idempotency_keys"),
    store: deps.store,
    log: deps.log,
    maxUploadBytes: deps.maxUploadBytes,
  });
  await uploads.init();
  const server = createServer();
  addService(server, UploadService, uploadGrpc(uploads, deps.store), {
    onInternalError: (err, method) => deps.log.error({ err, method }, "internal error"),
  });
  const port = await listen(server, deps.host, deps.port);
  deps.log.info({ port }, "upload service listening");
  return { port, stop: () => shutdown(server) };
}
