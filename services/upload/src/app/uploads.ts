import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { AppError, newId, storageKeys } from "@clipzy/contracts";
import { type Collection, DuplicateKeyError } from "@clipzy/platform/docstore";
import type { Logger } from "@clipzy/platform/log";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { decodeCheck, probeUpload } from "../adapters/media.js";
import { checkLimits, interpretProbe, type MediaLimits, type MediaMetadata } from "../domain/probe.js";

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
  /** sha256 (hex) of the stored bytes; the key of the video's cached analyses (absent on old videos). */
  content_sha256?: string;
  [key: string]: unknown;
}

export type UploadPart =
  | { kind: "header"; tenantId: string; filename: string; idempotencyKey?: string }
  | { kind: "chunk"; bytes: Uint8Array }
  | { kind: "fields"; webhookUrl?: string; templateVideoId?: string };

/** An idempotency key's claim on an upload, for 24 hours. */
export interface UploadClaimDoc {
  _id: string;
  request_hash: string;
  video_id: string;
  created_at: Date;
  [key: string]: unknown;
}

export interface UploadsDeps {
  videos: Collection<VideoDoc>;
  claims: Collection<UploadClaimDoc>;
  store: ObjectStore;
  log: Logger;
  maxUploadBytes: number;
  limits: MediaLimits;
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
    await this.deps.videos.ensureIndex({ fields: { tenant_id: 1, content_sha256: 1 } });
    await this.deps.claims.ensureIndex({ fields: { created_at: 1 }, expireAfterSeconds: 24 * 3600 });
  }

  /**
   * Streams the parts into the object store (bounded memory), then validates: size limit,
   * template reference, and that ffmpeg can really read and decode it. Any rejection deletes
   * what was stored, so a refused upload leaves nothing behind.
   */
  async upload(
    parts: AsyncIterable<UploadPart>,
    signal?: AbortSignal,
  ): Promise<{ video: VideoDoc; replayed: boolean }> {
    const iterator = parts[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done || first.value.kind !== "header")
      throw new AppError("bad_request", "upload must start with a header");
    const { tenantId, idempotencyKey } = first.value;
    const hash = createHash("sha256");
    const filename = safeFilename(first.value.filename);
    const videoId = newId("vid");
    const key = storageKeys.video(videoId, filename);
    const { maxUploadBytes } = this.deps;
    const received: { fields: Extract<UploadPart, { kind: "fields" }> | null } = { fields: null };
    let size = 0;

    async function* bytes(): AsyncGenerator<Uint8Array> {
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        const part = r.value;
        if (part.kind === "fields") received.fields = part;
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
          hash.update(part.bytes);
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

    let claimId: string | null = null;
    try {
      // The fields message commits the upload; a stream that ended without it was cut off.
      const fields = received.fields;
      if (!fields) throw new AppError("bad_request", "the upload ended before it was complete");
      if (size === 0) throw new AppError("invalid_media", "the uploaded file is empty");
      // the bytes' own hash, before the idempotency hash takes in the fields
      const contentSha256 = hash.copy().digest("hex");
      if (idempotencyKey) {
        hash.update(JSON.stringify([fields.webhookUrl ?? null, fields.templateVideoId ?? null, filename]));
        claimId = `${tenantId}:${idempotencyKey}`;
        const earlier = await this.claim(claimId, hash.digest("hex"), videoId, tenantId);
        if (earlier) {
          claimId = null; // not ours to release
          await this.deps.store.deletePrefix(`videos/${videoId}/`);
          return { video: earlier, replayed: true };
        }
      }
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
        content_sha256: contentSha256,
      };
      await this.deps.videos.insertOne(doc);
      this.deps.log.info({ video_id: videoId, size }, "video stored");
      return { video: doc, replayed: false };
    } catch (err) {
      await this.deps.store.deletePrefix(`videos/${videoId}/`);
      if (claimId) await this.deps.claims.deleteOne({ _id: claimId });
      throw err;
    }
  }

  /** Claims the key for this upload; returns the earlier video when the same request made it. */
  private async claim(
    id: string,
    requestHash: string,
    videoId: string,
    tenantId: string,
  ): Promise<VideoDoc | null> {
    try {
      await this.deps.claims.insertOne({
        _id: id,
        request_hash: requestHash,
        video_id: videoId,
        created_at: new Date(),
      });
      return null;
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
    }
    const claim = await this.deps.claims.findOne({ _id: id });
    if (claim && claim.request_hash !== requestHash) {
      throw new AppError("idempotency_conflict", "this Idempotency-Key was used with a different upload", {
        idempotency_key: id.slice(tenantId.length + 1),
      });
    }
    for (let i = 0; claim && i < 100; i++) {
      const video = await this.deps.videos.findOne({ _id: claim.video_id, tenant_id: tenantId });
      if (video) return video;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new AppError(
      "conflict",
      "an upload with this Idempotency-Key is still being processed; retry shortly",
    );
  }

  private async validateMedia(
    key: string,
    filename: string,
    size: number,
    signal?: AbortSignal,
  ): Promise<MediaMetadata> {
    const location = await this.deps.store.readableLocation(key);
    const probe = await probeUpload(location, signal);
    if (!probe) throw new AppError("invalid_media", "the file is not a video ffmpeg can read");
    const verdict = interpretProbe(probe, filename, size);
    if (!verdict.ok) throw new AppError("invalid_media", verdict.reason);
    // before the decode check: a video over a limit costs no more work
    const limit = checkLimits(probe, verdict.metadata, this.deps.limits);
    if (!limit.ok) {
      throw new AppError("media_limit_exceeded", `${limit.reason} (${limit.limit})`, {
        limit: limit.limit,
        value: limit.value,
        max: limit.max,
      });
    }
    const decodeError = await decodeCheck(location, signal);
    if (decodeError) {
      // ffmpeg's words go to the log; the user gets a sentence
      this.deps.log.info({ key, ffmpeg: decodeError }, "upload refused: the video does not decode");
      throw new AppError("invalid_media", "the video does not decode (the file is truncated or corrupt)");
    }
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

  /** Deletes the video, and its cached analyses unless another video of the tenant has the same bytes. */
  async delete(tenantId: string, videoId: string): Promise<void> {
    const doc = await this.get(tenantId, videoId);
    await this.deps.videos.deleteOne({ _id: videoId, tenant_id: tenantId });
    await this.deps.store.deletePrefix(`videos/${videoId}/`);
    const sha = doc.content_sha256;
    if (sha && (await this.deps.videos.count({ tenant_id: tenantId, content_sha256: sha })) === 0) {
      await this.deps.store.deletePrefix(storageKeys.analysisPrefix(tenantId, sha));
    }
  }
}
