import { env } from "@clipzy/platform/config";
import type { DocStore } from "@clipzy/platform/docstore";
import { type ServedGrpc, serveGrpc } from "@clipzy/platform/grpc";
import type { Health } from "@clipzy/platform/health";
import type { Logger } from "@clipzy/platform/log";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { UploadService } from "@clipzy/proto";
import { type UploadClaimDoc, UploadsService, type VideoDoc } from "./app/uploads.js";
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from "./domain/probe.js";
import { uploadGrpc } from "./transport/grpc.js";

export { DEFAULT_MEDIA_LIMITS, type MediaLimits } from "./domain/probe.js";

/** The environment variables of the upload limits, with their defaults (upload main and the engine). */
export const mediaLimitsEnv = {
  UPLOAD_MAX_DURATION_SECONDS: env.int(DEFAULT_MEDIA_LIMITS.max_duration_seconds, 1),
  UPLOAD_MAX_PIXELS: env.int(DEFAULT_MEDIA_LIMITS.max_pixels, 1),
  UPLOAD_MAX_FRAME_RATE: env.int(DEFAULT_MEDIA_LIMITS.max_frame_rate, 1),
  UPLOAD_MAX_STREAMS: env.int(DEFAULT_MEDIA_LIMITS.max_streams, 1),
};

export function mediaLimitsOf(c: {
  UPLOAD_MAX_DURATION_SECONDS: number;
  UPLOAD_MAX_PIXELS: number;
  UPLOAD_MAX_FRAME_RATE: number;
  UPLOAD_MAX_STREAMS: number;
}): MediaLimits {
  return {
    max_duration_seconds: c.UPLOAD_MAX_DURATION_SECONDS,
    max_pixels: c.UPLOAD_MAX_PIXELS,
    max_frame_rate: c.UPLOAD_MAX_FRAME_RATE,
    max_streams: c.UPLOAD_MAX_STREAMS,
  };
}

export interface UploadServiceDeps {
  docs: DocStore;
  store: ObjectStore;
  log: Logger;
  host: string;
  port: number;
  maxUploadBytes: number;
  /** Bounds on the work one upload can cause (defaults: DEFAULT_MEDIA_LIMITS). */
  limits?: MediaLimits;
  /** Serves grpc.health.v1 on the gRPC port when given. */
  health?: Health;
  /** On stop, running calls (uploads in progress) get this long to finish. */
  drainMs?: number;
}

export type Running = ServedGrpc<typeof UploadService>;

export async function start(deps: UploadServiceDeps): Promise<Running> {
  const uploads = new UploadsService({
    videos: deps.docs.collection<VideoDoc>("videos"),
    claims: deps.docs.collection<UploadClaimDoc>("upload_idempotency_keys"),
    store: deps.store,
    log: deps.log,
    maxUploadBytes: deps.maxUploadBytes,
    limits: deps.limits ?? DEFAULT_MEDIA_LIMITS,
  });
  await uploads.init();
  return serveGrpc(UploadService, uploadGrpc(uploads, deps.store), { name: "upload", ...deps });
}
