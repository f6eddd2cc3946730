import { join } from "node:path";
import { drumTrack } from "@clipzy/models/audio/synth";
import { pacingOf } from "@clipzy/models/style/pacing";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeAudio } from "./analyze-audio.js";
import { analyzeVideo } from "./analyze-video.js";
import { writePcm } from "./media-fixtures.js";
import { FPS, ffmpeg, makeEdit, type SourceKind, tempDir } from "./test-media.js";

/**
 * Pacing read back by the real analysers from templates whose edit is known by construction:
 * shots of given lengths (frames at 30 fps) over a 120 BPM drum track whose beats fall every
 * 15 frames from frame 0.
 */
const KINDS: SourceKind[] = ["testsrc2", "mandelbrot", "gradients", "life", "rgbtestsrc", "cellauto"];
const { dir, cleanup } = tempDir("clipzy-pacing-");
afterAll(cleanup);

async function template(name: string, shotFrames: number[]) {
  const video = join(dir, `${name}-v.mp4`);
  const { frames } = await makeEdit(
    video,
    shotFrames.map((f, i) => ({ kind: KINDS[i % KINDS.length], seed: i + 1, frames: f })),
    shotFrames.slice(1).map(() => ({ type: "cut" as const })),
  );
  const drums = drumTrack({ bpm: 120, seconds: frames / FPS, pattern: "four", offset: 0, seed: 3 });
  const wav = join(dir, `${name}.wav`);
  await writePcm(wav, drums.samples, drums.sampleRate);
  const out = join(dir, `${name}.mp4`);
  await ffmpeg(["-i", video, "-i", wav, "-c:v", "copy", "-c:a", "aac", "-shortest", out]);
  const [v, a] = await Promise.all([analyzeVideo(out), analyzeAudio(out)]);
  return pacingOf(v.analysis, a)!;
}

describe("pacing of generated templates (real analysers)", () => {
  it("constant: 2 s shots read median 2 s ±1 frame, spread ≤ 1 frame, acceleration 1 ± 0.1", async () => {
    const p = await template("constant", new Array(8).fill(60));
    expect(Math.abs(p.shot_seconds.median - 2)).toBeLessThanOrEqual(1 / FPS);
    expect(p.shot_seconds.iqr).toBeLessThanOrEqual(1 / FPS);
    expect(Math.abs(p.acceleration - 1)).toBeLessThanOrEqual(0.1);
  });

  it("accelerating: shots 3 s → 0.5 s (all on beats) read acceleration ≥ 2.5 and a rising cut-rate curve", async () => {
    const p = await template("accelerating", [90, 90, 75, 75, 60, 45, 45, 30, 30, 15, 15, 15]);
    expect(p.acceleration).toBeGreaterThanOrEqual(2.5);
    const c = p.cut_rate_curve.cuts_per_10s;
    expect(c.slice(-2).reduce((a, b) => a + b)).toBeGreaterThan(2 * c.slice(0, 2).reduce((a, b) => a + b));
    expect(p.on_beat_share).toBeGreaterThanOrEqual(0.83);
  });

  it("on the beat: every cut on a beat reads on_beat_share 1; cuts 7 frames (233 ms) after the beats read 0", async () => {
    const on = await template("onbeat", [30, 45, 30, 60, 45, 30, 45]);
    // tolerance: one of the six cuts may miss the ±50 ms window (a frame of cut timing plus the
    // beat tracker's offset)
    expect(on.on_beat_share).toBeGreaterThanOrEqual(0.83);
    // 7 frames (233 ms) off the beat grid: outside the ±50 ms window, inside half a beat
    const off = await template("offbeat", [37, 45, 30, 60, 45, 30, 45]);
    expect(off.on_beat_share).toBeLessThanOrEqual(0.17);
  });
});
