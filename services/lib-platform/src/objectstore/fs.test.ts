import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { FsObjectStore } from "./fs.js";
import { objectStoreContract } from "./objectstore.contract.js";

const roots: string[] = [];
async function newRoot(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "clipzy-fsos-"));
  roots.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

objectStoreContract("FsObjectStore", async () => new FsObjectStore({ root: await newRoot() }));

describe("FsObjectStore specifics", () => {
  it("lays objects out as files under the root; URLs and locations are absolute", async () => {
    const root = await newRoot();
    const store = new FsObjectStore({ root });
    await store.putBytes("videos/vid_1/in put.mp4", "x");
    const abs = path.join(root, "videos", "vid_1", "in put.mp4");
    expect(await store.readableLocation("videos/vid_1/in put.mp4")).toBe(abs);
    expect(store.storageUrl("videos/vid_1/in put.mp4")).toBe(pathToFileURL(abs).href);
    expect(store.storageUrl("videos/vid_1/in put.mp4")).toContain("in%20put.mp4");
    expect(await readdir(path.join(root, "videos", "vid_1"))).toEqual(["in put.mp4"]);
  });

  it("failed puts leave no temp files; the temp area is not listed", async () => {
    const root = await newRoot();
    const store = new FsObjectStore({ root });
    async function* failing() {
      yield Buffer.alloc(1024);
      throw new Error("broken");
    }
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        expect(store.put(`k/${i}`, Readable.from(failing()))).rejects.toThrow(),
      ),
    );
    await store.putBytes("k/ok", "ok");
    expect(await readdir(path.join(root, ".tmp"))).toEqual([]);
    expect(await store.list("")).toEqual([{ key: "k/ok", size: 2 }]);
    await expect(store.putBytes(".tmp/x", "x")).rejects.toThrow(/reserved/);
  });

  it("concurrent puts to one key leave one complete object", async () => {
    const store = new FsObjectStore({ root: await newRoot() });
    const bodies = Array.from({ length: 8 }, (_, i) => Buffer.alloc(100_000, i));
    await Promise.all(bodies.map((b) => store.put("same", Readable.from([b]))));
    const got = await store.getBytes("same");
    expect(got.length).toBe(100_000);
    expect(got.every((x) => x === got[0])).toBe(true);
  });
});
