/** The operational endpoints every service answers (never traced, never rate limited). */
export const OPS_PATHS: ReadonlySet<string> = new Set(["/metrics", "/healthz", "/readyz"]);
