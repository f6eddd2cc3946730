import { AppError } from "@clipzy/contracts";
import type { RequestHandler } from "express";

export const DEFAULT_TENANT = "default";

declare global {
  namespace Express {
    interface Request {
      tenantId: string;
    }
  }
}

/**
 * Media a browser's <video> element loads (it cannot send headers): for these GETs the token may
 * also come as `?access_token=`. Nowhere else, so tokens stay out of ordinary URLs and logs.
 */
const MEDIA = /^\/(?:jobs\/[^/]+\/(?:output|preview)|videos\/[^/]+\/content)$/;

/**
 * Bearer tokens mapped to tenants. With no tokens configured the engine is open and single
 * tenant (it then refuses to listen on anything but loopback; see start()).
 */
export function auth(tokens: ReadonlyMap<string, string>): RequestHandler {
  return (req, _res, next) => {
    if (tokens.size === 0) {
      req.tenantId = DEFAULT_TENANT;
      return next();
    }
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const query = req.query.access_token;
    const fromQuery =
      !m &&
      (req.method === "GET" || req.method === "HEAD") &&
      MEDIA.test(req.path) &&
      typeof query === "string"
        ? query
        : undefined;
    const token = m?.[1] ?? fromQuery;
    const tenant = token ? tokens.get(token) : undefined;
    if (!tenant) {
      return next(
        new AppError(
          "unauthorized",
          token ? "the bearer token is not valid" : "missing Authorization: Bearer <token> header",
        ),
      );
    }
    req.tenantId = tenant;
    next();
  };
}

/** `token:tenant,token2:tenant2` (already split on commas) → Map(token → tenant). */
export function parseApiKeys(pairs: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of pairs) {
    const i = pair.lastIndexOf(":");
    if (i <= 0 || i === pair.length - 1) throw new Error(`API_KEYS entry "${pair}" must be token:tenant`);
    map.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return map;
}
