import { isAppError } from "@clipzy/contracts";
import type { ServiceClient } from "@clipzy/platform/grpc";
import type { UploadService } from "@clipzy/proto";
import type { VideoDirectory, VideoInfo } from "../app/jobs.js";

/** Looks videos up in the upload service over gRPC. */
export function grpcVideoDirectory(upload: ServiceClient<typeof UploadService>): VideoDirectory {
  return {
    async find(tenantId, videoId): Promise<VideoInfo | null> {
      try {
        const { video } = await upload.getVideo({ tenantId, videoId }, { timeoutMs: 10_000 });
        if (!video) return null;
        const m = video.metadata;
        return {
          video_id: video.videoId,
          storage_key: video.storageKey,
          duration_seconds: m?.durationSeconds ?? 0,
          frame_rate: m?.frameRate ?? 0,
          width: m?.width ?? 0,
          height: m?.height ?? 0,
          has_audio: m?.hasAudio ?? false,
          content_sha256: video.contentSha256 ?? "",
          webhook_url: video.webhookUrl ?? null,
          template_video_id: video.templateVideoId ?? null,
        };
      } catch (err) {
        if (isAppError(err) && err.code === "video_not_found") return null;
        throw err;
      }
    },
  };
}
