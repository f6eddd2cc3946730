import { describe, expect, it } from "vitest";
import { dpBeats, estimatePeriod, fitSlope, onsetEnvelope, peakScale, trackBeats } from "./rhythm.js";
import { defaultSpectralConfig, SpectralAnalyzer } from "./spectral.js";
import { drumTrack, type Pattern } from "./synth.js";

function clickEnvelope(periodFrames: number, n: number, offset = 5): Float32Array {
  const env = new Float32Array(n);
  for (let t = offset; t < n; t += periodFrames) {
    const i = Math.round(t);
    env[i] = 1;
    if (i + 1 < n) env[i + 1] = 0.5;
  }
  return env;
}

describe("rhythm primitives", () => {
  it("estimates the period of a click train (100 fps, 120 BPM = 50 frames)", () => {
    const est = estimatePeriod(clickEnvelope(50, 1000), 100)!;
    expect(est.periodFrames).toBeCloseTo(50, 0);
    expect(est.clarity).toBeGreaterThan(0.5);
  });

  it("tracks every click with the DP and nothing else", () => {
    const env = clickEnvelope(40, 800, 10);
    const beats = dpBeats(env, 40, 100);
    expect(beats).toEqual(Array.from({ length: 20 }, (_, i) => 10 + 40 * i));
  });

  it("fits slopes and measures peak scale", () => {
    expect(fitSlope([0, 1, 2, 3], [1, 1.5, 2, 2.5])).toBeCloseTo(0.5, 12);
    expect(peakScale([0, 1, 0, 1, 0, 5, 0, 0.1, 0])).toBe(5);
  });

  it("mean aggregation keeps a bass-only onset in the envelope", () => {
    const n = 100;
    const bass = new Float32Array(n);
    const mid = new Float32Array(n);
    const high = new Float32Array(n);
    bass[50] = 20;
    high[25] = 20;
    const env = onsetEnvelope([bass, mid, high]);
    expect(env[50]).toBeGreaterThan(env[25]);
    expect(env[50]).toBeGreaterThan(0);
  });
});

function analyze(pattern: Pattern, bpm: number, seconds: number) {
  const tr = drumTrack({ bpm, seconds, pattern, seed: bpm + 1 });
  const sa = new SpectralAnalyzer(defaultSpectralConfig(48000));
  for (let i = 0; i < tr.samples.length; i += 5000) sa.push(tr.samples.subarray(i, i + 5000));
  return { truth: tr, result: trackBeats(sa.finish()) };
}

describe("trackBeats on in-memory synthetic drums", () => {
  it.each([
    ["four", 124],
    ["rock", 72],
    ["funk16", 170],
  ] as const)("%s at %d BPM: tempo within 1 %, beats on the beat", (pattern, bpm) => {
    const { truth, result } = analyze(pattern, bpm, 6);
    expect(Math.abs(result.bpm! / bpm - 1)).toBeLessThan(0.01);
    const offsets = truth.beats.map((t) => Math.min(...result.beats.map((b) => Math.abs(b.timeSeconds - t))));
    expect(Math.max(...offsets)).toBeLessThan(0.03);
  });
});
