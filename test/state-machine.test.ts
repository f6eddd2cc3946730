import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";
import { expectError, expectJobResponse, STAGES } from "./support/shapes.js";
import { sleep, waitFor } from "./support/wait.js";

const RANGES: Record<string, [number, number]> = {
  video_analysis: [1, 20],
  audio_analysis: [21, 35],
  motion_analysis: [36, 55],
  style_extraction: [56, 65],
  style_application: [66, 85],
  rendering: [86, 99],
};

function ffmpegChildren(): string[] {
  try {
    return execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" })
      .split("\n")
      .filter((l) => /ffmpeg|ffprobe/.test(l));
  } catch {
    return []; // ps exits 1 when there are no children
  }
}

describe("job state machine (seed 003)", () => {
  let engine: TestEngine;
  let shortVideo = "";
  let longVideo = "";

  beforeAll(async () => {
    engine = await startTestEngine();
    const dir = await fixtureDir(engine.dataDir);
    shortVideo = (await engine.upload(await makeClip(join(dir, "short.mp4"), { seconds: 4 }))).body.data
      .video_id;
    const long = await makeClip(join(dir, "long.mp4"), {
      seconds: 40,
      width: 640,
      height: 360,
      source: "testsrc2=size=640x360:rate=30",
    });
    longVideo = (await engine.upload(long)).body.data.video_id;
  });
  afterAll(() => engine?.cleanup());

  it("progress never decreases, stays inside each stage's range, and is 100 only when completed", async () => {
    const created = (await engine.api("/api/v1/jobs", json({ video_id: shortVideo }))).body.data;
    const seen = await engine.poll(created.job_id, 20);
    let maxStage = -1;
    for (let i = 0; i < seen.length; i++) {
      const s = seen[i];
      expectJobResponse(s);
      if (i > 0) expect(s.progress_percent).toBeGreaterThanOrEqual(seen[i - 1].progress_percent);
      if (s.status === "queued") expect(s.progress_percent).toBe(0);
      if (s.status === "processing") {
        const [lo, hi] = RANGES[s.current_stage];
        expect(s.progress_percent).toBeGreaterThanOrEqual(lo);
        expect(s.progress_percent).toBeLessThanOrEqual(hi);
        const idx = STAGES.indexOf(s.current_stage);
        expect(idx).toBeGreaterThanOrEqual(maxStage);
        maxStage = idx;
      }
      if (s.status !== "completed") expect(s.progress_percent).toBeLessThan(100);
    }
    const last = seen.at(-1);
    expect(last.status).toBe("completed");
    expect(last.progress_percent).toBe(100);
    expect(last.current_stage).toBeNull();
    expect(last.started_at).not.toBeNull();
    expect(last.completed_at).not.toBeNull();
    expect(
      new Set(seen.filter((s) => s.status === "processing").map((s) => s.current_stage)).size,
    ).toBeGreaterThanOrEqual(3);

    // terminal states never change
    expectError(
      await engine.api(`/api/v1/jobs/${created.job_id}/cancel`, { method: "POST" }),
      409,
      "job_terminal",
    );
    const again = (await engine.api(`/api/v1/jobs/${created.job_id}`)).body.data;
    expect(again).toMatchObject({ status: "completed", progress_percent: 100, current_stage: null });
  });

  it("cancels a processing job within 5 s and leaves no ffmpeg child running", async () => {
    const created = (
      await engine.api("/api/v1/jobs", json({ video_id: longVideo, config: { quality: "high" } }))
    ).body.data;
    // wait until ffmpeg is rendering, the longest-running work
    await engine.waitFor(
      created.job_id,
      (j) => j.current_stage === "rendering" && j.progress_percent > 86,
      120_000,
    );
    expect(ffmpegChildren().length).toBeGreaterThan(0);
    const t0 = Date.now();
    const res = await engine.api(`/api/v1/jobs/${created.job_id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe("cancelled");
    expect(res.body.data.current_stage).toBeNull();
    const done = await engine.waitFor(created.job_id, (j) => j.status === "cancelled", 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(done.completed_at).not.toBeNull();
    await waitFor("no ffmpeg children", () => ffmpegChildren().length === 0, 5000);
    expect(ffmpegChildren()).toEqual([]);
    // and it stays cancelled: no late stage event revives it
    await sleep(1000);
    const later = (await engine.api(`/api/v1/jobs/${created.job_id}`)).body.data;
    expect(later.status).toBe("cancelled");
    expect(later.progress_percent).toBe(done.progress_percent);
    expectError(
      await engine.api(`/api/v1/jobs/${created.job_id}/cancel`, { method: "POST" }),
      409,
      "job_terminal",
    );
    expectError(await engine.api(`/api/v1/jobs/${created.job_id}/result`), 409, "job_not_completed");
  });

  it("cancels a queued job before any stage runs", async () => {
    const created = (await engine.api("/api/v1/jobs", json({ video_id: shortVideo }))).body.data;
    const res = await engine.api(`/api/v1/jobs/${created.job_id}/cancel`, { method: "POST" });
    expect(res.body.data.status).toBe("cancelled");
    await sleep(1500);
    expect((await engine.api(`/api/v1/jobs/${created.job_id}`)).body.data.status).toBe("cancelled");
  });
});
