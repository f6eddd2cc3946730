/**
 * The object-store port's contract: every adapter (filesystem, S3/MinIO) runs this suite.
 * Each test works under its own random prefix so a shared bucket never collides.
 */
import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidObjectKeyError } from "./keys.js";
import { ObjectNotFoundError, type ObjectStore } from "./port.js";

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** Deterministic pseudo-random chunk `i` of `size` bytes. */
function chunk(i: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = (i + 1) * 2654435761;
  for (let j = 0; j < size; j += 4) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    b.writeUInt32LE(x, j);
  }
  return b;
}

/** A full GC, so sampled memory is what is live, not garbage awaiting collection. */
function collectGarbage(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

export function objectStoreContract(name: string, makeStore: () => Promise<ObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    const run = `contract-${randomUUID().slice(0, 8)}`;
    const ns = () => `${run}/${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store.deletePrefix(`${run}/`);
    });

    it("ping answers on a live store", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("putBytes / getBytes / stat round trip, strings and bytes, replacing what was there", async () => {
      const p = ns();
      const info = await store.putBytes(`${p}/a.json`, '{"x":1}', { contentType: "application/json" });
      expect(info).toEqual({ key: `${p}/a.json`, size: 7 });
      expect((await store.getBytes(`${p}/a.json`)).toString()).toBe('{"x":1}');
      expect(await store.stat(`${p}/a.json`)).toEqual({ key: `${p}/a.json`, size: 7 });

      const bytes = new Uint8Array([0, 1, 2, 255]);
      expect(await store.putBytes(`${p}/a.json`, bytes)).toEqual({ key: `${p}/a.json`, size: 4 });
      expect([...(await store.getBytes(`${p}/a.json`))]).toEqual([0, 1, 2, 255]);

      expect(await store.putBytes(`${p}/empty`, "")).toEqual({ key: `${p}/empty`, size: 0 });
      expect((await store.getBytes(`${p}/empty`)).length).toBe(0);
      expect((await readAll(await store.get(`${p}/empty`))).length).toBe(0);
    });

    it("put streams a body and get streams it back", async () => {
      const p = ns();
      const parts = ["hello ", "streamed ", "world"];
      const info = await store.put(`${p}/deep/nested/s.txt`, Readable.from(parts.map((s) => Buffer.from(s))));
      expect(info).toEqual({ key: `${p}/deep/nested/s.txt`, size: 20 });
      expect((await readAll(await store.get(`${p}/deep/nested/s.txt`))).toString()).toBe(
        "hello streamed world",
      );
    });

    it("get with an inclusive byte range", async () => {
      const p = ns();
      const key = `${p}/r.bin`;
      await store.putBytes(key, "0123456789");
      expect((await readAll(await store.get(key, { start: 2, end: 5 }))).toString()).toBe("2345");
      expect((await readAll(await store.get(key, { start: 0, end: 0 }))).toString()).toBe("0");
      expect((await readAll(await store.get(key, { start: 9, end: 9 }))).toString()).toBe("9");
      // An end past the object is clamped, as in HTTP/S3 ranges.
      expect((await readAll(await store.get(key, { start: 7, end: 1000 }))).toString()).toBe("789");
    });

    it("missing objects: get/getBytes throw ObjectNotFoundError, stat is null, delete is a no-op", async () => {
      const p = ns();
      await expect(store.get(`${p}/missing`)).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.get(`${p}/missing`, { start: 0, end: 1 })).rejects.toBeInstanceOf(
        ObjectNotFoundError,
      );
      await expect(store.getBytes(`${p}/missing`)).rejects.toBeInstanceOf(ObjectNotFoundError);
      const err = await store.getBytes(`${p}/missing`).catch((e: unknown) => e);
      expect((err as ObjectNotFoundError).key).toBe(`${p}/missing`);
      expect(await store.stat(`${p}/missing`)).toBeNull();
      await store.delete(`${p}/missing`);
    });

    it("a key that is only a folder of other objects is not an object", async () => {
      const p = ns();
      await store.putBytes(`${p}/dir/file`, "x");
      expect(await store.stat(`${p}/dir`)).toBeNull();
      await expect(store.getBytes(`${p}/dir`)).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it("delete removes one object only", async () => {
      const p = ns();
      await store.putBytes(`${p}/a`, "a");
      await store.putBytes(`${p}/b`, "b");
      await store.delete(`${p}/a`);
      expect(await store.stat(`${p}/a`)).toBeNull();
      expect(await store.stat(`${p}/b`)).toEqual({ key: `${p}/b`, size: 1 });
    });

    it("list returns every object under a prefix, recursively, sorted, with sizes", async () => {
      const p = ns();
      await store.putBytes(`${p}/x/2.json`, "22");
      await store.putBytes(`${p}/x/1.json`, "1");
      await store.putBytes(`${p}/x/sub/3.bin`, "333");
      await store.putBytes(`${p}/xy/4`, "4444");
      await store.putBytes(`${p}/z`, "z");
      expect(await store.list(`${p}/x/`)).toEqual([
        { key: `${p}/x/1.json`, size: 1 },
        { key: `${p}/x/2.json`, size: 2 },
        { key: `${p}/x/sub/3.bin`, size: 3 },
      ]);
      // Plain string-prefix semantics, as S3.
      expect((await store.list(`${p}/x`)).map((o) => o.key)).toEqual([
        `${p}/x/1.json`,
        `${p}/x/2.json`,
        `${p}/x/sub/3.bin`,
        `${p}/xy/4`,
      ]);
      expect((await store.list(`${p}/x/1`)).map((o) => o.key)).toEqual([`${p}/x/1.json`]);
      expect(await store.list(`${p}/nothing/`)).toEqual([]);
      expect((await store.list(`${p}/`)).length).toBe(5);
    });

    it("deletePrefix removes the subtree and nothing else", async () => {
      const p = ns();
      await store.putBytes(`${p}/job/a.json`, "a");
      await store.putBytes(`${p}/job/deep/b.bin`, "b");
      await store.putBytes(`${p}/job2/c`, "c");
      await store.putBytes(`${p}/other`, "o");
      await store.deletePrefix(`${p}/job/`);
      expect((await store.list(`${p}/`)).map((o) => o.key)).toEqual([`${p}/job2/c`, `${p}/other`]);
      expect(await store.stat(`${p}/job/a.json`)).toBeNull();
      await store.deletePrefix(`${p}/nothing-here/`);
      // A put under a removed prefix works again.
      await store.putBytes(`${p}/job/a.json`, "again");
      expect((await store.getBytes(`${p}/job/a.json`)).toString()).toBe("again");
    });

    it("storageUrl and readableLocation name the object", async () => {
      const p = ns();
      const key = `${p}/loc/video.mp4`;
      await store.putBytes(key, "v");
      expect(store.storageUrl(key)).toMatch(/^(file|s3):\/\/.+loc\/video\.mp4$/);
      const loc = await store.readableLocation(key);
      expect(loc).toMatch(/loc\/video\.mp4/);
    });

    it("streams a 20 MB generated body without holding it in memory", async () => {
      const p = ns();
      const key = `${p}/big.bin`;
      const chunkSize = 256 * 1024;
      const n = 80; // 20 MiB
      const hashIn = createHash("sha256");
      const gc = collectGarbage();
      gc();
      const base = process.memoryUsage().arrayBuffers;
      let peak = 0;
      const sample = () => {
        gc();
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
      };
      async function* source() {
        for (let i = 0; i < n; i++) {
          const c = chunk(i, chunkSize);
          hashIn.update(c);
          if (i % 8 === 7) sample();
          yield c;
        }
        sample();
      }
      const info = await store.put(key, Readable.from(source()));
      expect(info.size).toBe(n * chunkSize);
      expect((await store.stat(key))?.size).toBe(n * chunkSize);
      // Live buffer memory stays well below the object size (a buffering adapter holds it all).
      expect(peak).toBeLessThan((n * chunkSize * 3) / 4);

      const hashOut = createHash("sha256");
      let read = 0;
      for await (const c of await store.get(key)) {
        hashOut.update(c as Buffer);
        read += (c as Buffer).length;
      }
      expect(read).toBe(n * chunkSize);
      expect(hashOut.digest("hex")).toBe(hashIn.digest("hex"));

      const tail = await readAll(await store.get(key, { start: n * chunkSize - 10, end: n * chunkSize - 1 }));
      expect(tail.equals(chunk(n - 1, chunkSize).subarray(chunkSize - 10))).toBe(true);
    });

    it("a source stream that errors leaves no object behind, and keeps the previous one intact", async () => {
      const p = ns();
      async function* failing() {
        for (let i = 0; i < 8; i++) yield chunk(i, 64 * 1024);
        throw new Error("source broke");
      }
      await expect(store.put(`${p}/new.bin`, Readable.from(failing()))).rejects.toThrow("source broke");
      expect(await store.stat(`${p}/new.bin`)).toBeNull();
      expect(await store.list(`${p}/`)).toEqual([]);

      await store.putBytes(`${p}/old.bin`, "previous");
      await expect(store.put(`${p}/old.bin`, Readable.from(failing()))).rejects.toThrow("source broke");
      expect((await store.getBytes(`${p}/old.bin`)).toString()).toBe("previous");
      expect((await store.list(`${p}/`)).map((o) => o.key)).toEqual([`${p}/old.bin`]);
    });

    it("an aborted (destroyed) source stream leaves no object behind", async () => {
      const p = ns();
      let i = 0;
      const src = new Readable({
        read() {
          if (i++ < 4) this.push(chunk(i, 64 * 1024));
          else setImmediate(() => this.destroy());
        },
      });
      await expect(store.put(`${p}/aborted.bin`, src)).rejects.toThrow();
      expect(await store.stat(`${p}/aborted.bin`)).toBeNull();
      expect(await store.list(`${p}/`)).toEqual([]);
    });

    it("rejects invalid keys with InvalidObjectKeyError", async () => {
      const p = ns();
      const bad = [
        "",
        "/abs/path",
        "../escape",
        `${p}/../../escape`,
        `${p}//double`,
        `${p}/./dot`,
        `${p}/trailing/`,
        "a\\b",
      ];
      for (const key of bad) {
        await expect(store.putBytes(key, "x"), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
        await expect(store.put(key, Readable.from([Buffer.from("x")])), key).rejects.toBeInstanceOf(
          InvalidObjectKeyError,
        );
        await expect(store.get(key), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
        await expect(store.getBytes(key), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
        await expect(store.stat(key), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
        await expect(store.delete(key), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
        await expect(store.readableLocation(key), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
        expect(() => store.storageUrl(key), key).toThrow(InvalidObjectKeyError);
      }
      await expect(store.list("../")).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.deletePrefix("../")).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.deletePrefix("")).rejects.toBeInstanceOf(InvalidObjectKeyError);
    });

    it("rejects invalid byte ranges", async () => {
      const p = ns();
      await store.putBytes(`${p}/r`, "0123");
      await expect(store.get(`${p}/r`, { start: 3, end: 1 })).rejects.toThrow(RangeError);
      await expect(store.get(`${p}/r`, { start: -1, end: 1 })).rejects.toThrow(RangeError);
      await expect(store.get(`${p}/r`, { start: 10, end: 20 })).rejects.toThrow(RangeError);
    });
  });
}
