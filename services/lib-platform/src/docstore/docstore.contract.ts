/**
 * The document-store port's contract: every adapter (NeDB, MongoDB) runs this suite.
 * Collection names are unique per test so a shared real server never collides.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collection, type Doc, type DocStore, DuplicateKeyError } from "./port.js";

type Item = Doc & {
  n?: number;
  tag?: string;
  group?: string;
  at?: Date;
  v?: number;
  list?: unknown[];
  status?: string;
  email?: string;
  nested?: { when?: Date; deep?: { x?: number } };
  extra?: string;
};

export function docStoreContract(name: string, makeStore: () => Promise<DocStore>): void {
  describe(`DocStore contract: ${name}`, () => {
    let store: DocStore;
    const run = randomUUID().slice(0, 8);
    const coll = <T extends Doc = Item>(): Collection<T> =>
      store.collection<T>(`contract_${run}_${randomUUID().slice(0, 8)}`);
    const ids = (docs: Doc[]) => docs.map((d) => d._id);

    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store.close();
    });

    async function seed(c: Collection<Item>): Promise<void> {
      const base = Date.UTC(2024, 0, 1);
      for (let i = 0; i < 10; i++) {
        await c.insertOne({
          _id: `d${i}`,
          n: i,
          tag: i % 2 === 0 ? "even" : "odd",
          group: i < 5 ? "low" : "high",
          at: new Date(base + i * 60_000),
          ...(i % 3 === 0 ? { extra: "x" } : {}),
        });
      }
    }

    it("ping answers on a live store", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("insertOne / findOne round trip; missing → null", async () => {
      const c = coll();
      await c.insertOne({
        _id: "a",
        n: 1,
        tag: "t",
        list: [1, "two", { three: 3 }],
        nested: { deep: { x: 5 } },
      });
      expect(await c.findOne({ _id: "a" })).toEqual({
        _id: "a",
        n: 1,
        tag: "t",
        list: [1, "two", { three: 3 }],
        nested: { deep: { x: 5 } },
      });
      expect(await c.findOne({ _id: "nope" })).toBeNull();
      expect(await c.findOne({ tag: "t", n: 2 })).toBeNull();
      expect(await c.find({ n: 999 })).toEqual([]);
    });

    it("returns copies: mutating inputs or results never changes the store", async () => {
      const c = coll();
      const input: Item = { _id: "a", n: 1, list: [1], nested: { deep: { x: 1 } } };
      await c.insertOne(input);
      input.n = 100;
      (input.list as unknown[]).push(2);
      input.nested!.deep!.x = 100;
      const found = (await c.findOne({ _id: "a" }))!;
      expect(found).toEqual({ _id: "a", n: 1, list: [1], nested: { deep: { x: 1 } } });

      found.n = 50;
      (found.list as unknown[]).push("mutated");
      found.nested!.deep!.x = 50;
      (await c.find({}))[0].n = 60;
      const pushed = { p: 1 };
      const updated = (await c.updateOne(
        { _id: "a" },
        { $push: { list: pushed }, $set: { nested: { deep: { x: 2 } } } },
      ))!;
      pushed.p = 99;
      updated.nested!.deep!.x = 70;
      (updated.list as unknown[]).push("again");
      expect(await c.findOne({ _id: "a" })).toEqual({
        _id: "a",
        n: 1,
        list: [1, { p: 1 }],
        nested: { deep: { x: 2 } },
      });
    });

    it("Date values round-trip as Date, top-level and nested, through insert, update and filters", async () => {
      const c = coll();
      const at = new Date("2024-05-06T07:08:09.123Z");
      await c.insertOne({ _id: "a", at, nested: { when: at } });
      const doc = (await c.findOne({ _id: "a" }))!;
      expect(doc.at).toBeInstanceOf(Date);
      expect(doc.at!.getTime()).toBe(at.getTime());
      expect(doc.nested!.when).toBeInstanceOf(Date);
      expect(doc.nested!.when!.getTime()).toBe(at.getTime());

      const later = new Date(at.getTime() + 1000);
      const updated = (await c.updateOne({ _id: "a" }, { $set: { at: later } }))!;
      expect(updated.at).toBeInstanceOf(Date);
      expect(updated.at!.getTime()).toBe(later.getTime());
      expect(await c.count({ at: { $gt: at } })).toBe(1);
      expect(await c.count({ at: { $lte: at } })).toBe(0);
      expect(await c.count({ at: later })).toBe(1);
    });

    it("insertOne with an existing _id throws DuplicateKeyError and keeps the original", async () => {
      const c = coll();
      await c.insertOne({ _id: "a", n: 1 });
      await expect(c.insertOne({ _id: "a", n: 2 })).rejects.toBeInstanceOf(DuplicateKeyError);
      expect((await c.findOne({ _id: "a" }))?.n).toBe(1);
      expect(await c.count({})).toBe(1);
    });

    it("a unique index rejects duplicates on insert and on update; ensureIndex is idempotent", async () => {
      const c = coll();
      await c.ensureIndex({ fields: { email: 1 }, unique: true });
      await c.ensureIndex({ fields: { email: 1 }, unique: true });
      await c.insertOne({ _id: "a", email: "a@x" });
      await c.insertOne({ _id: "b", email: "b@x" });
      await expect(c.insertOne({ _id: "c", email: "a@x" })).rejects.toBeInstanceOf(DuplicateKeyError);
      await expect(c.updateOne({ _id: "b" }, { $set: { email: "a@x" } })).rejects.toBeInstanceOf(
        DuplicateKeyError,
      );
      expect((await c.findOne({ _id: "b" }))?.email).toBe("b@x");
      expect(await c.count({})).toBe(2);
      // The freed value can be reused.
      await c.deleteOne({ _id: "a" });
      await c.insertOne({ _id: "c", email: "a@x" });
    });

    it("compound and TTL indexes can be created and do not disturb reads and writes", async () => {
      const c = coll();
      await c.ensureIndex({ fields: { group: 1, at: -1 } });
      await c.ensureIndex({ fields: { tag: 1 } });
      await c.ensureIndex({ fields: { at: 1 }, expireAfterSeconds: 3600 });
      await c.ensureIndex({ fields: { at: 1 }, expireAfterSeconds: 3600 });
      await seed(c);
      expect(await c.count({})).toBe(10);
      expect(ids(await c.find({ group: "high" }, { sort: { at: -1 } }))).toEqual([
        "d9",
        "d8",
        "d7",
        "d6",
        "d5",
      ]);
      expect(await c.count({ tag: "even", group: "low" })).toBe(3);
    });

    it("find with sort (one and several keys), skip and limit; count", async () => {
      const c = coll();
      await seed(c);
      expect(ids(await c.find({}, { sort: { n: 1 } }))).toEqual([
        "d0",
        "d1",
        "d2",
        "d3",
        "d4",
        "d5",
        "d6",
        "d7",
        "d8",
        "d9",
      ]);
      expect(ids(await c.find({}, { sort: { at: -1 }, limit: 3 }))).toEqual(["d9", "d8", "d7"]);
      expect(ids(await c.find({}, { sort: { at: -1 }, skip: 3, limit: 3 }))).toEqual(["d6", "d5", "d4"]);
      expect(ids(await c.find({}, { sort: { n: 1 }, skip: 8, limit: 5 }))).toEqual(["d8", "d9"]);
      expect(ids(await c.find({}, { sort: { n: 1 }, skip: 20 }))).toEqual([]);
      expect(ids(await c.find({}, { sort: { tag: 1, n: -1 } }))).toEqual([
        "d8",
        "d6",
        "d4",
        "d2",
        "d0",
        "d9",
        "d7",
        "d5",
        "d3",
        "d1",
      ]);
      expect(await c.count({})).toBe(10);
      expect(await c.count({ tag: "odd" })).toBe(5);
      expect(await c.count({ tag: "none" })).toBe(0);
    });

    it("filters: equality, $in, $nin, $ne, $lt/$lte/$gt/$gte, $exists, $or", async () => {
      const c = coll();
      await seed(c);
      const q = async (f: Parameters<Collection<Item>["find"]>[0]) =>
        ids(await c.find(f, { sort: { n: 1 } }));
      expect(await q({ tag: "even", group: "high" })).toEqual(["d6", "d8"]);
      expect(await q({ n: { $in: [1, 3, 42] } })).toEqual(["d1", "d3"]);
      expect(await q({ n: { $nin: [0, 1, 2, 3, 4, 5, 6] } })).toEqual(["d7", "d8", "d9"]);
      expect(await q({ group: { $ne: "low" } })).toEqual(["d5", "d6", "d7", "d8", "d9"]);
      expect(await q({ n: { $gte: 3, $lt: 6 } })).toEqual(["d3", "d4", "d5"]);
      expect(await q({ n: { $gt: 7 } })).toEqual(["d8", "d9"]);
      expect(await q({ n: { $lte: 1 } })).toEqual(["d0", "d1"]);
      expect(await q({ at: { $lt: new Date(Date.UTC(2024, 0, 1) + 2 * 60_000) } })).toEqual(["d0", "d1"]);
      expect(await q({ extra: { $exists: true } })).toEqual(["d0", "d3", "d6", "d9"]);
      expect(await q({ extra: { $exists: false }, n: { $lt: 3 } })).toEqual(["d1", "d2"]);
      // $ne and $nin also match documents without the field.
      expect(await q({ extra: { $ne: "x" }, n: { $lt: 3 } })).toEqual(["d1", "d2"]);
      expect(await q({ $or: [{ n: 0 }, { n: { $gt: 8 } }] })).toEqual(["d0", "d9"]);
      expect(await q({ tag: "odd", $or: [{ group: "low" }, { n: 9 }] })).toEqual(["d1", "d3", "d9"]);
      expect(await c.findOne({ n: { $gt: 100 } })).toBeNull();
    });

    it("updateOne: $set, $unset, $inc, $max, $push; returns the updated document or null", async () => {
      const c = coll();
      await c.insertOne({ _id: "a", n: 1, v: 5, tag: "t", extra: "gone" });
      const r1 = await c.updateOne(
        { _id: "a" },
        {
          $set: { tag: "u", "nested.deep.x": 3 },
          $unset: { extra: true },
          $inc: { n: 2 },
          $push: { list: "first" },
        },
      );
      expect(r1).toEqual({ _id: "a", n: 3, v: 5, tag: "u", nested: { deep: { x: 3 } }, list: ["first"] });
      const r2 = await c.updateOne(
        { _id: "a" },
        { $max: { v: 3 }, $push: { list: { second: 2 } }, $inc: { n: -1 } },
      );
      expect(r2?.v).toBe(5);
      expect(r2?.n).toBe(2);
      expect(r2?.list).toEqual(["first", { second: 2 }]);
      expect(await c.updateOne({ _id: "a" }, { $max: { v: 9, fresh: 4 } })).toMatchObject({ v: 9, fresh: 4 });
      expect((await c.updateOne({ _id: "a" }, { $inc: { newCounter: 1 } }))?.newCounter).toBe(1);
      expect((await c.updateOne({ _id: "a" }, { $unset: { tag: "" } }))?.tag).toBeUndefined();
      expect(await c.updateOne({ _id: "missing" }, { $set: { n: 1 } })).toBeNull();
      expect(await c.updateOne({ _id: "a", n: 999 }, { $set: { n: 1 } })).toBeNull();
      expect(await c.findOne({ _id: "a" })).toEqual({
        _id: "a",
        n: 2,
        v: 9,
        fresh: 4,
        newCounter: 1,
        nested: { deep: { x: 3 } },
        list: ["first", { second: 2 }],
      });
    });

    it("updateOne changes only one document when several match", async () => {
      const c = coll();
      await seed(c);
      const updated = await c.updateOne({ tag: "even" }, { $set: { status: "picked" } });
      expect(updated?.tag).toBe("even");
      expect(updated?.status).toBe("picked");
      expect(await c.count({ status: "picked" })).toBe(1);
    });

    it("conditional updateOne is a compare-and-set under concurrency", async () => {
      const c = coll();
      await c.insertOne({ _id: "job", v: 0, status: "queued" });
      const order = Array.from({ length: 20 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
      const results = await Promise.all(
        order.map((n) => c.updateOne({ _id: "job", v: { $lt: n } }, { $set: { v: n } })),
      );
      // Every successful update wrote its own value; v never moved backward, so it ends at the max.
      results.forEach((r, i) => {
        if (r) expect(r.v).toBe(order[i]);
      });
      expect(results.some((r) => r?.v === 20)).toBe(true);
      expect((await c.findOne({ _id: "job" }))?.v).toBe(20);
      expect(await c.updateOne({ _id: "job", v: { $lt: 5 } }, { $set: { v: 5 } })).toBeNull();

      // A state transition guarded by the current state succeeds exactly once.
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          c.updateOne({ _id: "job", status: "queued" }, { $set: { status: "running", extra: `w${i}` } }),
        ),
      );
      expect(claims.filter((r) => r !== null)).toHaveLength(1);
      expect((await c.findOne({ _id: "job" }))?.status).toBe("running");

      // Claims of any one of several documents (a condition on _id that is not an equality):
      // each document is claimed exactly once.
      await c.insertOne({ _id: "t1", status: "queued" });
      await c.insertOne({ _id: "t2", status: "queued" });
      const picks = await Promise.all(
        Array.from({ length: 10 }, () =>
          c.updateOne({ _id: { $in: ["t1", "t2"] }, status: "queued" }, { $set: { status: "running" } }),
        ),
      );
      expect(
        picks
          .filter((r) => r !== null)
          .map((r) => r._id)
          .sort(),
      ).toEqual(["t1", "t2"]);

      // Concurrent $inc loses no increments.
      await Promise.all(Array.from({ length: 20 }, () => c.updateOne({ _id: "job" }, { $inc: { n: 1 } })));
      expect((await c.findOne({ _id: "job" }))?.n).toBe(20);
    });

    it("deleteOne and deleteMany", async () => {
      const c = coll();
      await seed(c);
      expect(await c.deleteOne({ _id: "d0" })).toBe(true);
      expect(await c.deleteOne({ _id: "d0" })).toBe(false);
      expect(await c.count({})).toBe(9);
      expect(await c.deleteOne({ tag: "odd", group: "low" })).toBe(true);
      expect(await c.count({ tag: "odd" })).toBe(4);
      expect(await c.deleteMany({ group: "high" })).toBe(5);
      expect(await c.deleteMany({ group: "high" })).toBe(0);
      expect(await c.count({})).toBe(3);
      expect(await c.deleteMany({})).toBe(3);
      expect(await c.find({})).toEqual([]);
    });

    it("collections are independent", async () => {
      const a = coll();
      const b = coll();
      await a.insertOne({ _id: "same", n: 1 });
      await b.insertOne({ _id: "same", n: 2 });
      expect((await a.findOne({ _id: "same" }))?.n).toBe(1);
      expect((await b.findOne({ _id: "same" }))?.n).toBe(2);
    });
  });
}
