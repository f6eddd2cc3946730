/**
 * Accuracy of audio_analysis on media generated here with known truth (ffmpeg encodes the
 * synthesised drums; aevalsrc/anoisesrc signals; espeak-ng speech). Needs ffmpeg and espeak-ng.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_COMPRESSION_RATIO } from "@clipzy/models/audio/dynamics";
import { type BassLineSpec, type ChordLayerSpec, drumTrack, type Pattern } from "@clipzy/models/audio/synth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeAudio } from "./analyze-audio.js";
import { ffmpeg, ffmpegEbur128, writePcm } from "./media-fixtures.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "clipzy-audio-acc-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** F-measure of estimated beats against the truth at +-tol s, and the median |offset|. */
function beatF(est: number[], ref: number[], tol = 0.07): { f: number; medianOffset: number } {
  const used = new Set<number>();
  const offs: number[] = [];
  for (const r of ref) {
    let best = -1;
    let bd = tol;
    est.forEach((e, i) => {
      const d = Math.abs(e - r);
      if (!used.has(i) && d <= bd) {
        bd = d;
        best = i;
      }
    });
    if (best >= 0) {
      used.add(best);
      offs.push(Math.abs(est[best] - r));
    }
  }
  const p = offs.length / Math.max(1, est.length);
  const rc = offs.length / Math.max(1, ref.length);
  offs.sort((a, b) => a - b);
  return {
    f: p + rc > 0 ? (2 * p * rc) / (p + rc) : 0,
    medianOffset: offs.length ? offs[offs.length >> 1] : 1,
  };
}

const TEMPO_CASES: [Pattern, number, number][] = [
  ["rock", 60, 8],
  ["four", 75, 7],
  ["funk16", 95, 6],
  ["swing", 110, 6],
  ["four", 128, 6],
  ["rock", 150, 6],
  ["four", 180, 6],
];

describe("tempo and beats on synthetic percussive tracks (60-180 BPM)", () => {
  it.each(TEMPO_CASES)("%s at %d BPM", async (pattern, bpm, seconds) => {
    const tr = drumTrack({ bpm, seconds, pattern, seed: bpm, levelDb: 5, jitter: 0.004 });
    const file = join(dir, `${pattern}-${bpm}.wav`);
    await writePcm(file, tr.samples, tr.sampleRate);
    const a = await analyzeAudio(file);
    const est = a.beats.map((b) => b.time_s);
    const { f, medianOffset } = beatF(est, tr.beats);
    const offbeat = beatF(
      est,
      tr.beats.map((t) => t + 30 / bpm),
    );
    const err = (a.tempo_bpm! / bpm - 1) * 100;
    console.log(
      `[tempo] ${pattern} ${bpm}: est ${a.tempo_bpm} (${err.toFixed(3)} %), F ${f.toFixed(3)}, median offset ${(medianOffset * 1000).toFixed(1)} ms, off-beat F ${offbeat.f.toFixed(2)}`,
    );
    expect(Math.abs(err)).toBeLessThan(1);
    expect(f).toBeGreaterThanOrEqual(0.98);
    expect(medianOffset).toBeLessThanOrEqual(0.015);
    expect(offbeat.f).toBe(0);
    for (const b of a.beats) {
      expect(b.confidence).toBeGreaterThanOrEqual(0);
      expect(b.confidence).toBeLessThanOrEqual(1);
    }
  });

  /**
   * Pop/dance-like mixes: drums with a sustained triad (a few partials, slow decay) retriggered on
   * every beat or once per bar at 0 to -6 dB RMS against the drums, some with a bass line. Same
   * requirements as the drum-only cases.
   */
  const CHORD_CASES: [
    Pattern,
    number,
    number,
    ChordLayerSpec["every"],
    number,
    BassLineSpec["rhythm"] | null,
  ][] = [
    ["four", 60, 8, "beat", 0, null],
    ["four", 72, 8, "beat", -6, null],
    ["four", 85, 7, "beat", -3, null],
    ["four", 100, 6, "beat", 0, null],
    ["four", 118, 6, "beat", -6, null],
    ["four", 128, 6, "beat", -3, null],
    ["four", 140, 6, "beat", 0, null],
    ["four", 160, 6, "beat", -3, null],
    ["four", 174, 6, "beat", -6, null],
    ["four", 180, 6, "beat", 0, null],
    ["four", 96, 7, "bar", 0, null],
    ["four", 124, 6, "bar", -3, null],
    ["four", 150, 6, "bar", -6, null],
    ["four", 122, 6, "beat", -3, "offbeat"],
    ["four", 90, 7, "beat", -3, "eighths"],
    ["rock", 70, 8, "beat", -3, null],
    ["rock", 120, 6, "beat", -3, null],
    ["rock", 165, 6, "beat", -6, null],
    ["rock", 100, 6, "bar", -3, "eighths"],
    ["swing", 90, 7, "beat", 0, null],
    ["swing", 140, 6, "beat", -3, null],
  ];

  it.each(CHORD_CASES)(
    "%s at %d BPM (%d s) with a chord every %s at %d dB, bass %s",
    async (pattern, bpm, seconds, every, levelDb, bass) => {
      const tr = drumTrack({
        bpm,
        seconds,
        pattern,
        seed: bpm,
        levelDb: 5,
        jitter: 0.004,
        chordLayer: { every, levelDb },
        ...(bass ? { bassLine: { rhythm: bass, levelDb: levelDb - 3 } } : {}),
      });
      const file = join(dir, `${pattern}-${bpm}-chords-${every}.wav`);
      await writePcm(file, tr.samples, tr.sampleRate);
      const a = await analyzeAudio(file);
      const est = a.beats.map((b) => b.time_s);
      const { f, medianOffset } = beatF(est, tr.beats);
      const offbeat = beatF(
        est,
        tr.beats.map((t) => t + 30 / bpm),
      );
      const err = (a.tempo_bpm! / bpm - 1) * 100;
      console.log(
        `[tempo+chords] ${pattern} ${bpm} (chord/${every} ${levelDb} dB, bass ${bass}): est ${a.tempo_bpm} (${err.toFixed(3)} %), F ${f.toFixed(3)}, median offset ${(medianOffset * 1000).toFixed(1)} ms, off-beat F ${offbeat.f.toFixed(2)}`,
      );
      expect(Math.abs(err)).toBeLessThan(1);
      expect(f).toBeGreaterThanOrEqual(0.98);
      expect(medianOffset).toBeLessThanOrEqual(0.015);
      expect(offbeat.f).toBe(0);
    },
  );

  it.each([
    ["kick", "bass"],
    ["snare", "mid"],
    ["hat", "high"],
  ] as const)("a %s-only track's beats are %s", async (pattern, band) => {
    const tr = drumTrack({ bpm: 100, seconds: 4, pattern, seed: 9 });
    const file = join(dir, `${pattern}.wav`);
    await writePcm(file, tr.samples, tr.sampleRate);
    const a = await analyzeAudio(file);
    expect(a.beats.length).toBeGreaterThanOrEqual(5);
    for (const b of a.beats) expect(b.band).toBe(band);
  });
});

