import { createHash } from "node:crypto";
import { AppError } from "@clipzy/contracts";
import type { RequestHandler } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";

/**
 * Fixed-window rate limit per bearer token: a configured token is one bucket whoever uses it;
 * anything else (open mode, a missing or unknown token) is counted per client address, so
 * guessing tokens is limited too. Over the limit: 429 `rate_limited` with Retry-After, through
 * the error handler like every other error. `perMinute` 0 turns the limit off: no handler at all.
 */
export function rateLimitPerToken(
  tokens: ReadonlyMap<string, string>,
  perMinute: number,
): RequestHandler | undefined {
  if (perMinute <= 0) return undefined;
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    keyGenerator: (req) => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
      if (m && tokens.has(m[1])) return `token:${createHash("sha256").update(m[1]).digest("base64url")}`;
      return `ip:${ipKeyGenerator(req.ip ?? "unknown")}`;
    },
    handler: (_req, _res, next) => {
      next(
        new AppError(
          "rate_limited",
          `too many requests: at most ${perMinute} a minute; retry after the Retry-After seconds`,
          { limit_per_minute: perMinute },
        ),
      );
    },
  });
}
