import { Readable } from "node:stream";
import { AppError, newId, storageKeys } from "@clipzy/contracts";
import type { Collection } from "@clipzy/platform/docstore";
import type { Logger } from "@clipzy/platform/log";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { decodeCheck, probeMedia } from "../adapters/ffprobe.js";
import { interpretProbe, type MediaMetadata } from "../domain/probe.js";

export interface VideoDoc {
  _id: string;
  tenant_id: string;
  filename: string;
  file_size_bytes: number;
  metadata: MediaMetadata;
  uploaded_at: Date;
  storage_key: string;
  webhook_url: string | null;
  template_video_id: string | null;
  [key: string]: unknown;
}

export type UploadPart =
  | { kind: "header"; tenantId: string; filename: string }
  | { kind: "chunk"; bytes: Uint8Array }
  | { kind: "fields"; webhookUrl?: string; templateVideoId?: string };

export interface UploadsDeps {
  videos: Collection<VideoDoc>;
  store: ObjectStore;
  log: Logger;
  maxUploadBytes: number;
  now?: () => Date;
}

/** Keeps only a safe base name: no directories, no control or shell-hostile characters. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^\.+/, "")
    .slice(-120);
  return cleaned || "upload.bin";
}

export class UploadsService {
  constructor(private readonly deps: UploadsDeps) {}

  async init(): Promise<void> {
    await this.deps.videos.ensureIndex({ fields: { tenant_id: 1, uploaded_at: -1 } });
  }

  /**
   * Streams the parts into the object store (bounded memory), then validates: size limit,
   * template reference, and that ffmpeg can really read and decode it. Any rejection deletes
   * what was stored, so a refused upload leaves nothing behind.
   */
  async upload(parts: AsyncIterable<UploadPart>, signal?: AbortSignal): Promise<VideoDoc> {
    const iterator = parts[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done || first.value.kind !== "header")
      throw new AppError("bad_request", "upload must start with a header");
    const { tenantId } = first.value;
    const filename = safeFilename(first.value.filename);
    const videoId = newId("vid");
    const key = storageKeys.video(videoId, filename);
    const { maxUploadBytes } = this.deps;
    let fields: Extract<UploadPart, { kind: "fields" }> = { kind: "fields" };
    let size = 0;

    async function* bytes(): AsyncGenerator<Uint8Array> {
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        const part = r.value;
        if (part.kind === "fields") fields = part;
        else if (part.kind === "chunk") {
          size += part.bytes.length;
          if (size > maxUploadBytes) {
            throw new AppError(
              "payload_too_large",
              `the file exceeds the upload limit of ${maxUploadBytes} bytes`,
              {
                max_bytes: maxUploadBytes,
              },
            );
          }
          yield part.bytes;
        }
      }
    }

    try {
      await this.deps.store.put(key, Readable.from(bytes()));
    } catch (err) {
      await this.deps.store.delete(key).catch(() => {});
      throw err;
    }

    try {
      if (size === 0) throw new AppError("invalid_media", "the uploaded file is empty");
      const templateVideoId = fields.templateVideoId || null;
      if (
        templateVideoId &&
        !(await this.deps.videos.findOne({ _id: templateVideoId, tenant_id: tenantId }))
      ) {
        throw new AppError("template_not_found", `template video ${templateVideoId} not found`, {
          template_video_id: templateVideoId,
        });
      }
      const metadata = await this.validateMedia(key, filename, size, signal);
      const doc: VideoDoc = {
        _id: videoId,
        tenant_id: tenantId,
        filename,
        file_size_bytes: size,
        metadata,
        uploaded_at: (this.deps.now ?? (() => new Date()))(),
        storage_key: key,
        webhook_url: fields.webhookUrl || null,
        template_video_id: templateVideoId,
      };
      await this.deps.videos.insertOne(doc);
      this.deps.log.info({ video_id: videoId, size }, "video stored");
      return doc;
    } catch (err) {
      await this.deps.store.deletePrefix(`videos/${videoId}/`);
      throw err;
    }
  }

  private async validateMedia(
    key: string,
    filename: string,
    size: number,
    signal?: AbortSignal,
  ): Promise<MediaMetadata> {
    const location = await this.deps.store.readableLocation(key);
    const probe = await probeMedia(location, signal);
    if (!probe) throw new AppError("invalid_media", "the file is not a video ffmpeg can read");
    const verdict = interpretProbe(probe, filename, size);
    if (!verdict.ok) throw new AppError("invalid_media", verdict.reason);
    const decodeError = await decodeCheck(location, signal);
    if (decodeError) throw new AppError("invalid_media", `the video does not decode: ${decodeError}`);
    return verdict.metadata;
  }

  async get(tenantId: string, videoId: string): Promise<VideoDoc> {
    const doc = await this.deps.videos.findOne({ _id: videoId, tenant_id: tenantId });
    if (!doc) throw new AppError("video_not_found", `video ${videoId} not found`, { video_id: videoId });
    return doc;
  }

  async list(
    tenantId: string,
    page: number,
    pageSize: number,
  ): Promise<{ videos: VideoDoc[]; total: number }> {
    const filter = { tenant_id: tenantId };
    const [videos, total] = await Promise.all([
      this.deps.videos.find(filter, {
        sort: { uploaded_at: -1 },
        skip: (page - 1) * pageSize,
        limit: pageSize,
      }),
      this.deps.videos.count(filter),
    ]);
    return { videos, total };
  }

  async delete(tenantId: string, videoId: string): Promise<void> {
    await this.get(tenantId, videoId);
    await this.deps.videos.deleteOne({ _id: videoId, tenant_id: tenantId });
    await this.deps.store.deletePrefix(`videos/${videoId}/`);
  }
}