describe("integrated loudness against ffmpeg ebur128", () => {
  const signals: [string, () => Promise<string>][] = [
    [
      "1 kHz sine -18 dBFS",
      async () => {
        const f = join(dir, "sine.wav");
        await ffmpeg(["-f", "lavfi", "-i", "aevalsrc=0.126*sin(2*PI*1000*t):s=48000:d=4", f]);
        return f;
      },
    ],
    [
      "pink noise",
      async () => {
        const f = join(dir, "pink.wav");
        await ffmpeg(["-f", "lavfi", "-i", "anoisesrc=c=pink:a=0.2:r=48000:d=4:s=7", f]);
        return f;
      },
    ],
    [
      "white noise at 44.1 kHz (resampled by the decode)",
      async () => {
        const f = join(dir, "white.wav");
        await ffmpeg(["-f", "lavfi", "-i", "anoisesrc=c=white:a=0.1:r=44100:d=4:s=3", f]);
        return f;
      },
    ],
    [
      "sweeping tone with a level step and a pause",
      async () => {
        const f = join(dir, "sweep.wav");
        await ffmpeg([
          "-f",
          "lavfi",
          "-i",
          "aevalsrc='if(lt(t,3),0.3,if(lt(t,4),0,0.05))*sin(2*PI*(60+400*t)*t)':s=48000:d=7",
          f,
        ]);
        return f;
      },
    ],
    [
      "drum track as AAC in MP4",
      async () => {
        const tr = drumTrack({ bpm: 100, seconds: 5, pattern: "rock", seed: 4 });
        const f = join(dir, "drums.m4a");
        await writePcm(f, tr.samples, tr.sampleRate, ["-c:a", "aac", "-b:a", "128k"]);
        return f;
      },
    ],
  ];
  it.each(signals)("%s", async (name, make) => {
    const file = await make();
    const ref = await ffmpegEbur128(file);
    const a = await analyzeAudio(file);
    const diff = a.loudness.integrated_lufs! - ref.integrated;
    console.log(
      `[loudness] ${name}: ours ${a.loudness.integrated_lufs} LUFS / LRA ${a.loudness.range_lu}, ebur128 ${ref.integrated} / ${ref.lra}, diff ${diff.toFixed(2)} LU`,
    );
    expect(Math.abs(diff)).toBeLessThanOrEqual(0.5);
  });
});

