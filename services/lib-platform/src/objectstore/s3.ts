import type { Readable } from "node:stream";
import * as Minio from "minio";
import { InvalidObjectKeyError, validateKey, validatePrefix } from "./keys.js";
import { type ByteRange, type ObjectInfo, ObjectNotFoundError, type ObjectStore } from "./port.js";

/**
 * `OBJECT_STORE_URL=s3://ACCESS:SECRET@host:port/bucket?ssl=false&region=us-east-1&presign=86400`
 * - ACCESS / SECRET: URL-encoded credentials;
 * - host:port: the S3 endpoint (port defaults to 443 with TLS, 80 without);
 * - bucket: created on start when missing;
 * - ssl: `true` (default) or `false`; region: default `us-east-1`; presign: lifetime in seconds of
 *   presigned GET URLs (default 86400, at most 604800); partSize: multipart part size in bytes
 *   (default and minimum 5 MiB).
 */
export interface S3Location {
  endPoint: string;
  port?: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
  presignSeconds: number;
  partSize: number;
}

const MIN_PART = 5 * 1024 * 1024;
const MAX_PRESIGN = 7 * 24 * 3600;

export function parseS3Url(url: string): S3Location {
  const u = new URL(url);
  if (u.protocol !== "s3:") throw new Error(`not an s3:// URL: ${url}`);
  const bucket = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ""));
  if (!bucket || bucket.includes("/"))
    throw new Error("OBJECT_STORE_URL: s3://…/BUCKET needs exactly one bucket");
  const q = u.searchParams;
  const ssl = (q.get("ssl") ?? "true").toLowerCase();
  if (!["true", "false", "1", "0"].includes(ssl))
    throw new Error("OBJECT_STORE_URL: ssl must be true or false");
  const presign = Number(q.get("presign") ?? 86_400);
  if (!(Number.isInteger(presign) && presign >= 1 && presign <= MAX_PRESIGN))
    throw new Error(`OBJECT_STORE_URL: presign must be 1..${MAX_PRESIGN} seconds`);
  const partSize = Number(q.get("partSize") ?? MIN_PART);
  if (!(Number.isInteger(partSize) && partSize >= MIN_PART))
    throw new Error(`OBJECT_STORE_URL: partSize must be an integer >= ${MIN_PART}`);
  return {
    endPoint: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : undefined,
    useSSL: ssl === "true" || ssl === "1",
    accessKey: decodeURIComponent(u.username),
    secretKey: decodeURIComponent(u.password),
    bucket,
    region: q.get("region") ?? "us-east-1",
    presignSeconds: presign,
    partSize,
  };
}

const codeOf = (err: unknown) => (err as { code?: string } | null)?.code;
const isNotFound = (err: unknown) => ["NoSuchKey", "NotFound", "NoSuchObject"].includes(codeOf(err) ?? "");

/**
 * S3 adapter (MinIO client) for the object-store port. Puts are streamed: the body is cut into
 * `partSize` parts uploaded one after the other as a multipart upload (a body smaller than one part
 * is a single PUT), so memory stays at about one part whatever the object's size. S3 makes the
 * object visible only when the upload completes, and a failed or aborted body aborts the upload:
 * nothing is left behind and a previous object under the key is untouched.
 */
export class S3ObjectStore implements ObjectStore {
  readonly client: Minio.Client;
  readonly bucket: string;
  private readonly presignSeconds: number;
  private readonly partSize: number;

  private constructor(loc: S3Location) {
    this.client = new Minio.Client({
      endPoint: loc.endPoint,
      port: loc.port,
      useSSL: loc.useSSL,
      accessKey: loc.accessKey,
      secretKey: loc.secretKey,
      region: loc.region,
      pathStyle: true,
      partSize: loc.partSize,
    });
    this.bucket = loc.bucket;
    this.presignSeconds = loc.presignSeconds;
    this.partSize = loc.partSize;
  }

  /** Connects and creates the bucket when it does not exist. */
  static async connect(url: string): Promise<S3ObjectStore> {
    const loc = parseS3Url(url);
    const store = new S3ObjectStore(loc);
    if (!(await store.client.bucketExists(loc.bucket))) {
      try {
        await store.client.makeBucket(loc.bucket, loc.region);
      } catch (err) {
        // Another service created it at the same moment.
        if (!["BucketAlreadyOwnedByYou", "BucketAlreadyExists"].includes(codeOf(err) ?? "")) throw err;
      }
    }
    return store;
  }

