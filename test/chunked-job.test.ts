import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseRenderPart, storageKeys } from "@clipzy/contracts";
import type { StageHandler } from "@clipzy/platform/stage-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip, probe } from "./support/media.js";
import { sleep } from "./support/wait.js";

/**
 * A job of the one-process engine whose render is chunked (1 s chunks of a 4 s edit): its chunks
 * and the join run as rendering tasks like any other, a chunk that crashes once is redelivered,
 * and a cancelled job's chunks all stop.
 */
describe("a chunked render in the engine", () => {
  let engine: TestEngine;
  const runs: { part: string; attempt: number; outcome: string }[] = [];
  /** Jobs whose chunks wait for their cancel (the second test's). */
  const holdJobs = new Set<string>();

  beforeAll(async () => {
    engine = await startTestEngine(
      { RENDER_CHUNK_SECONDS: "1" },
      {
        wrapHandler: (stage, handler): StageHandler =>
          stage !== "rendering"
            ? handler
            : async (task, ctx) => {
                const part = task.part ?? "whole";
                const run = { part, attempt: ctx.attempt, outcome: "running" };
                runs.push(run);
                if (holdJobs.has(task.jobId)) {
                  await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
                  run.outcome = "aborted";
                  throw ctx.signal.reason;
                }
                if (part === "chunk-1-of-4" && ctx.attempt === 0) {
                  run.outcome = "crashed";
                  throw new Error("simulated crash of a renderer mid-chunk");
                }
                const key = await handler(task, ctx);
                run.outcome = "done";
                return key;
              },
      },
    );
  });
  afterAll(() => engine?.cleanup());

  it("renders every chunk, retries the crashed one, joins them: the output has the edit's exact frame count", async () => {
    const dir = await fixtureDir(engine.dataDir);
    const clip = await makeClip(join(dir, "a.mp4"), { seconds: 4 });
    const videoId = (await engine.upload(clip)).body.data.video_id;
    const job = (await engine.api("/api/v1/jobs", json({ video_id: videoId, config: { quality: "low" } })))
      .body.data;
    const seen = await engine.poll(job.job_id, 20);
    const last = seen.at(-1);
    expect(last.status, JSON.stringify(last)).toBe("completed");
    const progress = seen.map((s) => s.progress_percent);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const rendering = seen.filter((s) => s.current_stage === "rendering").map((s) => s.progress_percent);
    expect(Math.min(...rendering)).toBeGreaterThanOrEqual(86);
    expect(Math.max(...rendering)).toBeLessThanOrEqual(99);

    const edl = JSON.parse(
      await readFile(
        join(engine.dataDir, "storage", storageKeys.artifact(job.job_id, "style_application")),
        "utf8",
      ),
    );
    const out = await probe(join(engine.dataDir, "storage", storageKeys.output(job.job_id)));
    expect(out.frames).toBe(edl.output.frames);
    expect(out.duration).toBeCloseTo(edl.output.frames / edl.fps, 1);

    const parts = runs.map((r) => `${r.part}:${r.attempt}:${r.outcome}`);
    expect(parts).toContain("chunk-1-of-4:0:crashed");
    expect(parts).toContain("chunk-1-of-4:1:done");
    const done = runs.filter((r) => r.outcome === "done").map((r) => r.part);
    expect(done.sort()).toEqual([
      "chunk-0-of-4",
      "chunk-1-of-4",
      "chunk-2-of-4",
      "chunk-3-of-4",
      "join-of-4",
    ]);
    // the join ran last, after every chunk was in
    expect(runs.at(-1)?.part).toBe("join-of-4");
    const detail = (await engine.api(`/api/v1/jobs/${job.job_id}`)).body.data;
    const timing = detail.stage_timings.find((t: { stage: string }) => t.stage === "rendering");
    expect(timing.parts.map((p: { input: string }) => p.input)).toEqual([
      "chunk-0-of-4",
      "chunk-1-of-4",
      "chunk-2-of-4",
      "chunk-3-of-4",
      "join-of-4",
    ]);
  });

  it("cancelling the job stops its running chunk and drops the queued ones; no join runs", async () => {
    const dir = await fixtureDir(engine.dataDir);
    const clip = await makeClip(join(dir, "b.mp4"), { seconds: 4 });
    const videoId = (await engine.upload(clip)).body.data.video_id;
    runs.length = 0;
    const job = (await engine.api("/api/v1/jobs", json({ video_id: videoId, config: { quality: "low" } })))
      .body.data;
    holdJobs.add(job.job_id);
    await engine.waitFor(job.job_id, (j) => j.current_stage === "rendering", 60_000);
    await sleep(300);
    expect(runs.some((r) => r.outcome === "running")).toBe(true);
    const res = await engine.api(`/api/v1/jobs/${job.job_id}/cancel`, { method: "POST" });
    expect(res.body.data.status).toBe("cancelled");
    await sleep(1500);
    expect(runs.filter((r) => r.outcome === "running")).toEqual([]);
    expect(runs.some((r) => r.outcome === "aborted")).toBe(true);
    expect(runs.every((r) => parseRenderPart(r.part)?.kind === "chunk")).toBe(true);
  });
});