describe("compression estimate", () => {
  it("increases strictly with acompressor's ratio 1, 2, 4, 8 on a track with sections", async () => {
    const tr = drumTrack({ bpm: 110, seconds: 12, pattern: "rock", seed: 3, chords: true, levelDb: 6 });
    const levels = [0, -14, -6, -20];
    for (let i = 0; i < tr.samples.length; i++)
      tr.samples[i] *= 10 ** (levels[Math.floor(i / (3 * 48000))] / 20);
    const src = join(dir, "dyn.wav");
    await writePcm(src, tr.samples, tr.sampleRate);
    const estimates = await compressed(src, [1, 2, 4, 8]);
    console.log(`[compression] sections: true 1/2/4/8 -> estimated ${estimates.join(" / ")}`);
    for (let i = 1; i < estimates.length; i++) expect(estimates[i]).toBeGreaterThan(estimates[i - 1]);
    expect(estimates[0]).toBeGreaterThanOrEqual(1);
  });

  // Steady material (a kick loop, a monologue) has no loudness range to lose; its uncompressed and
  // heavily compressed versions must still read apart, and neither at the cap.
  const steady: [string, number[], () => Promise<string>][] = [
    [
      "kick loop",
      [1, 2, 4, 8, 20],
      async () => {
        const tr = drumTrack({ bpm: 120, seconds: 12, pattern: "four", seed: 2 });
        const f = join(dir, "kick.wav");
        await writePcm(f, tr.samples, tr.sampleRate);
        return f;
      },
    ],
    [
      "drums and chords",
      [1, 2, 4, 8, 20],
      async () => {
        const tr = drumTrack({ bpm: 110, seconds: 12, pattern: "rock", seed: 3, chords: true });
        const f = join(dir, "steady-music.wav");
        await writePcm(f, tr.samples, tr.sampleRate);
        return f;
      },
    ],
    [
      "espeak-ng speech",
      [1, 2, 4],
      async () => {
        const f = join(dir, "speech-comp.wav");
        execFileSync("espeak-ng", [
          "-w",
          f,
          "The quick brown fox jumps over the lazy dog. Speech has syllables, pauses and a gliding pitch. Compression narrows all of it.",
        ]);
        return f;
      },
    ],
  ];
  it.each(steady)("%s: uncompressed and compressed read apart, in order", async (name, ratios, make) => {
    const estimates = await compressed(await make(), ratios);
    console.log(`[compression] ${name}: true ${ratios.join("/")} -> estimated ${estimates.join(" / ")}`);
    for (let i = 1; i < estimates.length; i++) expect(estimates[i]).toBeGreaterThan(estimates[i - 1]);
    expect(estimates.at(-1)! / estimates[0]).toBeGreaterThan(2.5);
    expect(Math.max(...estimates)).toBeLessThan(MAX_COMPRESSION_RATIO);
  });

  async function compressed(src: string, ratios: number[]): Promise<number[]> {
    const estimates: number[] = [];
    for (const ratio of ratios) {
      const out = join(dir, `comp-${ratio}-${ratios.length}-${estimates.length}.wav`);
      await ffmpeg([
        "-i",
        src,
        "-af",
        `acompressor=threshold=-30dB:ratio=${ratio}:attack=5:release=100`,
        out,
      ]);
      estimates.push((await analyzeAudio(out)).dynamics.compression_ratio!);
    }
    return estimates;
  }
});

describe("speech presence", () => {
  const cases: [string, boolean, () => Promise<string>][] = [
    [
      "espeak-ng speech",
      true,
      async () => {
        const f = join(dir, "speech.wav");
        execFileSync("espeak-ng", [
          "-w",
          f,
          "The quick brown fox jumps over the lazy dog. Speech has syllables, pauses and a gliding pitch.",
        ]);
        return f;
      },
    ],
    [
      "music (drums and chords)",
      false,
      async () => {
        const tr = drumTrack({ bpm: 120, seconds: 6, pattern: "rock", seed: 5, chords: true });
        const f = join(dir, "music.wav");
        await writePcm(f, tr.samples, tr.sampleRate);
        return f;
      },
    ],
    [
      "sustained tones",
      false,
      async () => {
        const f = join(dir, "tones.wav");
        await ffmpeg([
          "-f",
          "lavfi",
          "-i",
          "aevalsrc=0.3*sin(2*PI*220*t)+0.2*sin(2*PI*330*t):s=48000:d=4",
          f,
        ]);
        return f;
      },
    ],
    [
      "silence",
      false,
      async () => {
        const f = join(dir, "silence.wav");
        await ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "3", f]);
        return f;
      },
    ],
  ];
  it.each(cases)("%s -> enhance_speech %s", async (name, expected, make) => {
    const a = await analyzeAudio(await make());
    console.log(
      `[speech] ${name}: score ${a.speech.score}, present ${a.speech.present}, genre ${a.genre.label}`,
    );
    expect(a.speech.present).toBe(expected);
    if (!expected && name !== "silence" && name !== "sustained tones")
      expect(a.genre.label).not.toBe("unknown");
    if (expected || name === "silence") expect(a.genre.label).toBe("unknown");
  });
});
