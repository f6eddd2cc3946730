import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { env } from "@clipzy/platform/config";
import { connect, type Endpoint } from "@clipzy/platform/grpc";
import type { Health } from "@clipzy/platform/health";
import type { Logger } from "@clipzy/platform/log";
import { uploadSizeEnv } from "@clipzy/platform/main";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { JobService, UploadService, WebhookService } from "@clipzy/proto";
import { z } from "zod";
import { createApp } from "./app.js";

export { createApp } from "./app.js";

/** The gateway's settings with their defaults (its main and the engine). */
export const gatewayEnv = {
  HOST: z.string().default("127.0.0.1"),
  PORT: env.port(8000),
  /** `token:tenant` pairs, comma separated. Empty: open single-tenant mode, loopback only. */
  API_KEYS: env.list(),
  ...uploadSizeEnv,
  /** Requests a minute per bearer token (per client address in open mode); 0 turns the limit off. */
  RATE_LIMIT_PER_MINUTE: env.int(600, 0),
};

export interface GatewayDeps {
  log: Logger;
  store: ObjectStore;
  host: string;
  port: number;
  /** The core services: host:port each, or their in-process clients (embedded mode). */
  upload: Endpoint<typeof UploadService>;
  jobs: Endpoint<typeof JobService>;
  webhooks: Endpoint<typeof WebhookService>;
  tokens: ReadonlyMap<string, string>;
  maxUploadBytes: number;
  /** Requests a minute per bearer token (per client address in open mode); 0 = no limit. */
  rateLimitPerMinute: number;
  /** Where resumable (tus) uploads keep their chunks until complete. */
  tusDirectory: string;
  health: Health;
  /** On stop, in-flight requests (uploads included) get this long to finish. Default 20 s. */
  drainMs?: number;
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
    upload: connect(UploadService, deps.upload),
    jobs: connect(JobService, deps.jobs),
    webhooks: connect(WebhookService, deps.webhooks),
    store: deps.store,
  };
  const app = createApp(backends, {
    tokens: deps.tokens,
    maxUploadBytes: deps.maxUploadBytes,
    log: deps.log,
    rateLimitPerMinute: deps.rateLimitPerMinute,
    tusDirectory: deps.tusDirectory,
    health: deps.health,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(deps.port, deps.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : deps.port;
  const inFlight = trackRequests(server);
  deps.log.info({ port, host: deps.host }, "gateway listening");
  return {
    port,
    server,
    async stop() {
      // Stop accepting; idle keep-alive connections close now, busy ones after their response.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Event streams never end on their own: end them (clients resume with Last-Event-ID).
      for (const res of inFlight) {
        if (String(res.getHeader("content-type") ?? "").startsWith("text/event-stream")) res.end();
      }
      const drainMs = deps.drainMs ?? 20_000;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"deadline">((resolve) => {
        timer = setTimeout(() => resolve("deadline"), drainMs);
      });
      if ((await Promise.race([closed, deadline])) === "deadline") {
        deps.log.warn({ open: inFlight.size, drain_ms: drainMs }, "drain deadline: closing open requests");
        server.closeAllConnections();
        await closed;
      }
      clearTimeout(timer);
      // The backends go last: a draining upload still streams to the upload service.
      backends.upload.close();
      backends.jobs.close();
      backends.webhooks.close();
    },
  };
}
export { parseApiKeys } from "./http/auth.js";

/** The responses in progress, and `Connection: close` on those answered while draining. */
function trackRequests(server: Server): Set<ServerResponse> {
  const open = new Set<ServerResponse>();
  server.prependListener("request", (_req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.once("close", () => open.delete(res));
    if (!server.listening && !res.headersSent) res.setHeader("connection", "close");
  });
  return open;
}
