import type { RequestHandler } from "express";
import { errorBody } from "./errors.js";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

interface Template {
  regex: RegExp;
  allow: string[];
  /** Path parameters: of the templates matching a path, the one with fewest is its route. */
  params: number;
}

/** `/jobs/{job_id}/result` → a regex matching one non-empty segment per parameter. */
function templates(doc: Record<string, unknown>, base: string): Template[] {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>).map(([path, item]) => {
    const servers = item.servers as { url: string }[] | undefined;
    const prefix = servers?.[0]?.url === "/" ? "" : base;
    const pattern = (prefix + path)
      .split(/\{[^}]+\}/)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("[^/]+");
    const declared = METHODS.filter((m) => m in item).map((m) => m.toUpperCase());
    // HEAD is answered wherever GET is (HTTP semantics; express does it for every GET route).
    if (declared.includes("GET") && !declared.includes("HEAD")) declared.push("HEAD");
    return { regex: new RegExp(`^${pattern}/?$`), allow: declared, params: path.split("{").length - 1 };
  });
}

/**
 * The OpenAPI document is the one list of routes: a method the document does not declare for a
 * path it does is 405 with `Allow` (before auth, so the answer does not depend on the token), and a
 * path under the API base that the document does not describe is 404, whatever express would do.
 */
export function declaredRoutesOnly(doc: Record<string, unknown>, base: string): RequestHandler {
  const all = templates(doc, base);
  return (req, res, next) => {
    const path = req.path;
    // the matching templates with fewest parameters: /videos/upload, not /videos/{video_id}
    // (one pass, no allocation on the way to next(): every request comes through here)
    let route: Template[] = [];
    for (const t of all) {
      if (!t.regex.test(path)) continue;
      if (route.length === 0 || t.params < route[0].params) route = [t];
      else if (t.params === route[0].params) route.push(t);
    }
    if (route.length === 0) {
      if (path === base || path.startsWith(`${base}/`)) {
        res.status(404).json(errorBody("not_found", `no route for ${req.method} ${path}`));
        return;
      }
      return next();
    }
    if (route.some((t) => t.allow.includes(req.method))) return next();
    const allow = [...new Set(route.flatMap((t) => t.allow))];
    res.setHeader("Allow", allow.join(", "));
    res
      .status(405)
      .json(errorBody("method_not_allowed", `${req.method} is not allowed here; use ${allow.join(", ")}`));
  };
}
