import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { storageKeys } from "@clipzy/contracts";
import type { VideoRef } from "@clipzy/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { sleep } from "../../../test/support/wait.js";
import { FsObjectStore } from "./objectstore/fs.js";
import { analyzeInputs, readInputArtifacts } from "./stage-inputs.js";

const ref = (videoId: string, durationSeconds: number) => ({ videoId, durationSeconds }) as VideoRef;
const Role = z.object({ role: z.string() });

describe("analyzeInputs", () => {
  let root = "";
  let store: FsObjectStore;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "clipzy-stage-inputs-"));
    store = new FsObjectStore({ root });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("starts the template's work before the source's ends, with monotonic combined progress, one artifact each", async () => {
    const events: string[] = [];
    const seen: number[] = [];
    const key = await analyzeInputs(
      store,
      { jobId: "job_1", source: ref("vid_s", 30), template: ref("vid_t", 10) },
      "video_analysis",
      (f) => seen.push(f),
      async ({ role }, progress) => {
        events.push(`start ${role}`);
        for (let i = 1; i <= 4; i++) {
          await sleep(5);
          progress(i / 4);
        }
        events.push(`end ${role}`);
        return { role };
      },
    );
    expect(key).toBe(storageKeys.inputArtifact("job_1", "video_analysis", "source"));
    expect(events.slice(0, 2)).toEqual(["start source", "start template"]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    expect(seen.at(-1)).toBeCloseTo(1, 9);
    // weighted by duration: a quarter of the source is 0.25 * 30/40 of the stage, of the template 0.25 * 10/40
    expect(seen.slice(0, 2)).toEqual([0.1875, 0.25]);
    const read = await readInputArtifacts(
      store,
      { jobId: "job_1", template: ref("vid_t", 10) },
      "video_analysis",
      Role,
    );
    expect(read).toEqual({ source: { role: "source" }, template: { role: "template" } });
  });

  it("a part of the stage analyses its one input, and its progress is that input's alone", async () => {
    const seen: number[] = [];
    const roles: string[] = [];
    const task = { jobId: "job_2", source: ref("vid_s", 30), template: ref("vid_t", 10) };
    for (const input of ["template", "source"]) {
      await analyzeInputs(
        store,
        { ...task, part: input },
        "audio_analysis",
        (f) => seen.push(f),
        async ({ role }, progress) => {
          roles.push(role);
          progress(0.5);
          return { role };
        },
      );
    }
    expect(roles).toEqual(["template", "source"]);
    expect(seen).toEqual([0.5, 0.5]);
    expect(await readInputArtifacts(store, task, "audio_analysis", Role)).toEqual({
      source: { role: "source" },
      template: { role: "template" },
    });
  });

  it("has no template artifact without a template", async () => {
    await analyzeInputs(
      store,
      { jobId: "job_3", source: ref("vid_s", 3) },
      "video_analysis",
      () => {},
      async ({ role }) => ({ role }),
    );
    expect(await readInputArtifacts(store, { jobId: "job_3" }, "video_analysis", Role)).toEqual({
      source: { role: "source" },
      template: null,
    });
    expect(await store.stat(storageKeys.inputArtifact("job_3", "video_analysis", "template"))).toBeNull();
  });
});
