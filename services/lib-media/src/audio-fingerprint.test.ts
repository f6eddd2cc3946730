import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareFingerprints } from "@clipzy/models/audio/fingerprint";
import { drumTrack } from "@clipzy/models/audio/synth";
import { withSourceMatch } from "@clipzy/models/style/audio-style";
import { runTool } from "@clipzy/platform/process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AudioAnalysis, analyzeAudio } from "./analyze-audio.js";
import { ffmpeg, writePcm } from "./media-fixtures.js";
import { realMusic } from "./real-audio.js";

/**
 * The fingerprint comes out of the analysis' own decode (a second ffmpeg output), so these run
 * the real analyser on real music (Debian's frozen-bubble soundtrack), synthetic drums, speech
 * and silence.
 */
let dir = "";
const a: Record<string, AudioAnalysis> = {};
const excerpt = (src: string, from: number, out: string, extra: string[]) =>
  ffmpeg(["-ss", String(from), "-t", "20", "-i", src, "-vn", ...extra, join(dir, out)]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "clipzy-fp-"));
  const main = realMusic("main");
  await Promise.all([
    excerpt(main, 20, "main.wav", ["-c:a", "pcm_s16le"]),
    // the same music quieter as AAC, louder and limited as low-rate MP3, and as Opus inside a video
    excerpt(main, 20, "main-quiet.m4a", ["-af", "volume=-12dB", "-c:a", "aac", "-b:a", "96k"]),
    excerpt(main, 20, "main-loud.mp3", ["-af", "volume=6dB,alimiter", "-ar", "22050", "-b:a", "64k"]),
    excerpt(main, 80, "main-later.wav", ["-c:a", "pcm_s16le"]),
    excerpt(realMusic("duel"), 20, "duel.wav", ["-c:a", "pcm_s16le"]),
    excerpt(realMusic("intro"), 20, "intro.wav", ["-c:a", "pcm_s16le"]),
  ]);
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    "color=c=gray:s=160x90:r=10:d=20",
    "-ss",
    "23",
    "-t",
    "17",
    "-i",
    realMusic("main"),
    "-shortest",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-c:a",
    "libopus",
    "-b:a",
    "48k",
    join(dir, "main-in-video.mkv"),
  ]);
  const drums = drumTrack({ bpm: 100, seconds: 20, pattern: "rock", seed: 4, chords: true });
  await writePcm(join(dir, "drums.wav"), drums.samples, drums.sampleRate);
  await writePcm(
    join(dir, "drums-aac.m4a"),
    drums.samples.map((x) => x * 0.3),
    drums.sampleRate,
    ["-c:a", "aac", "-b:a", "128k"],
  );
  const other = drumTrack({ bpm: 128, seconds: 20, pattern: "four", seed: 9, chords: true });
  await writePcm(join(dir, "drums-other.wav"), other.samples, other.sampleRate);
  await runTool("espeak-ng", [
    "-w",
    join(dir, "speech.wav"),
    "Clipzy measures the music of every video it analyses, so it can tell when two videos carry the same track.",
  ]);
  await ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "8", join(dir, "silence.wav")]);
  for (const f of [
    "main.wav",
    "main-quiet.m4a",
    "main-loud.mp3",
    "main-later.wav",
    "main-in-video.mkv",
    "duel.wav",
    "intro.wav",
    "drums.wav",
    "drums-aac.m4a",
    "drums-other.wav",
    "speech.wav",
    "silence.wav",
  ])
    a[f] = await analyzeAudio(join(dir, f));
}, 180_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sim = (x: string, y: string) => {
  const s = compareFingerprints(a[x].fingerprint, a[y].fingerprint);
  if (process.env.CLIPZY_PRINT_FIGURES) console.log(`similarity ${x} ~ ${y}: ${s}`);
  return s;
};

describe("audio fingerprint (Chromaprint, from the analysis decode)", () => {
  it("recognises the same music at other loudness, codecs, sample rates and alignment (≥ 0.9)", () => {
    for (const other of ["main-quiet.m4a", "main-loud.mp3", "main-in-video.mkv"])
      expect(sim("main.wav", other), other).toBeGreaterThanOrEqual(0.9);
    expect(sim("drums.wav", "drums-aac.m4a")).toBeGreaterThanOrEqual(0.9);
  });

  it("tells different music apart (≤ 0.3), including another part of the same track", () => {
    const pairs = [
      ["main.wav", "duel.wav"],
      ["main.wav", "intro.wav"],
      ["duel.wav", "intro.wav"],
      ["main.wav", "main-later.wav"],
      ["drums.wav", "drums-other.wav"],
      ["main.wav", "drums.wav"],
      ["main.wav", "speech.wav"],
    ];
    for (const [x, y] of pairs) expect(sim(x, y), `${x} vs ${y}`).toBeLessThanOrEqual(0.3);
  });

  it("fingerprints speech, and gives silence no fingerprint rather than one that matches all silence", () => {
    expect(a["speech.wav"].fingerprint?.items).toBeGreaterThan(20);
    expect(a["silence.wav"].fingerprint).toBeNull();
    expect(sim("silence.wav", "main.wav")).toBeNull();
  });

  it("says in the style whether the job's source carries the template's music", () => {
    const fp = a["main.wav"].fingerprint;
    expect(withSourceMatch(fp, a["main-in-video.mkv"])?.source_match).toMatchObject({ same_music: true });
    expect(withSourceMatch(fp, a["duel.wav"])?.source_match).toMatchObject({ same_music: false });
    expect(withSourceMatch(fp, a["silence.wav"])?.source_match).toEqual({
      similarity: null,
      same_music: null,
    });
    expect(withSourceMatch(null, a["main.wav"])).toBeNull();
  });
});
