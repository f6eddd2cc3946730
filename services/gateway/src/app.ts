import type { Logger } from "@clipzy/platform/log";
import express from "express";
import type { Backends } from "./clients.js";
import { auth } from "./http/auth.js";
import { errorHandler, notFound } from "./http/errors.js";
import { jobRoutes } from "./routes/jobs.js";
import { videoRoutes } from "./routes/videos.js";

export interface GatewayOptions {
  /** Bearer token → tenant id; empty means open single-tenant mode. */
  tokens: ReadonlyMap<string, string>;
  maxUploadBytes: number;
  log: Logger;
}

export function createApp(backends: Backends, options: GatewayOptions): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.get("/healthz", (_req, res) => {
    res.json({ success: true, message: "ok", data: { status: "ok" } });
  });
  const api = express.Router();
  api.use(auth(options.tokens));
  api.use(express.json({ limit: "1mb", type: ["application/json", "application/*+json"] }));
  api.use(videoRoutes(backends, options.maxUploadBytes));
  api.use(jobRoutes(backends));
  app.use("/api/v1", api);
  app.use(notFound);
  app.use(errorHandler(options.log));
  return app;
}
