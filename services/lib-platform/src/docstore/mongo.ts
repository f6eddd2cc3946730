import { setTimeout as sleep } from "node:timers/promises";
import {
  type Db,
  type Document,
  MongoClient,
  type Collection as MongoCollection,
  type Filter as MongoFilter,
  MongoServerError,
  type UpdateFilter,
} from "mongodb";
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

const COLLECTION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
const UPDATE_OPERATORS = new Set(["$set", "$unset", "$inc", "$max", "$push"]);

function isDuplicateKey(err: unknown): boolean {
  if (!(err instanceof MongoServerError)) return false;
  if (err.code === 11000 || err.code === 11001) return true;
  // FerretDB 1.x reports a unique violation on update as an InternalError carrying its backend's
  // message: SQLite's "UNIQUE constraint failed", PostgreSQL's SQLSTATE 23505 (unique_violation).
  return err.code === 1 && /UNIQUE constraint failed|SQLSTATE 23505/.test(err.message);
}

const isNotImplemented = (err: unknown) =>
  err instanceof MongoServerError && (err.code === 238 || /not implemented/i.test(err.message));

/** How long a per-document update lock is held at most before another process may take it over. */
const LOCK_LEASE_MS = 10_000;
const LOCKS = "_clipzy_locks";

interface Compat {
  /** The server's findAndModify is not atomic (FerretDB 1.x): updates take a per-document lock. */
  readonly lockUpdates: boolean;
  readonly locks: MongoCollection<{ _id: string; until: Date }>;
  /** TTL indexes the server cannot create: collection → field → seconds, swept by the adapter. */
  readonly ttl: Map<MongoCollection<Document>, Map<string, number>>;
}

function mapError(err: unknown): unknown {
  return isDuplicateKey(err) ? new DuplicateKeyError((err as Error).message) : err;
}

function checkUpdate(update: Update): Update {
  const ops = Object.keys(update);
  if (ops.length === 0) throw new Error("update requires at least one operator");
  for (const op of ops) if (!UPDATE_OPERATORS.has(op)) throw new Error(`unsupported update operator ${op}`);
  return update;
}

class MongoDocCollection<T extends Doc> implements Collection<T> {
  constructor(
    private readonly c: MongoCollection<Document>,
    private readonly assertOpen: () => void,
    private readonly compat: Compat,
  ) {}

  private async run<R>(op: () => Promise<R>): Promise<R> {
    this.assertOpen();
    try {
      return await op();
    } catch (err) {
      throw mapError(err);
    }
  }

  ensureIndex(spec: IndexSpec): Promise<void> {
    return this.run(async () => {
      validateIndexSpec(spec); // throws on a spec no adapter accepts
      // Same name for the same spec: creating it again is a no-op, as MongoDB specifies.
      const name = [
        ...Object.entries(spec.fields).map(([f, d]) => `${f}_${d}`),
        spec.unique ? "unique" : "",
        spec.expireAfterSeconds !== undefined ? `ttl${spec.expireAfterSeconds}` : "",
      ]
        .filter(Boolean)
        .join("_");
      const options = { name, ...(spec.unique ? { unique: true } : {}) };
      if (spec.expireAfterSeconds === undefined) {
        await this.c.createIndex(spec.fields, options);
        return;
      }
      try {
        await this.c.createIndex(spec.fields, { ...options, expireAfterSeconds: spec.expireAfterSeconds });
      } catch (err) {
        if (!isNotImplemented(err)) throw err;
        // No TTL indexes on this server (FerretDB 1.x): a plain index, expired documents swept by us.
        await this.c.createIndex(spec.fields, options);
        const fields = this.compat.ttl.get(this.c) ?? new Map<string, number>();
        this.compat.ttl.set(this.c, fields);
        fields.set(Object.keys(spec.fields)[0], spec.expireAfterSeconds);
      }
    });
  }

  insertOne(doc: T): Promise<void> {
    return this.run(async () => {
      if (typeof doc._id !== "string" || doc._id === "") throw new Error("document needs a string _id");
      // The driver would add fields to the caller's object only when _id is missing; it is not.
      await this.c.insertOne(doc as Document);
    });
  }

  findOne(filter: Filter): Promise<T | null> {
    return this.run(async () => (await this.c.findOne(filter as MongoFilter<Document>)) as T | null);
  }