  async ping(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) throw new Error(`bucket ${this.bucket} is missing`);
  }

  async put(key: string, body: Readable, options: { contentType?: string } = {}): Promise<ObjectInfo> {
    validateKey(key);
    const headers = { "Content-Type": options.contentType ?? "application/octet-stream" };
    let uploadId: string | undefined;
    const etags: { part: number; etag: string }[] = [];
    let size = 0;
    let parts: Buffer[] = [];
    let buffered = 0;
    const flush = async (): Promise<void> => {
      const payload = Buffer.concat(parts, buffered);
      parts = [];
      buffered = 0;
      uploadId ??= await this.client.initiateNewMultipartUpload(this.bucket, key, headers);
      const part = etags.length + 1;
      const r = await this.client.uploadPart(
        { bucketName: this.bucket, objectName: key, uploadID: uploadId, partNumber: part, headers: {} },
        payload,
      );
      etags.push({ part, etag: r.etag });
    };
    try {
      // for-await throws when the source errors or is destroyed before its end.
      for await (const chunk of body) {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array | string);
        parts.push(b);
        buffered += b.length;
        size += b.length;
        if (buffered >= this.partSize) await flush();
      }
      if (uploadId === undefined) {
        // Smaller than one part: one PUT.
        await this.client.putObject(this.bucket, key, Buffer.concat(parts, buffered), buffered, headers);
        return { key, size };
      }
      if (buffered > 0) await flush();
      await this.client.completeMultipartUpload(this.bucket, key, uploadId, etags);
      return { key, size };
    } catch (err) {
      body.destroy();
      if (uploadId !== undefined) {
        await this.client.abortMultipartUpload(this.bucket, key, uploadId).catch(() => undefined);
      }
      throw err;
    }
  }

  async putBytes(
    key: string,
    body: Uint8Array | string,
    options: { contentType?: string } = {},
  ): Promise<ObjectInfo> {
    validateKey(key);
    const buf =
      typeof body === "string"
        ? Buffer.from(body)
        : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    await this.client.putObject(this.bucket, key, buf, buf.length, {
      "Content-Type": options.contentType ?? "application/octet-stream",
    });
    return { key, size: buf.length };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    validateKey(key);
    if (range) {
      const { start, end } = range;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
        throw new RangeError(`invalid byte range ${start}-${end}`);
    }
    try {
      if (!range) return await this.client.getObject(this.bucket, key);
      return await this.client.getPartialObject(this.bucket, key, range.start, range.end - range.start + 1);
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      if (codeOf(err) === "InvalidRange" && range) {
        throw new RangeError(`range ${range.start}-${range.end} not satisfiable`);
      }
      throw err;
    }
  }

  async getBytes(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of await this.get(key)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    validateKey(key);
    try {
      const s = await this.client.statObject(this.bucket, key);
      return { key, size: s.size };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    await this.client.removeObject(this.bucket, key);
  }

  async deletePrefix(prefix: string): Promise<void> {
    validatePrefix(prefix);
    if (prefix === "")
      throw new InvalidObjectKeyError(prefix, "refusing to delete everything (empty prefix)");
    const keys = (await this.list(prefix)).map((o) => o.key);
    for (let i = 0; i < keys.length; i += 1000) {
      await this.client.removeObjects(this.bucket, keys.slice(i, i + 1000));
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    const out: ObjectInfo[] = [];
    const stream = this.client.listObjectsV2(this.bucket, prefix, true);
    for await (const item of stream as AsyncIterable<{ name?: string; size?: number }>) {
      if (item.name) out.push({ key: item.name, size: item.size ?? 0 });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  storageUrl(key: string): string {
    validateKey(key);
    return `s3://${this.bucket}/${key}`;
  }

  /** A presigned GET URL: ffmpeg reads the object over HTTP(S). */
  async readableLocation(key: string): Promise<string> {
    validateKey(key);
    return this.client.presignedGetObject(this.bucket, key, this.presignSeconds);
  }

  /** What users are given (`output_video_url`): a presigned GET URL. */
  async publicUrl(key: string): Promise<string> {
    return this.readableLocation(key);
  }
}
