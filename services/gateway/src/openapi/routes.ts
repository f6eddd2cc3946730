import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { IRouter } from "express";
import { openApiDocument } from "./document.js";

/** swagger-ui-dist's static files, served from its npm package (no CDN). */
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "swagger-ui.css",
  "swagger-ui-bundle.js": "swagger-ui-bundle.js",
  "favicon-32x32.png": "favicon-32x32.png",
  "favicon-16x16.png": "favicon-16x16.png",
};

/** Relative URLs: the page is /api/v1/docs, its assets /api/v1/docs/*, the document /api/v1/openapi.json. */
const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Clipzy ML Engine API</title>
    <link rel="stylesheet" href="docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="docs/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="docs/swagger-ui-bundle.js"></script>
    <script src="docs/init.js"></script>
  </body>
</html>
`;

const INIT = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
`;

/** The browser may load nothing from anywhere but this engine. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'self'",
].join("; ");

/**
 * GET `base`/openapi.json and the docs page with its assets: public, not rate limited. Added to
 * `r`, which routes strictly (`/docs/` is a redirect).
 */
export function docsRoutes(r: IRouter, base: string): void {
  r.get(`${base}/openapi.json`, (_req, res) => {
    res.setHeader("Cache-Control", "no-cache");
    res.json(openApiDocument());
  });
  r.get(`${base}/docs/`, (_req, res) => res.redirect(301, "../docs"));
  r.get(`${base}/docs`, (_req, res) => {
    res.setHeader("Content-Security-Policy", CSP);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.type("html").send(PAGE);
  });
  r.get(`${base}/docs/init.js`, (_req, res) => {
    res.type("application/javascript").send(INIT);
  });
  r.get(`${base}/docs/:asset`, (req, res, next) => {
    const file = ASSETS[req.params.asset];
    if (!file) return next();
    res.setHeader("X-Content-Type-Options", "nosniff");
    // dotfiles: the package sits under node_modules/.pnpm; only the files listed above are served.
    res.sendFile(join(SWAGGER_UI_DIR, file), { maxAge: "1d", dotfiles: "allow" });
  });
}
