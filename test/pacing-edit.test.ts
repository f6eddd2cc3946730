import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePcm } from "../services/lib-media/src/media-fixtures.js";
import { drumTrack } from "../services/lib-models/src/audio/synth.js";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir } from "./support/media.js";

const run = promisify(execFile);

/**
 * The edit carries the template's pacing: a style whose cut rate accelerates 3× (on the beat, or
 * off it) applied to one long shot over 120 BPM music; the output's pacing is then measured by
 * the engine itself (the output uploaded and run as a style_only job).
 */
describe("pacing carried into the edit", () => {
  let engine: TestEngine;
  let sourceId = "";

  beforeAll(async () => {
    engine = await startTestEngine();
    const dir = await fixtureDir(engine.dataDir);
    const seconds = 24;
    const drums = drumTrack({ bpm: 120, seconds, pattern: "four", offset: 0, seed: 5, chords: true });
    await writePcm(join(dir, "music.wav"), drums.samples, drums.sampleRate);
    const file = join(dir, "long-shot.mp4");
    // one continuous shot: a slow pan over a textured picture
    await run("ffmpeg", [
      "-v",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      `mandelbrot=s=640x360:r=30:maxiter=64:end_pts=100000,crop=320:180:x='40+n/3':y=60`,
      "-i",
      join(dir, "music.wav"),
      "-t",
      String(seconds),
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-pix_fmt",
      "yuv420p",
      "-c:a",
      "aac",
      file,
    ]);
    sourceId = (await engine.upload(file)).body.data.video_id;
  });
  afterAll(() => engine?.cleanup());

  const pacingOfOutput = async (pacing: { acceleration: number; on_beat_share: number }) => {
    const style = {
      version: "1.0",
      cut_frequency: 4,
      tempo_bpm: 120,
      primary_transition: { type: "cut", duration_ms: 0, easing: "linear" },
      pacing: {
        shot_seconds: { median: 2, iqr: 1 },
        cut_rate_curve: { window_seconds: 3, cuts_per_10s: [2, 6] },
        ...pacing,
      },
    };
    const job = await engine.api(
      "/api/v1/jobs",
      json({ video_id: sourceId, config: { quality: "low", style_json: style } }),
    );
    expect(job.status).toBe(200);
    const done = await engine.waitFor(job.body.data.job_id, undefined, 240_000);
    expect(done.status).toBe("completed");
    const result = (await engine.api(`/api/v1/jobs/${done.job_id}/result`)).body.data;
    const outId = (await engine.upload(new URL(result.output_video_url).pathname, {}, "output.mp4")).body.data
      .video_id;
    const measure = await engine.api(
      "/api/v1/jobs",
      json({ video_id: outId, config: { mode: "style_only" } }),
    );
    const measured = await engine.waitFor(measure.body.data.job_id);
    return (await engine.api(`/api/v1/jobs/${measured.job_id}/result`)).body.data.style_json.pacing;
  };

  it("accelerates like the template (3× within ±50%) and cuts on the beat when it does", async () => {
    const p = await pacingOfOutput({ acceleration: 3, on_beat_share: 1 });
    if (process.env.CLIPZY_PRINT_FIGURES) console.log("output pacing (on beat):", JSON.stringify(p));
    expect(p.acceleration).toBeGreaterThanOrEqual(1.5);
    expect(p.acceleration).toBeLessThanOrEqual(4.5);
    // 1.0 measured: every punch-in found on its frame (a cut before a gliding window once read as a wipe)
    expect(p.on_beat_share).toBeGreaterThanOrEqual(0.9);
  }, 300_000);

  it("cuts on the beat as often as the template does, and off it otherwise", async () => {
    const p = await pacingOfOutput({ acceleration: 1, on_beat_share: 0.6 });
    if (process.env.CLIPZY_PRINT_FIGURES) console.log("output pacing (0.6 on beat):", JSON.stringify(p));
    // 10 cuts planned, 6 on a beat and 4 midway between two
    expect(Math.abs(p.on_beat_share - 0.6)).toBeLessThanOrEqual(0.2);
  }, 300_000);

  it("is not forced onto the beat when the template cuts off it", async () => {
    const p = await pacingOfOutput({ acceleration: 1, on_beat_share: 0 });
    if (process.env.CLIPZY_PRINT_FIGURES) console.log("output pacing (off beat):", JSON.stringify(p));
    expect(p.on_beat_share).toBeLessThanOrEqual(0.2);
    expect(Math.abs(p.acceleration - 1)).toBeLessThanOrEqual(0.35);
  }, 300_000);
});
