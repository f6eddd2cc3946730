import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { MemoryBroker } from "./broker/memory.js";
import type { Broker } from "./broker/port.js";
import { NedbDocStore } from "./docstore/nedb.js";
import type { DocStore } from "./docstore/port.js";
import { FsObjectStore } from "./objectstore/fs.js";
import type { ObjectStore } from "./objectstore/port.js";

/**
 * Adapters are chosen by URL, never by code: `memory://` (in-process broker), `nedb:///abs/dir`
 * (embedded database), `file:///abs/dir` (filesystem store). The networked adapters (amqp://,
 * mongodb://, s3://) plug in here.
 */
export class UnsupportedUrlError extends Error {
  constructor(what: string, url: string, supported: string[]) {
    super(`${what} URL "${url}" is not supported by this build (supported: ${supported.join(", ")})`);
    this.name = "UnsupportedUrlError";
  }
}

export async function connectBroker(url: string): Promise<Broker> {
  if (url === "memory://") return new MemoryBroker();
  throw new UnsupportedUrlError("BROKER_URL", url, ["memory://"]);
}

export async function connectDocStore(url: string): Promise<DocStore> {
  if (url.startsWith("nedb://")) {
    const dir = fileURLToPath(url.replace(/^nedb:/, "file:"));
    mkdirSync(dir, { recursive: true });
    return new NedbDocStore({ dir });
  }
  throw new UnsupportedUrlError("MONGO_URL", url, ["nedb:///dir"]);
}

export async function connectObjectStore(url: string): Promise<ObjectStore> {
  if (url.startsWith("file://")) return new FsObjectStore({ root: fileURLToPath(url) });
  throw new UnsupportedUrlError("OBJECT_STORE_URL", url, ["file:///dir"]);
}

/** Environment every service reads in distributed mode. */
export const serviceEnv = {
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  BROKER_URL: z.string().default("memory://"),
  MONGO_URL: z.string().default(`nedb://${process.cwd()}/data/db`),
  OBJECT_STORE_URL: z.string().default(`file://${process.cwd()}/data/storage`),
};