  find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.run(async () => {
      let cursor = this.c.find(filter as MongoFilter<Document>);
      if (options.sort) cursor = cursor.sort(options.sort);
      if (options.skip) cursor = cursor.skip(options.skip);
      if (options.limit) cursor = cursor.limit(options.limit);
      return (await cursor.toArray()) as unknown as T[];
    });
  }

  count(filter: Filter): Promise<number> {
    return this.run(() => this.c.countDocuments(filter as MongoFilter<Document>));
  }

  /** One atomic findAndModify: the filter is the condition, the result the document after the update. */
  updateOne(filter: Filter, update: Update): Promise<T | null> {
    return this.run(async () => {
      const modifier = checkUpdate(update) as UpdateFilter<Document>;
      if (this.compat.lockUpdates) return this.lockedUpdate(filter, modifier);
      const doc = await this.c.findOneAndUpdate(filter as MongoFilter<Document>, modifier, {
        returnDocument: "after",
        upsert: false,
      });
      return (doc as T | null) ?? null;
    });
  }

  /**
   * Compare-and-set on a server whose findAndModify reads and writes in separate steps: the
   * document is locked (an insert with a unique _id, atomic everywhere) while the filter is
   * re-checked and the update applied, so concurrent guarded updates from any number of
   * processes are serialized. A lock left by a dead process expires after LOCK_LEASE_MS.
   */
  private async lockedUpdate(filter: Filter, modifier: UpdateFilter<Document>): Promise<T | null> {
    // A filter naming its document's _id (every job update does) needs no lookup to find which
    // document to lock: one round trip fewer of the four.
    const named = typeof filter._id === "string" ? filter._id : null;
    for (;;) {
      const candidate =
        named ?? (await this.c.findOne(filter as MongoFilter<Document>, { projection: { _id: 1 } }))?._id;
      if (!candidate) return null;
      const id = candidate as unknown as string;
      const lockId = `${this.c.collectionName}/${id}`;
      await this.lock(lockId);
      try {
        // Under the lock no other update can come between its read and its write. The candidate's
        // _id as a plain equality (not `$and: [filter, { _id }]`): FerretDB looks a document up by
        // _id but evaluates `$and` over a scan of the whole collection, which made every update
        // cost in proportion to the number of documents ever stored. The candidate matched
        // `filter`, so its _id satisfies any condition `filter` puts on _id.
        const guarded = { ...filter, _id: id } as unknown as MongoFilter<Document>;
        const doc = await this.c.findOneAndUpdate(guarded, modifier, {
          returnDocument: "after",
          upsert: false,
        });
        if (!doc && named) return null; // under the lock: it does not match, and nothing can change that
        if (!doc) continue; // changed between the lookup and the lock: look again
        return doc as unknown as T;
      } finally {
        await this.compat.locks.deleteOne({ _id: lockId });
      }
    }
  }

  private async lock(lockId: string): Promise<void> {
    let wait = 1;
    for (;;) {
      try {
        await this.compat.locks.insertOne({ _id: lockId, until: new Date(Date.now() + LOCK_LEASE_MS) });
        return;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const held = await this.compat.locks.findOne({ _id: lockId });
      if (held && held.until.getTime() < Date.now()) {
        await this.compat.locks.deleteOne({ _id: lockId, until: held.until });
        continue;
      }
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 50);
    }
  }

  /** Removes documents whose emulated TTL has passed. */
  async sweep(fields: Map<string, number>, now = Date.now()): Promise<number> {
    let n = 0;
    for (const [field, seconds] of fields) {
      n += (await this.c.deleteMany({ [field]: { $lt: new Date(now - seconds * 1000) } })).deletedCount;
    }
    return n;
  }

  deleteOne(filter: Filter): Promise<boolean> {
    return this.run(async () => (await this.c.deleteOne(filter as MongoFilter<Document>)).deletedCount > 0);
  }

  deleteMany(filter: Filter): Promise<number> {
    return this.run(async () => (await this.c.deleteMany(filter as MongoFilter<Document>)).deletedCount);
  }
}

export interface MongoDocStoreOptions {
  url: string;
  /** Database name; default: the URL's path, else `clipzy`. */
  database?: string;
  /** Where failures of the emulated TTL sweep are reported. Default stderr. */
  onError?: ErrorSink;
}

/**
 * MongoDB adapter (official driver) for the document-store port. Every `updateOne` is a single
 * `findOneAndUpdate` whose filter carries the guard (current status, done index, progress), so a
 * conditional state transition is atomic per document without transactions; the driver retries
 * reads and writes once across a primary change or a dropped connection.
 * On FerretDB 1.x (detected by buildInfo) two gaps are bridged: its findAndModify is not atomic,
 * so updates are serialized per document with a lock document (see lockedUpdate), and it has no
 * TTL indexes, so those are swept by the adapter every 60 s.
 */
export class MongoDocStore implements DocStore {
  private closed = false;
  private readonly compat: Compat;
  private readonly sweeper: NodeJS.Timeout;

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    /** FerretDB 1.x (buildInfo.ferretdbVersion): no atomic findAndModify, no TTL indexes. */
    readonly ferretdb: boolean,
    onError: ErrorSink = stderrSink,
  ) {
    this.compat = { lockUpdates: ferretdb, locks: db.collection(LOCKS), ttl: new Map() };
    this.sweeper = setInterval(
      () => void this.sweepExpired().catch((err) => onError(err, "docstore TTL sweep failed")),
      60_000,
    ).unref();
  }

  /** Removes documents whose emulated TTL (servers without TTL indexes) has passed. */
  async sweepExpired(now = Date.now()): Promise<number> {
    let n = 0;
    for (const [c, fields] of this.compat.ttl) {
      n += await new MongoDocCollection(c, () => this.assertOpen(), this.compat).sweep(fields, now);
    }
    return n;
  }

  static async connect(options: MongoDocStoreOptions): Promise<MongoDocStore> {
    const client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: 30_000,
      retryWrites: true,
      retryReads: true,
    });
    await client.connect();
    const fromUrl = new URL(options.url).pathname.replace(/^\//, "");
    const db = client.db(options.database ?? (fromUrl || "clipzy"));
    await db.command({ ping: 1 });
    const info = await client.db("admin").command({ buildInfo: 1 });
    return new MongoDocStore(client, db, "ferretdbVersion" in info, options.onError);
  }

  collection<T extends Doc>(name: string): Collection<T> {
    this.assertOpen();
    if (!COLLECTION_NAME.test(name)) throw new Error(`invalid collection name ${JSON.stringify(name)}`);
    return new MongoDocCollection<T>(this.db.collection(name), () => this.assertOpen(), this.compat);
  }

  /** Drops the database (tests). */
  async dropDatabase(): Promise<void> {
    await this.db.dropDatabase();
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    await this.client.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("document store closed");
  }
}
