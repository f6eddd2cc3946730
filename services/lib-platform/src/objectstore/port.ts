import type { Readable } from "node:stream";

/**
 * The object store port. Keys are `/`-separated relative paths (see storageKeys in contracts).
 * Bodies are streamed both ways; nothing is buffered whole.
 */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

export interface ByteRange {
  /** Inclusive start. */
  readonly start: number;
  /** Inclusive end. */
  readonly end: number;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = "ObjectNotFoundError";
  }
}

export interface ObjectStore {
  /** Stores the stream under `key` (replacing any object there). A failed or aborted put leaves nothing behind. */
  put(key: string, body: Readable, options?: { contentType?: string }): Promise<ObjectInfo>;
  putBytes(key: string, body: Uint8Array | string, options?: { contentType?: string }): Promise<ObjectInfo>;
  /** Streams the object, or the inclusive byte range of it. Throws ObjectNotFoundError. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  getBytes(key: string): Promise<Buffer>;
  stat(key: string): Promise<ObjectInfo | null>;
  delete(key: string): Promise<void>;
  deletePrefix(prefix: string): Promise<void>;
  list(prefix: string): Promise<ObjectInfo[]>;
  /** The object's storage URL as users see it: `file:///abs/path` or `s3://bucket/key`. */
  storageUrl(key: string): string;
  /** A location ffmpeg can read directly: a local path or a (presigned) http URL. */
  readableLocation(key: string): Promise<string>;
  /**
   * The URL given to users for the object (`output_video_url`): a presigned GET URL for S3,
   * `storageUrl(key)` for the filesystem store.
   */
  publicUrl(key: string): Promise<string>;
  /** Resolves while the store answers (its bucket or root exists); rejects otherwise (readiness). */
  ping(): Promise<void>;
}
