import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { readArtifact, writeJson } from "./artifacts.js";
import { FsObjectStore } from "./objectstore/fs.js";
import { StageInputError } from "./stage-worker.js";

describe("readArtifact", () => {
  let root = "";
  afterAll(() => rm(root, { recursive: true, force: true }));
  const Schema = z.object({ version: z.literal(2), source: z.object({ frames: z.number() }) });

  it("returns an artifact that matches its versioned schema, and fails the stage on one that does not", async () => {
    root = await mkdtemp(path.join(tmpdir(), "clipzy-artifact-"));
    const store = new FsObjectStore({ root });
    await writeJson(store, "artifacts/j/ok.json", { version: 2, source: { frames: 3 } });
    expect(await readArtifact(store, "artifacts/j/ok.json", Schema)).toEqual({
      version: 2,
      source: { frames: 3 },
    });
    await writeJson(store, "artifacts/j/old.json", { version: 1, source: {} });
    const read = readArtifact(store, "artifacts/j/old.json", Schema);
    await expect(read).rejects.toBeInstanceOf(StageInputError);
    await expect(read).rejects.toThrow(
      /artifacts\/j\/old\.json does not match its schema: version: .*\(and 1 more\)/,
    );
  });
});
