import type { Server } from "node:http";
import { isIP } from "node:net";
import { createClient } from "@clipzy/platform/grpc";
import type { Logger } from "@clipzy/platform/log";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { JobService, UploadService, WebhookService } from "@clipzy/proto";
import { createApp } from "./app.js";

export { createApp } from "./app.js";

export interface GatewayDeps {
  log: Logger;
  store: ObjectStore;
  host: string;
  port: number;
  uploadAddress: string;
  jobsAddress: string;
  webhooksAddress: string;
  tokens: ReadonlyMap<string, string>;
  maxUploadBytes: number;
  /** Requests a minute per bearer token (per client address in open mode); 0 = no limit. */
  rateLimitPerMinute: number;
  /** Where resumable (tus) uploads keep their chunks until complete. */
  tusDirectory: string;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || (isIP(host) === 4 && host.startsWith("127."));
}

export async function start(
  deps: GatewayDeps,
): Promise<{ port: number; server: Server; stop(): Promise<void> }> {
  if (deps.tokens.size === 0 && !isLoopbackHost(deps.host)) {
    throw new Error(
      `refusing to listen on ${deps.host} without API keys: set API_KEYS (token:tenant,...) or bind to 127.0.0.1`,
    );
  }
  const backends = {
    upload: createClient(UploadService, deps.uploadAddress),
    jobs: createClient(JobService, deps.jobsAddress),
    webhooks: createClient(WebhookService, deps.webhooksAddress),
    store: deps.store,
  };
  const app = createApp(backends, {
    tokens: deps.tokens,
    maxUploadBytes: deps.maxUploadBytes,
    log: deps.log,
    rateLimitPerMinute: deps.rateLimitPerMinute,
    tusDirectory: deps.tusDirectory,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(deps.port, deps.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : deps.port;
  deps.log.info({ port, host: deps.host }, "gateway listening");
  return {
    port,
    server,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      backends.upload.close();
      backends.jobs.close();
      backends.webhooks.close();
    },
  };
}
export { parseApiKeys } from "./http/auth.js";
