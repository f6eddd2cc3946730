import { randomUUID } from "node:crypto";
import { createWriteStream, type Dirent } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { InvalidObjectKeyError, RESERVED_PREFIX, validateKey, validatePrefix } from "./keys.js";
import { type ByteRange, type ObjectInfo, ObjectNotFoundError, type ObjectStore } from "./port.js";

export interface FsObjectStoreOptions {
  /** Directory holding the objects; created on first write. Relative paths resolve against the cwd. */
  root: string;
}

const isCode = (err: unknown, ...codes: string[]) =>
  typeof err === "object" && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? "");

/**
 * Object store on a local directory: key `a/b/c` is the file `<root>/a/b/c`. Writes go to a temp
 * file under `<root>/.tmp` (same filesystem) and are renamed into place, so readers never see a
 * partial object and a failed put leaves nothing behind.
 */
export class FsObjectStore implements ObjectStore {
  readonly root: string;
  private readonly tmpDir: string;

  constructor(options: FsObjectStoreOptions) {
    if (!options.root) throw new Error("FsObjectStore: root is required");
    this.root = path.resolve(options.root);
    this.tmpDir = path.join(this.root, RESERVED_PREFIX);
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async put(key: string, body: Readable, _options?: { contentType?: string }): Promise<ObjectInfo> {
    const target = this.pathOf(key);
    return this.writeVia(key, target, async (tmp) => {
      const out = createWriteStream(tmp, { flags: "wx" });
      try {
        await pipeline(body, out);
      } finally {
        // pipeline settles on error before the file is closed (or even opened): wait, so the
        // temp file can be removed for good.
        if (!out.closed) await new Promise<void>((resolve) => out.once("close", () => resolve()));
      }
    });
  }

  async putBytes(
    key: string,
    body: Uint8Array | string,
    _options?: { contentType?: string },
  ): Promise<ObjectInfo> {
    const target = this.pathOf(key);
    return this.writeVia(key, target, (tmp) => writeFile(tmp, body, { flag: "wx" }));
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    if (range) checkRange(range);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(file, "r");
    } catch (err) {
      if (isCode(err, "ENOENT", "ENOTDIR", "EISDIR")) throw new ObjectNotFoundError(key);
      throw err;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new ObjectNotFoundError(key);
      if (!range || info.size === 0) return handle.createReadStream();
      if (range.start >= info.size) {
        throw new RangeError(`range ${range.start}-${range.end} not satisfiable for ${info.size} bytes`);
      }
      return handle.createReadStream({ start: range.start, end: Math.min(range.end, info.size - 1) });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async getBytes(key: string): Promise<Buffer> {
    const file = this.pathOf(key);
    try {
      return await readFile(file);
    } catch (err) {
      if (isCode(err, "ENOENT", "ENOTDIR", "EISDIR")) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    const file = this.pathOf(key);
    try {
      const info = await stat(file);
      return info.isFile() ? { key, size: info.size } : null;
    } catch (err) {
      if (isCode(err, "ENOENT", "ENOTDIR")) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await unlink(file);
    } catch (err) {
      // Missing object, or a "folder" of other objects (not an object itself): nothing to delete.
      if (!isCode(err, "ENOENT", "ENOTDIR", "EISDIR", "EPERM")) throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    validatePrefix(prefix);
    if (prefix === "")
      throw new InvalidObjectKeyError(prefix, "refusing to delete everything (empty prefix)");
    const cut = prefix.lastIndexOf("/");
    const dir = path.join(this.root, prefix.slice(0, cut + 1));
    const partial = prefix.slice(cut + 1);
    if (partial === "") {
      await rm(dir, { recursive: true, force: true });
      return;
    }
    // String-prefix semantics: every entry of `dir` whose name starts with `partial` holds only matching keys.
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isCode(err, "ENOENT", "ENOTDIR")) return;
      throw err;
    }
    await Promise.all(
      entries
        .filter((e) => e.name.startsWith(partial) && !(cut < 0 && e.name === RESERVED_PREFIX))
        .map((e) => rm(path.join(dir, e.name), { recursive: true, force: true })),
    );
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    const cut = prefix.lastIndexOf("/");
    const base = prefix.slice(0, cut + 1);
    const out: ObjectInfo[] = [];
    await this.walk(base, prefix, out);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  storageUrl(key: string): string {
    return pathToFileURL(this.pathOf(key)).href;
  }

  async readableLocation(key: string): Promise<string> {
    return this.pathOf(key);
  }

  async publicUrl(key: string): Promise<string> {
    return this.storageUrl(key);
  }

  /** Absolute path of a validated key. */
  pathOf(key: string): string {
    validateKey(key);
    return path.join(this.root, ...key.split("/"));
  }

  private async writeVia(
    key: string,
    target: string,
    write: (tmp: string) => Promise<void>,
  ): Promise<ObjectInfo> {
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = path.join(this.tmpDir, randomUUID());
    try {
      await write(tmp);
      const { size } = await stat(tmp);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(tmp, target);
      return { key, size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private async walk(relDir: string, prefix: string, out: ObjectInfo[]): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(this.root, relDir), { withFileTypes: true });
    } catch (err) {
      if (isCode(err, "ENOENT", "ENOTDIR")) return;
      throw err;
    }
    await Promise.all(
      entries.map(async (e) => {
        if (relDir === "" && e.name === RESERVED_PREFIX) return;
        const key = relDir + e.name;
        if (e.isDirectory()) {
          const sub = `${key}/`;
          // Descend only where keys can still match the prefix.
          if (sub.startsWith(prefix) || prefix.startsWith(sub)) await this.walk(sub, prefix, out);
        } else if (e.isFile() && key.startsWith(prefix)) {
          try {
            out.push({ key, size: (await stat(path.join(this.root, key))).size });
          } catch (err) {
            if (!isCode(err, "ENOENT")) throw err; // deleted while listing
          }
        }
      }),
    );
  }
}

function checkRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid byte range ${start}-${end}`);
  }
}
