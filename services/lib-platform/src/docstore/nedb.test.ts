import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../../../../test/support/wait.js";
import { docStoreContract } from "./docstore.contract.js";
import { NedbDocStore } from "./nedb.js";
import { type Doc, DuplicateKeyError } from "./port.js";

const dirs: string[] = [];
async function newDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "clipzy-nedb-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

docStoreContract("NedbDocStore (in memory)", async () => new NedbDocStore());
docStoreContract("NedbDocStore (files)", async () => new NedbDocStore({ dir: await newDir() }));

type Job = Doc & { status: string; at: Date; email?: string; n?: number };

describe("NedbDocStore specifics", () => {
  it("data, dates and unique indexes survive closing and reopening the same directory", async () => {
    const dir = await newDir();
    const at = new Date("2024-01-02T03:04:05.678Z");
    const first = new NedbDocStore({ dir });
    const jobs = first.collection<Job>("jobs");
    await jobs.ensureIndex({ fields: { email: 1 }, unique: true });
    await jobs.insertOne({ _id: "j1", status: "queued", at, email: "a@x" });
    await jobs.insertOne({ _id: "j2", status: "queued", at, email: "b@x" });
    await jobs.updateOne({ _id: "j1" }, { $set: { status: "running" }, $inc: { n: 1 } });
    await jobs.deleteOne({ _id: "j2" });
    await first.close();
    expect(await readdir(dir)).toEqual(["jobs.db"]);

    const second = new NedbDocStore({ dir });
    const again = second.collection<Job>("jobs");
    const doc = await again.findOne({ _id: "j1" });
    expect(doc).toEqual({ _id: "j1", status: "running", at, email: "a@x", n: 1 });
    expect(doc?.at).toBeInstanceOf(Date);
    expect(await again.count({})).toBe(1);
    await expect(again.insertOne({ _id: "j3", status: "q", at, email: "a@x" })).rejects.toBeInstanceOf(
      DuplicateKeyError,
    );
    await second.close();
  });

  it("writes are durable before close (append-only file)", async () => {
    const dir = await newDir();
    const store = new NedbDocStore({ dir });
    await store.collection<Job>("jobs").insertOne({ _id: "j1", status: "queued", at: new Date(0) });
    expect(await readFile(path.join(dir, "jobs.db"), "utf8")).toContain('"_id":"j1"');
    const reader = new NedbDocStore({ dir });
    expect(await reader.collection<Job>("jobs").findOne({ _id: "j1" })).not.toBeNull();
    await reader.close();
    await store.close();
  });

  it("TTL indexes remove expired documents on sweep", async () => {
    const store = new NedbDocStore({ ttlSweepIntervalMs: 0 });
    const c = store.collection<Job>("sessions");
    await c.ensureIndex({ fields: { at: 1 }, expireAfterSeconds: 60 });
    const now = Date.now();
    await c.insertOne({ _id: "old", status: "x", at: new Date(now - 120_000) });
    await c.insertOne({ _id: "new", status: "x", at: new Date(now - 10_000) });
    await c.insertOne({ _id: "no-date", status: "x", at: "not a date" as unknown as Date });
    expect(await store.sweepExpired(now)).toBe(1);
    expect((await c.find({}, { sort: { _id: 1 } })).map((d) => d._id)).toEqual(["new", "no-date"]);
    await expect(c.ensureIndex({ fields: { a: 1, b: 1 }, expireAfterSeconds: 1 })).rejects.toThrow(
      /one field/,
    );
    await store.close();
  });

  it("the periodic sweep runs on its own", async () => {
    const store = new NedbDocStore({ ttlSweepIntervalMs: 20 });
    const c = store.collection<Job>("t");
    await c.ensureIndex({ fields: { at: 1 }, expireAfterSeconds: 0 });
    await c.insertOne({ _id: "old", status: "x", at: new Date(Date.now() - 1000) });
    await waitFor("the expired documents removed", async () => (await c.count({})) === 0, {
      timeoutMs: 2000,
      intervalMs: 10,
    });
    expect(await c.count({})).toBe(0);
    await store.close();
  });

  it("compaction keeps the data and shrinks the file", async () => {
    const dir = await newDir();
    const store = new NedbDocStore({ dir, compactionIntervalMs: 0 });
    const c = store.collection<Job>("c");
    await c.insertOne({ _id: "a", status: "s", at: new Date(0), n: 0 });
    for (let i = 0; i < 50; i++) await c.updateOne({ _id: "a" }, { $inc: { n: 1 } });
    const file = path.join(dir, "c.db");
    const before = (await readFile(file, "utf8")).trim().split("\n").length;
    await store.compact();
    const after = (await readFile(file, "utf8")).trim().split("\n").length;
    expect(before).toBeGreaterThan(50);
    expect(after).toBe(1);
    expect((await c.findOne({ _id: "a" }))?.n).toBe(50);
    await store.close();
  });

  it("rejects bad collection names, bad updates and use after close", async () => {
    const store = new NedbDocStore();
    expect(() => store.collection("../escape")).toThrow(/collection name/);
    expect(() => store.collection("")).toThrow(/collection name/);
    const c = store.collection<Job>("ok");
    await c.insertOne({ _id: "a", status: "s", at: new Date(0) });
    await expect(c.updateOne({ _id: "a" }, {})).rejects.toThrow(/operator/);
    await expect(c.updateOne({ _id: "a" }, { status: "replaced" } as never)).rejects.toThrow(/unsupported/);
    expect((await c.findOne({ _id: "a" }))?.status).toBe("s");
    await store.close();
    await expect(c.findOne({ _id: "a" })).rejects.toThrow(/closed/);
    expect(() => store.collection("ok")).toThrow(/closed/);
  });
});
