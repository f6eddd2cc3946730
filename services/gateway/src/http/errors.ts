import { AppError, ERROR_CODES, isAppError } from "@clipzy/contracts";
import type { Logger } from "@clipzy/platform/log";
import type { ErrorRequestHandler, Request, RequestHandler } from "express";

/** The one place an error becomes an HTTP status and the error envelope. 5xx never leak internals. */
export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { success: false, message, data: null, error: { code, details } };
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: AppError;
    if (isAppError(err)) e = err;
    else if (err?.type === "entity.parse.failed")
      e = new AppError("invalid_json", "the request body is not valid JSON", { position: err.message });
    else if (err?.type === "entity.too.large")
      e = new AppError("payload_too_large", "the request body is too large");
    else if (err?.type === "encoding.unsupported" || err?.type === "charset.unsupported")
      e = new AppError("bad_request", err.message);
    else {
      log.error({ err, method: req.method, path: req.path }, "unhandled error");
      e = new AppError("internal", "internal server error");
    }
    const status = ERROR_CODES[e.code] ?? 500;
    if (status >= 500 && isAppError(err)) log.warn({ code: e.code, path: req.path }, e.message);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (e.code === "payload_too_large") discardBody(req);
    res.status(status).json(errorBody(e.code, e.message, e.details));
  };
}

/** Past this much discarded body, a refused upload's connection is cut instead of drained. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * A refused upload is answered at once, but the rest of its body is read and dropped (up to a
 * bound): closing a socket the client is still writing to makes most clients report a
 * connection error instead of the 413.
 */
function discardBody(req: Request): void {
  req.unpipe();
  let seen = 0;
  req.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_LIMIT_BYTES) req.socket.destroy();
  });
  req.resume();
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json(errorBody("not_found", `no route for ${req.method} ${req.path}`));
};
