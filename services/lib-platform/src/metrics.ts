/**
 * Prometheus metrics (prom-client) of this process, on one registry: in embedded mode every
 * service runs in one process, so one scrape returns them all. Prometheus naming: base units
 * (seconds), `_total` counters, and labels with a bounded set of values (never a job id).
 */
import client from "prom-client";
import type { Broker } from "./broker/port.js";

export const registry = new client.Registry();
// The event-loop lag monitor samples on a timer; at prom-client's default 10 ms it wakes every
// process 100 times a second: 5.3 ms CPU/s each at rest, against 1.2 at 100 ms and 0.5 without
// (an idle node process over 10 s). A blocked loop still shows at 100 ms.
client.collectDefaultMetrics({ register: registry, prefix: "clipzy_", eventLoopMonitoringPrecision: 100 });

/** Stages take from seconds to tens of minutes. */
const STAGE_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];
/** Requests: milliseconds for reads, minutes for large uploads. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export const metrics = {
  httpDuration: new client.Histogram({
    name: "http_server_request_duration_seconds",
    help: "HTTP requests served, by method, route template and status code",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  }),
  grpcDuration: new client.Histogram({
    name: "grpc_server_handling_seconds",
    help: "gRPC calls handled, by service, method and status code",
    labelNames: ["grpc_service", "grpc_method", "grpc_code"] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  }),
  jobsTerminal: new client.Counter({
    name: "clipzy_jobs_terminal_total",
    help: "Jobs that reached a terminal status, by status",
    labelNames: ["status"] as const,
    registers: [registry],
  }),
  stageDuration: new client.Histogram({
    name: "clipzy_stage_duration_seconds",
    help: "Stage task runs, by stage and outcome (done, failed, retry, released, cancelled)",
    labelNames: ["stage", "outcome"] as const,
    buckets: STAGE_BUCKETS,
    registers: [registry],
  }),
  webhookAttempts: new client.Counter({
    name: "clipzy_webhook_attempts_total",
    help: "Webhook delivery attempts, by outcome (delivered, retry, failed, refused)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  }),
  ffmpegFailures: new client.Counter({
    name: "clipzy_ffmpeg_failures_total",
    help: "ffmpeg/ffprobe runs that exited with an error (cancellations not counted), by tool",
    labelNames: ["tool"] as const,
    registers: [registry],
  }),
  /** For the analysis cache: `metrics.analysisCacheHits.inc()` on every hit, `…Misses` on a miss. */
  analysisCacheHits: new client.Counter({
    name: "clipzy_analysis_cache_hits_total",
    help: "Analysis results served from the analysis cache",
    registers: [registry],
  }),
  analysisCacheMisses: new client.Counter({
    name: "clipzy_analysis_cache_misses_total",
    help: "Analysis cache lookups that had to compute the result",
    registers: [registry],
  }),
};

/** Queues whose depth and consumers are read from their broker at each scrape. */
const watched = new Map<string, Broker>();

/** Reports `queue`'s ready messages and consumers at every scrape (stage workers watch their own queue). */
export function watchQueue(broker: Broker, queue: string): () => void {
  watched.set(queue, broker);
  return () => {
    if (watched.get(queue) === broker) watched.delete(queue);
  };
}

const QUEUE_READ_TIMEOUT_MS = 2000;

async function queueStats() {
  const reads = [...watched].map(async ([queue, broker]) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timeout")), QUEUE_READ_TIMEOUT_MS);
    });
    try {
      return { queue, ...(await Promise.race([broker.queueStats(queue), timeout])) };
    } catch {
      return undefined; // broker unreachable: the series is absent for this scrape, /readyz says why
    } finally {
      clearTimeout(timer);
    }
  });
  return (await Promise.all(reads)).filter((s) => s !== undefined);
}

let pending: ReturnType<typeof queueStats> | undefined;
/** One broker read per scrape for both gauges. */
function sharedQueueStats() {
  pending ??= queueStats().finally(() => {
    setImmediate(() => {
      pending = undefined;
    });
  });
  return pending;
}

new client.Gauge({
  name: "clipzy_queue_messages",
  help: "Messages ready in a stage queue (not counting those being processed)",
  labelNames: ["queue"] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const s of await sharedQueueStats()) this.set({ queue: s.queue }, s.messages);
  },
});

new client.Gauge({
  name: "clipzy_queue_consumers",
  help: "Consumers of a stage queue",
  labelNames: ["queue"] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const s of await sharedQueueStats()) this.set({ queue: s.queue }, s.consumers);
  },
});
