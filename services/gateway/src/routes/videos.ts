import type { Readable } from "node:stream";
import { AppError, envelope, videoResponse } from "@clipzy/contracts";
import busboy from "busboy";
import type { Request, Router } from "express";
import type { Backends } from "../clients.js";
import { sendRange } from "../http/range.js";
import { idempotencyKeyOf, PageQuery, parse, parseUploadFields } from "../http/validation.js";
import { type UploadPart, uploadParts } from "./upload-parts.js";

/** ffprobe's format name → the Content-Type a browser plays it with. */
function mediaType(format: string): string {
  if (/mp4|mov/.test(format)) return "video/mp4";
  if (/webm|matroska/.test(format)) return "video/webm";
  return "application/octet-stream";
}

interface FilePart {
  stream: Readable & { truncated?: boolean };
  filename: string;
  mimeType: string;
}

/**
 * Parses the multipart body as a stream: the file's bytes go to the upload service as they
 * arrive (bounded memory whatever the size); form fields, which may come after the file, are
 * sent last, as the message that commits the upload.
 */
function multipartUpload(
  req: Request,
  tenantId: string,
  maxBytes: number,
  idempotencyKey?: string,
): AsyncGenerator<UploadPart> {
  const type = req.headers["content-type"] ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) {
    throw new AppError("unsupported_media_type", "send the video as multipart/form-data with a `file` field");
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes + 1024 * 1024) {
    throw new AppError("payload_too_large", `the file exceeds the upload limit of ${maxBytes} bytes`, {
      max_bytes: maxBytes,
    });
  }
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 8192 },
    });
  } catch (err) {
    // e.g. multipart/form-data without a boundary: busboy refuses it before reading anything
    throw new AppError("bad_request", `malformed multipart request: ${(err as Error).message}`);
  }
  const fields: Record<string, string> = {};
  bb.on("field", (name, value) => {
    fields[name] = value;
  });
  const file = new Promise<FilePart | null>((resolve, reject) => {
    bb.on("file", (name, stream, info) => {
      if (name !== "file") {
        stream.resume();
        return;
      }
      resolve({ stream, filename: info.filename ?? "upload.bin", mimeType: info.mimeType });
    });
    bb.on("close", () => resolve(null));
    bb.on("error", (err) =>
      reject(new AppError("bad_request", `malformed multipart body: ${(err as Error).message}`)),
    );
  });
  const closed = new Promise<void>((resolve, reject) => {
    bb.on("close", resolve);
    bb.on("error", reject);
  });
  closed.catch(() => undefined); // awaited at commit; an upload abandoned before that must not crash
  req.pipe(bb);
  // A client that goes away mid-body ends nothing by itself: without this the file stream, and
  // the upload service's call fed from it, would wait forever (and hold up a drain).
  req.once("close", () => {
    if (!req.complete)
      bb.destroy(new AppError("bad_request", "the upload was interrupted: the client closed the connection"));
  });

  return (async function* () {
    const f = await file;
    if (!f) throw new AppError("validation_error", "the form has no `file` field", { field: "file" });
    const header = { tenantId, filename: f.filename, contentType: f.mimeType, idempotencyKey };
    yield* uploadParts(header, f.stream, async () => {
      if (f.stream.truncated) {
        throw new AppError("payload_too_large", `the file exceeds the upload limit of ${maxBytes} bytes`, {
          max_bytes: maxBytes,
        });
      }
      await closed.catch(() => {
        throw new AppError("bad_request", "the multipart body ended early");
      });
      const valid = parseUploadFields(fields, "form");
      return { webhookUrl: valid.webhook_url, templateVideoId: valid.template_video_id };
    });
  })();
}

/** The video routes, added to `r` (whose id parameters are checked). */
export function videoRoutes(r: Router, b: Backends, maxUploadBytes: number): void {
  r.post("/videos/upload", async (req, res) => {
    const { video, replayed } = await b.upload.upload(
      multipartUpload(req, req.tenantId, maxUploadBytes, idempotencyKeyOf(req)),
    );
    if (replayed) res.setHeader("Idempotent-Replayed", "true");
    res.json(envelope("Video uploaded successfully", videoResponse(video!)));
  });

  r.get("/videos", async (req, res) => {
    const q = parse(PageQuery.omit({ status: true }), req.query, "query");
    const { videos, total } = await b.upload.listVideos({
      tenantId: req.tenantId,
      page: q.page,
      pageSize: q.page_size,
    });
    res.json({
      success: true,
      message: "Videos retrieved",
      videos: videos.map(videoResponse),
      total,
      page: q.page,
      page_size: q.page_size,
    });
  });

  r.get("/videos/:videoId", async (req, res) => {
    const { video } = await b.upload.getVideo({ tenantId: req.tenantId, videoId: req.params.videoId });
    res.json(envelope("Video retrieved", videoResponse(video!)));
  });

  // The uploaded file itself (Range honoured), e.g. for a player or frames in the dashboard.
  r.get("/videos/:videoId/content", async (req, res) => {
    const { video } = await b.upload.getVideo({ tenantId: req.tenantId, videoId: req.params.videoId });
    const v = video!;
    const info = await b.store.stat(v.storageKey);
    if (!info) throw new AppError("not_found", `video ${v.videoId} has no stored file`);
    const type = mediaType(v.metadata?.format ?? "");
    await sendRange(req, res, info.size, (range) => b.store.get(v.storageKey, range), type, v.filename);
  });

  r.delete("/videos/:videoId", async (req, res) => {
    const { videoId } = req.params;
    await b.upload.getVideo({ tenantId: req.tenantId, videoId });
    const { count } = await b.jobs.countActiveJobs({ tenantId: req.tenantId, videoId });
    if (count > 0) {
      throw new AppError(
        "video_in_use",
        `video ${videoId} is used by ${count} active job(s); cancel them or wait`,
        {
          active_jobs: count,
        },
      );
    }
    await b.upload.deleteVideo({ tenantId: req.tenantId, videoId });
    res.json(envelope("Video deleted", { video_id: videoId }));
  });
}
