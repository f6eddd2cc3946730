import { describe, expect, it } from "vitest";
import { type LoopState, loopScore, NO_CORRECTIONS, nextCorrections, outsideFields } from "./closed-loop.js";
import { fidelityReport, levelToLufs } from "./fidelity.js";
import { zoomUsage } from "./motion/analyze-motion.js";
import { completeSuppliedStyle } from "./style/compose.js";
import type { ColorProfile } from "./video/lab.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const profile: ColorProfile = {
  space: "cielab-d65",
  mean: [50, 0, 0],
  covariance: [100, 0, 0, 0, 25, 0, 0, 0, 25],
  quantiles: { L: new Array(64).fill(50), a: new Array(64).fill(0), b: new Array(64).fill(0) },
  pixels: 1,
};
const requested = completeSuppliedStyle(
  {
    zoom_usage: 38,
    cut_frequency: 5,
    audio_style: {
      bass_boost: null,
      compression_ratio: null,
      normalization_level: 0.65,
      enhance_speech: false,
    },
  },
  NOW,
);
const report = (achieved: { zoom: number; cuts: number; lufs: number }) =>
  fidelityReport({
    requested,
    achieved: completeSuppliedStyle({ zoom_usage: achieved.zoom, cut_frequency: achieved.cuts }, NOW),
    applied: ["zoom", "cuts 2 on source music", "audio_style"],
    colour: null,
    profiles: { source: profile, output: profile, template: null },
    outputLufs: achieved.lufs,
    measuredOn: { width: 128, height: 72, frames: 100 },
  });
const state = (...rounds: { trim: number; zoom: number; cuts: number; lufs: number }[]): LoopState => ({
  requested,
  transfer: null,
  template: null,
  sourceSample: new Uint8Array(0),
  history: rounds.map((r) => ({
    corrections: { ...NO_CORRECTIONS, trimDb: r.trim },
    report: report(r),
    proxy: { profile, sample: new Uint8Array(0) },
  })),
});
const target = levelToLufs(0.65); // −14.4 LUFS

describe("the closed loop's corrections", () => {
  it("loudness: the exact remaining gain, then secant steps where a limiter bends the response", () => {
    const first = nextCorrections(state({ trim: 0, zoom: 38, cuts: 5, lufs: target - 3 }))!;
    expect(first.corrections.trimDb).toBeCloseTo(3, 2);
    expect(first.changed).toEqual(["gain +3 dB"]);
    // +3 dB of trim bought only +1.5 LU (limiting): the next step is the rest over that slope, 0.5
    const second = nextCorrections(
      state(
        { trim: 0, zoom: 38, cuts: 5, lufs: target - 3 },
        { trim: 3, zoom: 38, cuts: 5, lufs: target - 1.5 },
      ),
    )!;
    expect(second.corrections.trimDb).toBeCloseTo(6, 2);
  });

  it("counts: the edit is planned for the request moved by what the proxy read short of it", () => {
    const next = nextCorrections(state({ trim: 0, zoom: 76, cuts: 3.5, lufs: target }))!;
    expect(next.corrections.zoomUsage).toBe(0);
    expect(next.corrections.cutFrequency).toBe(6.5);
    expect(outsideFields(report({ zoom: 76, cuts: 3.5, lufs: target }))).toEqual([
      "cut_frequency",
      "zoom_usage",
    ]);
  });

  it("nothing outside: nothing to correct; fewer fields outside scores better", () => {
    expect(nextCorrections(state({ trim: 0, zoom: 40, cuts: 5.5, lufs: target + 0.4 }))).toBeNull();
    const a = loopScore(report({ zoom: 40, cuts: 5, lufs: target - 3 }));
    const b = loopScore(report({ zoom: 60, cuts: 5, lufs: target - 3 }));
    const c = loopScore(report({ zoom: 40, cuts: 5, lufs: target - 1.2 }));
    expect(c).toBeLessThan(a);
    expect(a).toBeLessThan(b);
  });

  it("zoom_usage counts zooming time over all time outside transitions, measurable or not", () => {
    const skip = new Uint8Array(100);
    skip.fill(1, 40, 50); // a transition
    expect(zoomUsage(30, skip)).toBeCloseTo(33.3, 1);
    expect(zoomUsage(0, skip)).toBe(0);
    expect(zoomUsage(5, new Uint8Array(0))).toBe(0);
  });
});
