// Builds the dashboard into dist/: app.js and app.css bundled by esbuild (preact, the typed client,
// tus-js-client's browser build), and index.html. The gateway serves dist/ at /dashboard.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(here, "src/main.tsx") },
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "linked",
  logLevel: "warning",
});
for (const f of ["index.html", "icon.svg"]) copyFileSync(join(here, "src", f), join(out, f));
