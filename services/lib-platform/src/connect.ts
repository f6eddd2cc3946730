import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { MemoryBroker } from "./broker/memory.js";
import type { Broker } from "./broker/port.js";
import { NedbDocStore } from "./docstore/nedb.js";
import type { DocStore } from "./docstore/port.js";
import { type Logger, logSink } from "./log.js";
import { FsObjectStore } from "./objectstore/fs.js";
import type { ObjectStore } from "./objectstore/port.js";

/**
 * Adapters are chosen by URL, never by code:
 * - broker: `memory://` (in-process) or `amqp://user:pass@host:5672/vhost` / `amqps://…` (RabbitMQ;
 *   extra query parameters `exchange`, `publishTimeoutMs`, `connectTimeoutMs` are ours, the rest
 *   go to amqplib, e.g. `heartbeat=10`);
 * - documents: `nedb:///abs/dir` (embedded) or `mongodb://…` / `mongodb+srv://…` (MongoDB or a
 *   MongoDB-protocol server; the database is the URL's path, default `clipzy`);
 * - objects: `file:///abs/dir` or `s3://ACCESS:SECRET@host:port/bucket?ssl=false&region=us-east-1`
 *   (any S3-compatible store, see objectstore/s3.ts).
 * The networked adapters are loaded only when their URL is used.
 */
export class UnsupportedUrlError extends Error {
  constructor(what: string, url: string, supported: string[]) {
    super(`${what} URL "${url}" is not supported by this build (supported: ${supported.join(", ")})`);
    this.name = "UnsupportedUrlError";
  }
}

const OUR_AMQP_PARAMS = ["exchange", "publishTimeoutMs", "connectTimeoutMs"] as const;

export interface BrokerConnectOptions {
  /** Connection loss and recovery, failed reconnects and broadcast handlers are logged here. */
  log?: Pick<Logger, "warn" | "info">;
  onEvent?: (event: "disconnected" | "reconnected", detail?: unknown) => void;
}

export async function connectBroker(url: string, options: BrokerConnectOptions = {}): Promise<Broker> {
  const onError = options.log ? logSink(options.log) : undefined;
  if (url === "memory://") return new MemoryBroker({ onError });
  if (url.startsWith("amqp://") || url.startsWith("amqps://")) {
    const u = new URL(url);
    const ours: Partial<Record<(typeof OUR_AMQP_PARAMS)[number], string>> = {};
    for (const p of OUR_AMQP_PARAMS) {
      const v = u.searchParams.get(p);
      if (v !== null) ours[p] = v;
      u.searchParams.delete(p);
    }
    const num = (name: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!(Number.isFinite(n) && n > 0)) throw new Error(`BROKER_URL: ${name} must be a positive number`);
      return n;
    };
    const { AmqpBroker } = await import("./broker/amqp.js");
    return AmqpBroker.connect({
      url: u.href,
      exchange: ours.exchange,
      publishTimeoutMs: num("publishTimeoutMs", ours.publishTimeoutMs),
      connectTimeoutMs: num("connectTimeoutMs", ours.connectTimeoutMs),
      onError,
      onEvent: (event, detail) => {
        if (event === "disconnected") options.log?.warn({ err: detail }, "broker disconnected; reconnecting");
        else options.log?.info("broker reconnected");
        options.onEvent?.(event, detail);
      },
    });
  }
  throw new UnsupportedUrlError("BROKER_URL", url, ["memory://", "amqp://…", "amqps://…"]);
}

export async function connectDocStore(
  url: string,
  options: { log?: Pick<Logger, "warn"> } = {},
): Promise<DocStore> {
  const onError = options.log ? logSink(options.log) : undefined;
  if (url.startsWith("nedb://")) {
    const dir = fileURLToPath(url.replace(/^nedb:/, "file:"));
    mkdirSync(dir, { recursive: true });
    return new NedbDocStore({ dir, onError });
  }
  if (url.startsWith("mongodb://") || url.startsWith("mongodb+srv://")) {
    const { MongoDocStore } = await import("./docstore/mongo.js");
    return MongoDocStore.connect({ url, onError });
  }
  throw new UnsupportedUrlError("MONGO_URL", url, ["nedb:///dir", "mongodb://…"]);
}

export async function connectObjectStore(url: string): Promise<ObjectStore> {
  if (url.startsWith("file://")) return new FsObjectStore({ root: fileURLToPath(url) });
  if (url.startsWith("s3://")) {
    const { S3ObjectStore } = await import("./objectstore/s3.js");
    return S3ObjectStore.connect(url);
  }
  throw new UnsupportedUrlError("OBJECT_STORE_URL", url, [
    "file:///dir",
    "s3://ACCESS:SECRET@host:port/bucket",
  ]);
}

/** Environment every service reads in distributed mode. */
export const serviceEnv = {
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  BROKER_URL: z.string().default("memory://"),
  MONGO_URL: z.string().default(`nedb://${process.cwd()}/data/db`),
  OBJECT_STORE_URL: z.string().default(`file://${process.cwd()}/data/storage`),
};
