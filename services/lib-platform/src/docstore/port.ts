/**
 * The document store port: the subset of MongoDB's model both NeDB (embedded) and MongoDB
 * implement identically. Filters use equality and the operators listed in `Filter`;
 * updates use $set / $unset / $inc / $max / $push. `updateOne` is atomic per document, which
 * is what conditional state transitions rely on.
 */
export type Doc = { _id: string } & Record<string, unknown>;

export type FieldFilter =
  | unknown
  | {
      $in?: unknown[];
      $nin?: unknown[];
      $ne?: unknown;
      $lt?: unknown;
      $lte?: unknown;
      $gt?: unknown;
      $gte?: unknown;
      $exists?: boolean;
    };

export type Filter = Record<string, FieldFilter> & { $or?: Filter[] };

export interface Update {
  $set?: Record<string, unknown>;
  $unset?: Record<string, true | "">;
  $inc?: Record<string, number>;
  $max?: Record<string, number>;
  $push?: Record<string, unknown>;
}

export interface FindOptions {
  /** Field → 1 ascending, -1 descending. */
  sort?: Record<string, 1 | -1>;
  skip?: number;
  limit?: number;
}

export interface IndexSpec {
  fields: Record<string, 1 | -1>;
  unique?: boolean;
  /** Documents expire this many seconds after the date in the (single) indexed field. */
  expireAfterSeconds?: number;
}

/** Checks an index spec the same way for every adapter; returns its field names. */
export function validateIndexSpec(spec: IndexSpec): string[] {
  const fields = Object.keys(spec.fields);
  if (fields.length === 0) throw new Error("index needs at least one field");
  if (spec.expireAfterSeconds !== undefined) {
    if (fields.length !== 1) throw new Error("a TTL index must have exactly one field");
    if (!(spec.expireAfterSeconds >= 0)) throw new Error("expireAfterSeconds must be >= 0");
  }
  return fields;
}

export class DuplicateKeyError extends Error {
  constructor(message = "duplicate key") {
    super(message);
    this.name = "DuplicateKeyError";
  }
}

export interface Collection<T extends Doc> {
  ensureIndex(spec: IndexSpec): Promise<void>;
  /** Throws DuplicateKeyError when `_id` or a unique index collides. */
  insertOne(doc: T): Promise<void>;
  findOne(filter: Filter): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  count(filter: Filter): Promise<number>;
  /** Applies `update` to the first document matching `filter`; returns the updated document or null if none matched. */
  updateOne(filter: Filter, update: Update): Promise<T | null>;
  deleteOne(filter: Filter): Promise<boolean>;
  deleteMany(filter: Filter): Promise<number>;
}

export interface DocStore {
  collection<T extends Doc>(name: string): Collection<T>;
  /** Resolves while the store answers; rejects when its connection is down (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
