import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@clipzy/platform/grpc";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import type { UploadRequest, UploadService } from "@clipzy/proto";
import type { UploadPart, UploadsService, VideoDoc } from "../app/uploads.js";

async function* partsOf(requests: AsyncIterable<UploadRequest>): AsyncGenerator<UploadPart> {
  for await (const r of requests) {
    const p = r.part;
    if (p.case === "header") {
      yield {
        kind: "header",
        tenantId: p.value.tenantId,
        filename: p.value.filename,
        idempotencyKey: p.value.idempotencyKey,
      };
    } else if (p.case === "chunk") yield { kind: "chunk", bytes: p.value };
    else if (p.case === "fields") {
      yield { kind: "fields", webhookUrl: p.value.webhookUrl, templateVideoId: p.value.templateVideoId };
    }
  }
}

export function uploadGrpc(uploads: UploadsService, store: ObjectStore): ServiceImpl<typeof UploadService> {
  const toProto = (d: VideoDoc) => ({
    videoId: d._id,
    tenantId: d.tenant_id,
    filename: d.filename,
    fileSizeBytes: BigInt(d.file_size_bytes),
    metadata: {
      width: d.metadata.width,
      height: d.metadata.height,
      durationSeconds: d.metadata.duration_seconds,
      frameRate: d.metadata.frame_rate,
      codec: d.metadata.codec,
      bitrateKbps: d.metadata.bitrate_kbps,
      format: d.metadata.format,
      hasAudio: d.metadata.has_audio,
    },
    uploadedAt: timestampFromDate(d.uploaded_at),
    storageUrl: store.storageUrl(d.storage_key),
    storageKey: d.storage_key,
    webhookUrl: d.webhook_url ?? undefined,
    templateVideoId: d.template_video_id ?? undefined,
    contentSha256: d.content_sha256,
  });
  return {
    async upload(requests, ctx) {
      const { video, replayed } = await uploads.upload(partsOf(requests), ctx.signal);
      return { video: toProto(video), replayed };
    },
    async getVideo(req) {
      return { video: toProto(await uploads.get(req.tenantId, req.videoId)) };
    },
    async listVideos(req) {
      const page = await uploads.list(req.tenantId, req.page || 1, req.pageSize || 10);
      return { videos: page.videos.map(toProto), total: page.total };
    },
    async deleteVideo(req) {
      await uploads.delete(req.tenantId, req.videoId);
      return {};
    },
  };
}
