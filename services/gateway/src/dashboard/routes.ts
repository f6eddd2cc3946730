import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { IRouter, Response } from "express";
import { errorBody } from "../http/errors.js";

/** The dashboard's build output (services/dashboard/dist, made by its esbuild script). */
const DIST = join(dirname(createRequire(import.meta.url).resolve("@clipzy/dashboard/package.json")), "dist");
const ASSET = /^(app\.(js|css)(\.map)?|app\.js\.LEGAL\.txt|icon\.svg)$/;

/** Nothing from anywhere but this engine; no inline script or style. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "media-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const HOME = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Clipzy ML Engine</title>
    <link rel="stylesheet" href="/dashboard/assets/app.css">
    <link rel="icon" type="image/svg+xml" href="/dashboard/assets/icon.svg">
  </head>
  <body>
    <main>
      <section class="card">
        <h2>Clipzy ML Engine</h2>
        <ul>
          <li><a href="/dashboard">Dashboard</a>: upload, follow jobs, see the Style DNA</li>
          <li><a href="/api/v1/docs">API reference</a> (<a href="/api/v1/openapi.json">OpenAPI document</a>)</li>
          <li><a href="/healthz">Health</a></li>
        </ul>
      </section>
    </main>
  </body>
</html>
`;

/**
 * GET / (links), GET /dashboard (the app's page) and its assets: public, like the docs page. Added
 * to `r`, which routes strictly (`/dashboard/` is a redirect).
 */
export function dashboardRoutes(r: IRouter): void {
  const headers = (res: Response) => {
    res.setHeader("Content-Security-Policy", CSP);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
  };
  r.get("/", (_req, res) => {
    headers(res);
    res.type("html").send(HOME);
  });
  r.get("/dashboard/", (_req, res) => res.redirect(301, "/dashboard"));
  r.get("/dashboard", (_req, res) => {
    headers(res);
    const page = join(DIST, "index.html");
    if (!existsSync(page)) {
      res
        .status(503)
        .json(
          errorBody(
            "unavailable",
            "the dashboard is not built: run `corepack pnpm -F @clipzy/dashboard build` (npm start does)",
          ),
        );
      return;
    }
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(page);
  });
  r.get("/dashboard/assets/:file", (req, res, next) => {
    if (!ASSET.test(req.params.file)) return next();
    headers(res);
    res.sendFile(join(DIST, req.params.file), { maxAge: 0 }, (err) => err && next());
  });
}
