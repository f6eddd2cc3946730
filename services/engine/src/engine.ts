import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import * as audioAnalyzer from "@clipzy/audio-analyzer";
import * as gateway from "@clipzy/gateway";
import * as jobs from "@clipzy/jobs";
import * as motionAnalyzer from "@clipzy/motion-analyzer";
import { MemoryBroker } from "@clipzy/platform/broker";
import { NedbDocStore } from "@clipzy/platform/docstore";
import { drainMsOf } from "@clipzy/platform/drain";
import { Health } from "@clipzy/platform/health";
import { createLogger, type Logger, logSink } from "@clipzy/platform/log";
import { FsObjectStore, type ObjectStore } from "@clipzy/platform/objectstore";
import type { WorkerDeps } from "@clipzy/platform/worker-service";
import * as renderer from "@clipzy/renderer";
import * as styleApplier from "@clipzy/style-applier";
import * as styleExtractor from "@clipzy/style-extractor";
import * as upload from "@clipzy/upload";
import * as videoAnalyzer from "@clipzy/video-analyzer";
import * as webhooks from "@clipzy/webhooks";
import type { EngineConfig } from "./config.js";

export interface Engine {
  /** The gateway's port. */
  port: number;
  url: string;
  dataDir: string;
  log: Logger;
  /** Readiness of the whole engine (drained on stop). */
  health: Health;
  stop(): Promise<void>;
}

const LOOPBACK = "127.0.0.1";
const WORKERS = [videoAnalyzer, audioAnalyzer, motionAnalyzer, styleExtractor, styleApplier, renderer];

/**
 * Every service in one process on embedded adapters: an in-process broker, NeDB under the data
 * directory, a filesystem object store, and in-process gRPC clients (localClient: the same
 * messages, errors and deadlines as the network, without HTTP/2 on loopback). Each core
 * service still serves gRPC on a loopback port, as in distributed mode.
 */
export interface EngineHooks {
  /** Decorates stage handlers; used by tests to inject faults into real workers. */
  wrapHandler?: WorkerDeps["wrapHandler"];
  /** Decorates the stage workers' object store; used by tests to hold a write at the moment it matters. */
  wrapStore?: (store: ObjectStore) => ObjectStore;
}

export async function startEngine(config: EngineConfig, hooks: EngineHooks = {}): Promise<Engine> {
  const dataDir = resolve(config.DATA_DIR);
  await mkdir(resolve(dataDir, "db"), { recursive: true });
  const log = createLogger("engine", config.LOG_LEVEL);
  const broker = new MemoryBroker({ onError: logSink(log) });
  const docs = new NedbDocStore({ dir: resolve(dataDir, "db"), onError: logSink(log) });
  const store = new FsObjectStore({ root: resolve(dataDir, "storage") });
  const child = (service: string) => createLogger(service, config.LOG_LEVEL);
  const stops: (() => Promise<void>)[] = [];
  // One process, one readiness: every connection of every service, served on the gateway port.
  const health = new Health()
    .watch("broker", broker)
    .watch("document_store", docs)
    .watch("object_store", store);
  // Each service's own stop waits for running work up to this (the process deadline less a margin).
  const drainMs = drainMsOf(config);

  try {
    const up = await upload.start({
      docs,
      store,
      log: child("upload"),
      host: LOOPBACK,
      port: 0,
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      limits: upload.mediaLimitsOf(config),
      health,
      drainMs,
    });
    stops.push(up.stop);
    const js = await jobs.start({
      broker,
      docs,
      store,
      log: child("jobs"),
      upload: up.local,
      host: LOOPBACK,
      port: 0,
      resumeOnStart: true,
      health,
      drainMs,
      renderChunkSeconds: config.RENDER_CHUNK_SECONDS,
    });
    stops.push(js.stop);
    const wh = await webhooks.start({
      broker,
      docs,
      log: child("webhooks"),
      jobs: js.local,
      host: LOOPBACK,
      port: 0,
      rotationGraceSeconds: config.WEBHOOK_ROTATION_GRACE_SECONDS,
      allowList: config.WEBHOOK_ALLOW_LIST,
      retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      health,
      drainMs,
    });
    stops.push(wh.stop);
    const workerStore = hooks.wrapStore?.(store) ?? store;
    for (const worker of WORKERS) {
      const w = await worker.start({
        broker,
        store: workerStore,
        log: child("worker"),
        maxDeliveries: config.STAGE_MAX_DELIVERIES,
        concurrency: config.WORKER_CONCURRENCY,
        wrapHandler: hooks.wrapHandler,
      });
      stops.push(() => w.stop(config.STAGE_DRAIN_SECONDS * 1000));
    }
    const gw = await gateway.start({
      log: child("gateway"),
      store,
      host: config.HOST,
      port: config.PORT,
      upload: up.local,
      jobs: js.local,
      webhooks: wh.local,
      tokens: gateway.parseApiKeys(config.API_KEYS),
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
      tusDirectory: resolve(dataDir, "tus"),
      health,
      drainMs,
    });
    stops.push(gw.stop);
    const host = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
    return {
      port: gw.port,
      url: `http://${host === "127.0.0.1" ? "localhost" : host}:${gw.port}`,
      dataDir,
      log,
      health,
      async stop() {
        health.drain();
        for (const stop of stops.reverse()) await stop().catch((err) => log.warn({ err }, "stop failed"));
        await broker.close();
        await docs.close();
        health.close();
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await broker.close();
    await docs.close();
    throw err;
  }
}
