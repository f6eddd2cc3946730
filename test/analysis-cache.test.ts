import { createHash } from "node:crypto";
import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";

/**
 * Analysis cached by content hash: a second job on the same template (or source) does not decode
 * it again. Asserted from the stages' own records: the inputs they report reused (the job's
 * analysis_reused) and the ffmpeg runs they record (stage_timings), not from timing.
 */
let engine: TestEngine;
let dataDir = "";
let restarted: TestEngine | null = null;
const files: Record<string, string> = {};
const ids: Record<string, string> = {};

const sha256 = async (f: string) =>
  createHash("sha256")
    .update(await readFile(f))
    .digest("hex");
const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );
const cacheDir = (sha: string) => join(dataDir, "storage", "analysis", "default", sha);

async function runJob(e: TestEngine, videoId: string, templateId: string): Promise<any> {
  const created = await e.api(
    "/api/v1/jobs",
    json({ video_id: videoId, template_video_id: templateId, config: { quality: "low" } }),
  );
  expect(created.status).toBe(200);
  const done = await e.waitFor(created.body.data.job_id);
  expect(done.status).toBe("completed");
  return done;
}
const ffmpegRuns = (job: any, stage: string) =>
  job.stage_timings.find((t: any) => t.stage === stage).ffmpeg_runs as number;

beforeAll(async () => {
  engine = await startTestEngine();
  dataDir = engine.dataDir;
  const dir = await fixtureDir(dataDir);
  files.a = await makeClip(join(dir, "a.mp4"), { seconds: 2 });
  files.b = await makeClip(join(dir, "b.mp4"), { seconds: 2, source: "testsrc=size=320x180:rate=25" });
  files.t = await makeClip(join(dir, "t.mp4"), { seconds: 2, filter: "eq=saturation=1.6:gamma_r=1.2" });
  for (const k of ["a", "b", "t"]) {
    const up = await engine.upload(files[k]);
    expect(up.status).toBe(200);
    ids[k] = up.body.data.video_id;
  }
}, 120_000);

afterAll(async () => {
  await restarted?.stop();
  await engine?.stop().catch(() => {});
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("analysis cache", () => {
  it("a second job on the same template does not decode the template again", async () => {
    const first = await runJob(engine, ids.a, ids.t);
    expect(first.analysis_reused).toEqual([]);
    // each analysis stage ran as two tasks, one per input, taken side by side (the engine's analysis
    // workers take two tasks at once): the template's was taken before the source's was stored
    for (const stage of ["video_analysis", "audio_analysis", "motion_analysis"]) {
      const t = first.stage_timings.find((x: any) => x.stage === stage);
      expect(t.parts.map((p: any) => p.input)).toEqual(["source", "template"]);
      const [src, tpl] = t.parts;
      expect(tpl.queue_wait_seconds).toBeLessThan(src.queue_wait_seconds + src.wall_seconds);
      expect(t.ffmpeg_runs).toBe(src.ffmpeg_runs + tpl.ffmpeg_runs);
      if (stage !== "motion_analysis") expect(Math.min(src.ffmpeg_runs, tpl.ffmpeg_runs)).toBeGreaterThan(0);
    }
    for (const t of first.stage_timings) expect(t.parts).toHaveLength(t.stage.endsWith("_analysis") ? 2 : 0);
    const second = await runJob(engine, ids.b, ids.t);
    expect(second.analysis_reused).toEqual([
      { stage: "video_analysis", input: "template" },
      { stage: "audio_analysis", input: "template" },
    ]);
    // the stage's own record: one input probed and decoded instead of two
    for (const stage of ["video_analysis", "audio_analysis"]) {
      expect(ffmpegRuns(first, stage)).toBeGreaterThan(0);
      expect(ffmpegRuns(second, stage)).toBe(ffmpegRuns(first, stage) / 2);
      const parts = second.stage_timings.find((t: any) => t.stage === stage).parts;
      expect(parts.map((p: any) => p.ffmpeg_runs > 0)).toEqual([true, false]); // the template's task decoded nothing
    }
    // the result is the same style as when the template was analysed
    const [r1, r2] = await Promise.all(
      [first, second].map((j) => engine.api(`/api/v1/jobs/${j.job_id}/result`)),
    );
    expect(r2.body.data.style_json.color_grade).toEqual(r1.body.data.style_json.color_grade);
    expect(r2.body.data.style_json.cut_frequency).toEqual(r1.body.data.style_json.cut_frequency);
  }, 180_000);

  it("survives a restart: the same source and template are not decoded at all", async () => {
    await engine.stop();
    restarted = await startTestEngine({ DATA_DIR: dataDir });
    const third = await runJob(restarted, ids.a, ids.t);
    expect(third.analysis_reused).toEqual([
      { stage: "video_analysis", input: "source" },
      { stage: "video_analysis", input: "template" },
      { stage: "audio_analysis", input: "source" },
      { stage: "audio_analysis", input: "template" },
    ]);
    expect(ffmpegRuns(third, "video_analysis")).toBe(0);
    expect(ffmpegRuns(third, "audio_analysis")).toBe(0);
    // counted for Prometheus (this test process has now served 2 + 4 hits)
    const text = await (await fetch(`http://127.0.0.1:${restarted.port}/metrics`)).text();
    expect(Number(/^clipzy_analysis_cache_hits_total (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(4);
  }, 180_000);

  it("deleting a video removes the analyses only it used", async () => {
    const e = restarted!;
    const [shaA, shaT] = await Promise.all([sha256(files.a), sha256(files.t)]);
    expect(await exists(cacheDir(shaT))).toBe(true);
    // a second upload of the template's bytes shares its analyses: deleting one keeps them
    const copy = await e.upload(files.t, {}, "copy.mp4");
    expect((await e.api(`/api/v1/videos/${ids.t}`, { method: "DELETE" })).status).toBe(200);
    expect(await exists(cacheDir(shaT))).toBe(true);
    expect((await e.api(`/api/v1/videos/${copy.body.data.video_id}`, { method: "DELETE" })).status).toBe(200);
    expect(await exists(cacheDir(shaT))).toBe(false);
    expect(await exists(cacheDir(shaA))).toBe(true);
  }, 60_000);
});
