import { type Health, handleOps } from "@clipzy/platform/health";
import type { Logger } from "@clipzy/platform/log";
import { metrics } from "@clipzy/platform/metrics";
import express from "express";
import type { Backends } from "./clients.js";
import { dashboardRoutes } from "./dashboard/routes.js";
import { auth } from "./http/auth.js";
import { errorHandler, notFound } from "./http/errors.js";
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
  res.once("finish", () => {
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
  app.use((req, res, next) => {
    if (!handleOps(options.health, req, res)) next();
  });
  app.use(requestMetrics);
  // The home page and the dashboard (a static app that calls the API): public, not rate limited.
  app.use(dashboardRoutes());
  // The OpenAPI document and the docs page: public, not rate limited.
  app.use("/api/v1", docsRoutes());
  app.use(declaredRoutesOnly(openApiDocument(), "/api/v1"));
  const api = express.Router();
  api.use(rateLimitPerToken(options.tokens, options.rateLimitPerMinute ?? 600));
  api.use(auth(options.tokens));
  // before the JSON body parser: tus bodies are raw chunks
  api.use(
    tusRoutes(backends, {
      directory: options.tusDirectory,
      maxUploadBytes: options.maxUploadBytes,
      log: options.log,
    }),
  );
  api.use(express.json({ limit: "1mb", type: ["application/json", "application/*+json"] }));
  api.use(videoRoutes(backends, options.maxUploadBytes));
  api.use(jobRoutes(backends));
  api.use(webhookRoutes(backends));
  app.use("/api/v1", api);
  app.use(notFound);
  app.use(errorHandler(options.log));
  return app;
}
