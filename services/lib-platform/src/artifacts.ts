import type { z } from "zod";
import type { ObjectStore } from "./objectstore/port.js";
import { StageInputError } from "./stage-worker.js";

/** Stage artifacts are JSON documents in the object store; one way to write and read them. */
export async function writeJson(store: ObjectStore, key: string, value: unknown): Promise<string> {
  await store.putBytes(key, JSON.stringify(value), { contentType: "application/json" });
  return key;
}

export async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse((await store.getBytes(key)).toString("utf8")) as T;
}

/**
 * Reads an artifact and checks it against its versioned schema: a mismatch fails the stage at
 * once (StageInputError, not retried) with the first differing path, instead of a cast that
 * breaks later somewhere else.
 */
export async function readArtifact<T>(store: ObjectStore, key: string, schema: z.ZodType<T>): Promise<T> {
  const parsed = schema.safeParse(await readJson<unknown>(store, key));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new StageInputError(
    `artifact ${key} does not match its schema: ${issue.path.join(".") || "(root)"}: ${issue.message}` +
      (parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : ""),
  );
}
