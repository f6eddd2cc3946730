import { mkdirSync } from "node:fs";
import path from "node:path";
import nedb from "@seald-io/nedb";
import { type ErrorSink, stderrSink } from "../log.js";
import {
  type Collection,
  type Doc,
  type DocStore,
  DuplicateKeyError,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type Update,
  validateIndexSpec,
} from "./port.js";

export interface NedbDocStoreOptions {
  /** Where failures of the background compaction and TTL sweep are reported. Default stderr. */
  onError?: ErrorSink;
  /** Directory holding one `<collection>.db` file per collection; undefined keeps everything in memory. */
  dir?: string;
  /** How often each collection's append-only file is compacted. Default 60 s; 0 disables. */
  compactionIntervalMs?: number;
  /** How often TTL indexes are swept (MongoDB's TTL monitor runs every 60 s). Default 60 s. */
  ttlSweepIntervalMs?: number;
}

const COLLECTION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
const UPDATE_OPERATORS = new Set(["$set", "$unset", "$inc", "$max", "$push"]);

// The package is CommonJS (`module.exports = Datastore`) while its typings declare `export default`.
const Datastore = nedb as unknown as typeof nedb.default;
type Nedb = InstanceType<typeof Datastore>;

function mapError(err: unknown): unknown {
  if (
    typeof err === "object" &&
    err !== null &&
    (err as { errorType?: string }).errorType === "uniqueViolated"
  ) {
    return new DuplicateKeyError((err as Error).message);
  }
  return err;
}

function checkUpdate(update: Update): Update {
  const ops = Object.keys(update);
  if (ops.length === 0) throw new Error("update requires at least one operator");
  for (const op of ops) if (!UPDATE_OPERATORS.has(op)) throw new Error(`unsupported update operator ${op}`);
  // Copy, so the stored document never shares objects with the caller's update.
  return structuredClone(update);
}

class NedbCollection<T extends Doc> implements Collection<T> {
  /** Single-field TTL indexes: field → seconds. */
  readonly ttl = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly db: Nedb,
    /** Resolves once the collection file is loaded (rejects if it could not be). */
    readonly ready: Promise<void>,
    private readonly assertOpen: () => void,
  ) {}

  private async run<R>(op: () => Promise<R>): Promise<R> {
    this.assertOpen();
    await this.ready;
    try {
      return await op();
    } catch (err) {
      throw mapError(err);
    }
  }

  ensureIndex(spec: IndexSpec): Promise<void> {
    return this.run(async () => {
      const fields = validateIndexSpec(spec);
      // NeDB's own TTL handling is not restored after a reload, so TTL is swept by this adapter.
      await this.db.ensureIndexAsync({
        fieldName: fields.length === 1 ? fields[0] : fields,
        unique: spec.unique ?? false,
      });
      if (spec.expireAfterSeconds !== undefined) this.ttl.set(fields[0], spec.expireAfterSeconds);
    });
  }

  insertOne(doc: T): Promise<void> {
    return this.run(async () => {
      if (typeof doc._id !== "string" || doc._id === "") throw new Error("document needs a string _id");
      await this.db.insertAsync(doc);
    });
  }

  findOne(filter: Filter): Promise<T | null> {
    return this.run(async () => ((await this.db.findOneAsync(filter)) as unknown as T | null) ?? null);
  }

  find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.run(async () => {
      let cursor = this.db.findAsync(filter);
      if (options.sort) cursor = cursor.sort(options.sort);
      if (options.skip) cursor = cursor.skip(options.skip);
      if (options.limit) cursor = cursor.limit(options.limit);
      return (await cursor) as unknown as T[];
    });
  }

  count(filter: Filter): Promise<number> {
    return this.run(async () => (await this.db.countAsync(filter)) as unknown as number);
  }

  updateOne(filter: Filter, update: Update): Promise<T | null> {
    return this.run(async () => {
      const modifier = checkUpdate(update);
      const res = await this.db.updateAsync(filter, modifier, {
        multi: false,
        upsert: false,
        returnUpdatedDocs: true,
      });
      return res.numAffected > 0 ? (res.affectedDocuments as unknown as T) : null;
    });
  }

  deleteOne(filter: Filter): Promise<boolean> {
    return this.run(async () => (await this.db.removeAsync(filter, { multi: false })) > 0);
  }

  deleteMany(filter: Filter): Promise<number> {
    return this.run(() => this.db.removeAsync(filter, { multi: true }));
  }

  /** Removes documents whose TTL has passed. */
  async sweep(now = Date.now()): Promise<number> {
    await this.ready;
    let removed = 0;
    for (const [field, seconds] of this.ttl) {
      removed += await this.db.removeAsync(
        { [field]: { $lt: new Date(now - seconds * 1000) } },
        { multi: true },
      );
    }
    return removed;
  }
}

