import type { ObjectStore } from "./objectstore/port.js";

/** Stage artifacts are JSON documents in the object store; one way to write and read them. */
export async function writeJson(store: ObjectStore, key: string, value: unknown): Promise<string> {
  await store.putBytes(key, JSON.stringify(value), { contentType: "application/json" });
  return key;
}

export async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse((await store.getBytes(key)).toString("utf8")) as T;
}
