import { describe, expect, it } from "vitest";
import {
  colourWorsened,
  type LoopState,
  loopScore,
  NO_CORRECTIONS,
  nextCorrections,
  outsideFields,
  wrongWay,
} from "./closed-loop.js";
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

  it("a round that changed the colour and came less of the way stops the loop", () => {
    const withShare = (share: number, curves: LoopState["history"][number]["corrections"]["curves"]) => ({
      corrections: { ...NO_CORRECTIONS, curves },
      report: {
        ...report({ zoom: 38, cuts: 5, lufs: target }),
        colour: { ...base.colour, share_of_the_way: share },
      },
      proxy: { profile, sample: new Uint8Array(0) },
    });
    const base = report({ zoom: 38, cuts: 5, lufs: target });
    const curves = { y: [0, 1], u: [0, 1], v: [0, 1] } as never;
    expect(colourWorsened([withShare(0.8, null), withShare(0.7, curves)])).toBe(true);
    expect(colourWorsened([withShare(0.8, null), withShare(0.85, curves)])).toBe(false);
    // the colour was not changed (a count re-planned): not the colour's doing
    expect(colourWorsened([withShare(0.8, null), withShare(0.7, null)])).toBe(false);
    expect(colourWorsened([withShare(0.8, null)])).toBe(false);
  });

  it("contrast or shadows moved the wrong way outweighs any number of fields outside", () => {
    const graded = (shadows: number, contrast: number) =>
      fidelityReport({
        requested: completeSuppliedStyle(
          {
            color_grade: {
              temperature: 0,
              tint: 0,
              saturation: 0,
              contrast: 30,
              highlights: 0,
              shadows: -40,
            },
          },
          NOW,
        ),
        achieved: completeSuppliedStyle(
          { color_grade: { temperature: 0, tint: 0, saturation: 0, contrast, highlights: 0, shadows } },
          NOW,
        ),
        applied: ["color_grade"],
        colour: null,
        profiles: { source: profile, output: profile, template: null },
        outputLufs: null,
        measuredOn: { width: 128, height: 72, frames: 100 },
      });
    const own = { temperature: 0, tint: 0, saturation: 0, contrast: 0, highlights: 0, shadows: 20 };
    // source 20, request −40: 35 moved away, 0 towards (both outside)
    expect(wrongWay(graded(35, 30), own)).toEqual(["shadows"]);
    expect(wrongWay(graded(0, 30), own)).toEqual([]);
    expect(wrongWay(graded(-40, -20), own)).toEqual(["contrast"]);
    expect(loopScore(graded(0, 30), own)).toBeLessThan(loopScore(graded(35, 30), own));
    // without the source's numbers the two score alike (one field outside each)
    expect(Math.floor(loopScore(graded(0, 30)) / 100)).toBe(Math.floor(loopScore(graded(35, 30)) / 100));
  });
});
