/**
 * Liveness, readiness and the operational HTTP endpoints of a process:
 * - `/healthz`: the process is alive (200 while it runs, draining or not);
 * - `/readyz`: 200 only while every dependency answers its ping (broker, document store, object
 *   store connections) and the process is not draining; 503 with the failing checks otherwise;
 * - `/metrics`: the Prometheus registry (metrics.ts).
 * gRPC services also serve `grpc.health.v1.Health`, whose overall status ("") follows readiness.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { registry } from "./metrics.js";

/** Anything with a ping that rejects when its connection is down (the three ports have one). */
export interface Pingable {
  ping(): Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  draining: boolean;
  checks: Record<string, "up" | string>;
}

const PING_TIMEOUT_MS = 2000;
/**
 * How often gRPC health re-evaluates readiness (it answers from the last result): the readiness
 * probes' period (k8s/base), since each refresh pings every dependency of every service.
 */
const GRPC_REFRESH_MS = 5000;

export class Health {
  private readonly deps = new Map<string, Pingable>();
  private readonly grpcHealth: HealthImplementation[] = [];
  private timer?: NodeJS.Timeout;
  private isDraining = false;

  /** Readiness requires `dep` to answer its ping. */
  watch(name: string, dep: Pingable): this {
    this.deps.set(name, dep);
    return this;
  }

  get draining(): boolean {
    return this.isDraining;
  }

  /** Turns the process unready for good (SIGTERM): load balancers and probes stop sending work. */
  drain(): void {
    this.isDraining = true;
    for (const h of this.grpcHealth) h.setStatus("", "NOT_SERVING");
    clearInterval(this.timer);
  }

  async report(): Promise<ReadinessReport> {
    const checks: Record<string, string> = {};
    await Promise.all(
      [...this.deps].map(async ([name, dep]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            dep.ping(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`no answer in ${PING_TIMEOUT_MS} ms`)),
                PING_TIMEOUT_MS,
              );
            }),
          ]);
          checks[name] = "up";
        } catch (err) {
          checks[name] = err instanceof Error ? err.message : String(err);
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const ready = !this.isDraining && Object.values(checks).every((c) => c === "up");
    return { ready, draining: this.isDraining, checks };
  }

  /** Serves grpc.health.v1.Health on `server`; "" reports readiness, refreshed every GRPC_REFRESH_MS. */
  addToGrpcServer(server: grpc.Server): void {
    const impl = new HealthImplementation({ "": this.isDraining ? "NOT_SERVING" : "SERVING" });
    impl.addToServer(server);
    this.grpcHealth.push(impl);
    if (this.timer || this.isDraining) return;
    const refresh = () =>
      this.report().then((r) => {
        if (this.isDraining) return;
        for (const h of this.grpcHealth) h.setStatus("", r.ready ? "SERVING" : "NOT_SERVING");
      });
    void refresh();
    this.timer = setInterval(() => void refresh(), GRPC_REFRESH_MS);
    this.timer.unref();
  }

  /** Stops the readiness refresh (at the end of a drain). */
  close(): void {
    clearInterval(this.timer);
  }
}

/**
 * Answers `/healthz`, `/readyz` and `/metrics` (GET or HEAD) and returns true, or returns false
 * for any other request. Works on plain node:http and on express (whose req/res extend them).
 */
export function handleOps(health: Health, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? "").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };
  switch (path) {
    case "/healthz":
      json(200, { success: true, message: "ok", data: { status: "ok" } });
      return true;
    case "/readyz":
      void health.report().then((r) => {
        if (r.ready)
          json(200, { success: true, message: "ready", data: { status: "ready", checks: r.checks } });
        else {
          const down = Object.keys(r.checks).filter((k) => r.checks[k] !== "up");
          json(503, {
            success: false,
            message: r.draining ? "not ready: draining" : `not ready: ${down.join(", ")} down`,
            data: null,
            error: { code: "unavailable", details: { draining: r.draining, checks: r.checks } },
          });
        }
      });
      return true;
    case "/metrics":
      void registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(`metrics failed: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
      return true;
    default:
      return false;
  }
}

/** A small HTTP server for the operational endpoints on `METRICS_PORT` (distributed services). */
export async function serveOps(
  health: Health,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (!handleOps(health, req, res)) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
