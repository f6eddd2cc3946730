import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalizationLevelFromLufs } from "@clipzy/models/audio/dynamics";
import { audioFilterChain } from "@clipzy/models/audio/render-model";
import { drumTrack } from "@clipzy/models/audio/synth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeAudio } from "./analyze-audio.js";
import { ffmpeg, ffmpegEbur128, writePcm } from "./media-fixtures.js";

/**
 * Loudness round trip, the renderer's way: measure the source once (the analysis pass), build the
 * chain from those measurements, encode AAC as the renderer does, and read the result with ffmpeg's
 * own ebur128 (an independent meter).
 */
let dir = "";
const inputs: Record<string, string> = {};
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "clipzy-loudness-"));
  // music: drums, bass and chords, sections 4-14 dB apart, stereo AAC like a phone upload
  const tr = drumTrack({ bpm: 118, seconds: 14, pattern: "rock", seed: 11, chords: true, levelDb: 6 });
  const levels = [-8, -18, -10, -22, -12];
  for (let i = 0; i < tr.samples.length; i++)
    tr.samples[i] *= 10 ** (levels[Math.min(4, Math.floor(i / (3 * 48000)))] / 20);
  inputs.music = join(dir, "music.m4a");
  await writePcm(inputs.music, tr.samples, tr.sampleRate, [
    "-af",
    "pan=stereo|c0=c0|c1=0.6*c0,aecho=0.8:0.7:11:0.3",
    "-c:a",
    "aac",
    "-b:a",
    "160k",
  ]);
  inputs.speech = join(dir, "speech.wav");
  execFileSync("espeak-ng", [
    "-w",
    inputs.speech,
    "Loudness targets are met in two passes. First the engine measures the source, then it applies one gain, and a limiter keeps the peaks down.",
  ]);
  inputs.clip = join(dir, "clip-2s.m4a");
  await ffmpeg(["-i", inputs.music, "-t", "2", "-c:a", "aac", "-b:a", "160k", inputs.clip]);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("loudness round trip (target within 1 LU, true peak at most -1 dBTP)", () => {
  const cases = ["music", "speech", "clip"].flatMap((m) => [-23, -16, -14].map((t) => [m, t] as const));
  it.each(cases)("%s at %d LUFS", async (material, target) => {
    const src = inputs[material];
    const before = await analyzeAudio(src);
    const chain = audioFilterChain(
      {
        normalization_level: normalizationLevelFromLufs(target),
        compression_ratio: null,
        bass_boost: null,
        enhance_speech: null,
      },
      before,
    );
    const out = join(dir, `${material}${target}.m4a`);
    await ffmpeg(["-i", src, "-vn", "-af", chain, "-c:a", "aac", "-b:a", "192k", out]);
    const ref = await ffmpegEbur128(out);
    console.log(
      `[loudness] ${material} ${before.loudness.integrated_lufs} LUFS / TP ${before.loudness.true_peak_dbtp} -> target ${target}: ${ref.integrated} LUFS, TP ${ref.truePeak} dBTP (error ${(ref.integrated - target).toFixed(2)} LU) via ${chain}`,
    );
    expect(Math.abs(ref.integrated - target)).toBeLessThanOrEqual(1);
    expect(ref.truePeak!).toBeLessThanOrEqual(-1);
  });
});
