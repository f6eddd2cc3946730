import { createReadStream } from "node:fs";
import { AppError, ERROR_CODES, envelope, isAppError, videoResponse } from "@clipzy/contracts";
import type { Logger } from "@clipzy/platform/log";
import { FileStore } from "@tus/file-store";
import { Server } from "@tus/server";
import type express from "express";
import type { Router } from "express";
import { NodeRequest, sendNodeResponse } from "srvx/node";
import type { Backends } from "../clients.js";
import { errorBody } from "../http/errors.js";
import { parseUploadFields } from "../http/validation.js";
import { uploadParts } from "./upload-parts.js";

const TENANT_HEADER = "x-clipzy-tenant";
const TUS_PATH = "/api/v1/videos/tus";
const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** tus hooks abort a request by throwing `{ status_code, body }`. */
const tusError = (e: AppError) => ({
  status_code: ERROR_CODES[e.code] ?? 500,
  body: JSON.stringify(errorBody(e.code, e.message, e.details)),
});

/**
 * Resumable uploads (tus 1.0, via @tus/server) for large files on flaky connections. Chunks land
 * in a local directory; when the last byte arrives, the file goes through exactly the same
 * upload service path (streamed, probed, validated) as a multipart upload, and the response to
 * that final PATCH carries the video. Uploads belong to the tenant that created them.
 */
export function tusRoutes(
  r: Router,
  b: Backends,
  options: { directory: string; maxUploadBytes: number; log: Logger },
): void {
  const datastore = new FileStore({
    directory: options.directory,
    expirationPeriodInMilliseconds: 24 * 3600 * 1000,
  });
  const tenantOf = (req: Request) => req.headers.get(TENANT_HEADER) ?? "";

  const tus = new Server({
    path: TUS_PATH,
    datastore,
    maxSize: options.maxUploadBytes,
    respectForwardedHeaders: false,
    async onUploadCreate(req, upload) {
      const m = upload.metadata ?? {};
      try {
        parseUploadFields(
          stripNull({ webhook_url: m.webhook_url, template_video_id: m.template_video_id }),
          "metadata",
        );
      } catch (err) {
        throw tusError(err as AppError);
      }
      return { metadata: { ...m, tenant: tenantOf(req) } };
    },
    async onIncomingRequest(req, uploadId) {
      if (req.method === "POST" || !uploadId) return;
      const upload = await datastore.getUpload(uploadId).catch(() => null);
      if (upload && upload.metadata?.tenant !== tenantOf(req)) {
        throw tusError(new AppError("not_found", "upload not found"));
      }
    },
    async onUploadFinish(req, upload) {
      const m = upload.metadata ?? {};
      const path = upload.storage?.path ?? `${options.directory}/${upload.id}`;
      try {
        const header = { tenantId: tenantOf(req), filename: m.filename ?? "upload.bin" };
        const chunks = createReadStream(path, { highWaterMark: 256 * 1024 });
        const parts = uploadParts(header, chunks, async () => ({
          webhookUrl: m.webhook_url ?? undefined,
          templateVideoId: m.template_video_id ?? undefined,
        }));
        const { video } = await b.upload.upload(parts);
        return {
          status_code: 200,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(envelope("Video uploaded successfully", videoResponse(video!))),
        };
      } catch (err) {
        if (!isAppError(err)) options.log.error({ err }, "tus upload finish failed");
        throw tusError(isAppError(err) ? err : new AppError("internal", "internal server error"));
      } finally {
        await datastore.remove(upload.id).catch(() => {});
      }
    },
  });

  /**
   * tus answers its own protocol errors in plain text, as every tus server does, and @tus/server
   * labels every error body text/plain; when the body is this API's JSON error envelope (from the
   * hooks above), it goes out labelled as JSON.
   */
  const answer = async (req: express.Request, res: express.Response) => {
    const response = await tus.handleWeb(new NodeRequest({ req, res }));
    if (response.status < 400) return sendNodeResponse(res, response);
    const body = await response.text();
    const headers = new Headers(response.headers);
    if (body.startsWith('{"success":false')) headers.set("content-type", "application/json; charset=utf-8");
    return sendNodeResponse(res, new Response(body, { status: response.status, headers }));
  };

  r.all(["/videos/tus", "/videos/tus/*rest"], (req, res) => {
    // Upload ids are the file store's 32 hex digits; anything else is no upload, before tus runs.
    const rest = (req.params as { rest?: string[] }).rest;
    if (rest && !(rest.length === 1 && UPLOAD_ID.test(rest[0]))) {
      res.status(404).type("text/plain").send("The file for this url was not found\n");
      return;
    }
    // The tenant (set by auth) reaches the tus hooks as a header; one sent by the client is dropped.
    const raw: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() !== TENANT_HEADER)
        raw.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    raw.push(TENANT_HEADER, req.tenantId);
    req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
    req.headers[TENANT_HEADER] = req.tenantId;
    void answer(req, res);
  });
}

function stripNull(o: Record<string, string | null | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === "string"));
}
