import { AppError, type ErrorCode, type IdKind, isId } from "@clipzy/contracts";
import type { Router } from "express";

const KINDS: Record<IdKind, { code: ErrorCode; noun: string; format: string }> = {
  video: {
    code: "video_not_found",
    noun: "video",
    format: "`vid_` and 12 to 64 lowercase letters and digits",
  },
  job: { code: "job_not_found", noun: "job", format: "`job_` and 12 to 64 lowercase letters and digits" },
  delivery: { code: "not_found", noun: "webhook delivery", format: "`msg_` and 24 hexadecimal digits" },
};

/**
 * An id that cannot be an id is answered 404 at the door, before any RPC: backends only ever see
 * well-formed ids. The message does not echo the value (it may be anything, of any length).
 */
export function requireId(kind: IdKind, value: unknown, field?: string, code?: ErrorCode): string {
  if (isId(kind, value)) return value;
  const { noun, format } = KINDS[kind];
  const what = field ? `${field} is not` : "this is not";
  throw new AppError(code ?? KINDS[kind].code, `not found: ${what} a ${noun} id (${format})`, {
    ...(field ? { field } : {}),
  });
}

const PARAMS: Record<string, IdKind> = { videoId: "video", jobId: "job", deliveryId: "delivery" };

/** Checks the router's id path parameters (`:videoId`, `:jobId`, `:deliveryId`) before its handlers run. */
export function checkIdParams(r: Router): Router {
  for (const [param, kind] of Object.entries(PARAMS)) {
    r.param(param, (_req, _res, next, value) => {
      try {
        requireId(kind, value);
        next();
      } catch (err) {
        next(err);
      }
    });
  }
  return r;
}
