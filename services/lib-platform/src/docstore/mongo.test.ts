import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { infra } from "../../../../test/support/infra.js";
import { connectDocStore } from "../connect.js";
import { docStoreContract } from "./docstore.contract.js";
import { MongoDocStore } from "./mongo.js";
import { type Doc, DuplicateKeyError } from "./port.js";

const url = () => infra().env.MONGO_URL;

docStoreContract("MongoDocStore (MongoDB protocol)", () => connectDocStore(url()));

describe("MongoDocStore specifics", () => {
  it("is chosen by a mongodb:// URL, uses the URL's database, and creates real indexes", async () => {
    const store = await connectDocStore(url());
    expect(store).toBeInstanceOf(MongoDocStore);
    const name = `spec_${Date.now()}`;
    const c = store.collection<Doc & { tenant_id: string; created_at: Date; key?: string }>(name);
    await c.ensureIndex({ fields: { tenant_id: 1, created_at: -1 } });
    await c.ensureIndex({ fields: { key: 1 }, unique: true });
    await c.insertOne({ _id: "a", tenant_id: "t", created_at: new Date(), key: "k1" });
    await expect(
      c.insertOne({ _id: "b", tenant_id: "t", created_at: new Date(), key: "k1" }),
    ).rejects.toBeInstanceOf(DuplicateKeyError);

    const client = await new MongoClient(url()).connect();
    const db = new URL(url()).pathname.slice(1) || "clipzy";
    const indexes = await client.db(db).collection(name).indexes();
    const keys = indexes.map((i) => JSON.stringify(i.key));
    expect(keys).toContain(JSON.stringify({ tenant_id: 1, created_at: -1 }));
    expect(indexes.find((i) => JSON.stringify(i.key) === JSON.stringify({ key: 1 }))?.unique).toBe(true);
    await client.db(db).collection(name).drop();
    await client.close();
    await store.close();
    expect(() => store.collection(name)).toThrow(/closed/);
  });
});