/**
 * The embedded document store: MongoDB's subset (see port.ts) over NeDB. Each collection is an
 * append-only file `<dir>/<name>.db`, compacted periodically and on close; updates to a
 * collection are serialized by NeDB, which makes `updateOne` atomic per document.
 * Values must be JSON-like (plus Date); Buffers and typed arrays are not supported.
 */
export class NedbDocStore implements DocStore {
  private readonly collections = new Map<string, NedbCollection<Doc>>();
  private readonly dir: string | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(options: NedbDocStoreOptions = {}) {
    this.dir = options.dir === undefined ? undefined : path.resolve(options.dir);
    if (this.dir) mkdirSync(this.dir, { recursive: true });
    const compactionMs = options.compactionIntervalMs ?? 60_000;
    const sweepMs = options.ttlSweepIntervalMs ?? 60_000;
    const onError = options.onError ?? stderrSink;
    if (this.dir && compactionMs > 0) {
      this.timers.push(
        setInterval(
          () => void this.compact().catch((err) => onError(err, "docstore compaction failed")),
          compactionMs,
        ).unref(),
      );
    }
    if (sweepMs > 0) {
      this.timers.push(
        setInterval(
          () => void this.sweepExpired().catch((err) => onError(err, "docstore TTL sweep failed")),
          sweepMs,
        ).unref(),
      );
    }
  }

  collection<T extends Doc>(name: string): Collection<T> {
    this.assertOpen();
    let c = this.collections.get(name);
    if (!c) {
      if (!COLLECTION_NAME.test(name)) throw new Error(`invalid collection name ${JSON.stringify(name)}`);
      const db: Nedb = this.dir
        ? new Datastore({ filename: path.join(this.dir, `${name}.db`) })
        : new Datastore({ inMemoryOnly: true });
      const ready = this.dir ? db.loadDatabaseAsync() : Promise.resolve();
      ready.catch(() => undefined); // surfaced by the first operation
      c = new NedbCollection<Doc>(name, db, ready, () => this.assertOpen());
      this.collections.set(name, c);
    }
    return c as unknown as Collection<T>;
  }

  /** Removes expired documents from every collection with a TTL index; returns how many. */
  async sweepExpired(now = Date.now()): Promise<number> {
    let n = 0;
    for (const c of this.collections.values()) n += await c.sweep(now);
    return n;
  }

  /** Rewrites every collection file without its superseded lines. */
  async compact(): Promise<void> {
    if (!this.dir) return;
    for (const c of this.collections.values()) {
      await c.ready;
      await c.db.compactDatafileAsync();
    }
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    if (this.dir) {
      // Queued behind any operation still running, so those finish and are written first.
      await Promise.all(
        [...this.collections.values()].map(async (c) => {
          try {
            await c.ready;
          } catch {
            return; // a collection that failed to load has nothing to write
          }
          await c.db.compactDatafileAsync();
        }),
      );
    }
    this.collections.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("document store closed");
  }
}
