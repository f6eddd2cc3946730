import { type Health, handleOps } from "@clipzy/platform/health";
import type { Logger } from "@clipzy/platform/log";
import { metrics } from "@clipzy/platform/metrics";
import express from "express";
import type { Backends } from "./clients.js";
import { dashboardRoutes } from "./dashboard/routes.js";
import { auth } from "./http/auth.js";
import { errorHandler, notFound } from "./http/errors.js";
import { checkIdParams } from "./http/ids.js";
import { declaredRoutesOnly } from "./http/methods.js";
import { rateLimitPerToken } from "./http/rate-limit.js";
import { openApiDocument } from "./openapi/document.js";
import { docsRoutes } from "./openapi/routes.js";
import { jobRoutes } from "./routes/jobs.js";
import { tusRoutes } from "./routes/tus.js";
import { videoRoutes } from "./routes/videos.js";
import { webhookRoutes } from "./routes/webhooks.js";

export interface GatewayOptions {
  /** Bearer token → tenant id; empty means open single-tenant mode. */
  tokens: ReadonlyMap<string, string>;
  maxUploadBytes: number;
  log: Logger;
  /** Where resumable (tus) uploads keep their chunks until complete. */
  tusDirectory: string;
  /** Requests a minute per bearer token (per client address in open mode); 0 = no limit. Default 600. */
  rateLimitPerMinute?: number;
  /** Answers /healthz, /readyz and /metrics for this process. */
  health: Health;
}

/** Times every request by its route template (bounded), never by its concrete path. */
const requestMetrics: express.RequestHandler = (req, res, next) => {
  const started = performance.now();
  res.on("finish", () => {
    const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
    metrics.httpDuration.observe(
      { method: req.method, route, status_code: String(res.statusCode) },
      (performance.now() - started) / 1000,
    );
  });
  next();
};

export function createApp(backends: Backends, options: GatewayOptions): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  // The public pages' routes are the app's own, not in routers of their own that every request
  // would pass through; `/dashboard/` is a redirect, so routing is strict.
  app.set("strict routing", true);
  app.use((req, res, next) => {
    if (!handleOps(options.health, req, res)) next();
  });
  app.use(requestMetrics);
  // The OpenAPI document and the docs page: public, not rate limited.
  docsRoutes(app, "/api/v1");
  app.use(declaredRoutesOnly(openApiDocument(), "/api/v1"));
  // One router for every API route, entered once; job routes first, as status reads are most of
  // the traffic.
  const api = checkIdParams(express.Router());
  const limit = rateLimitPerToken(options.tokens, options.rateLimitPerMinute ?? 600);
  if (limit) api.use(limit);
  api.use(auth(options.tokens));
  jobRoutes(api, backends);
  webhookRoutes(api, backends);
  // before the video routes: /videos/tus is not a video id
  tusRoutes(api, backends, {
    directory: options.tusDirectory,
    maxUploadBytes: options.maxUploadBytes,
    log: options.log,
  });
  videoRoutes(api, backends, options.maxUploadBytes);
  app.use("/api/v1", api);
  // The home page and the dashboard (a static app that calls the API): public, not rate limited;
  // after the API, which most requests are for.
  dashboardRoutes(app);
  app.use(notFound);
  app.use(errorHandler(options.log));
  return app;
}
