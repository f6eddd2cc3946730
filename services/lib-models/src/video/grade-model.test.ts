import { describe, expect, it } from "vitest";
import {
  applyGrade,
  estimateGrade,
  fitGradeToTransfer,
  gradeToCube,
  NEUTRAL_GRADE,
  QUANTILES,
  REFERENCE_LUMA_QUANTILES,
  toneCurve,
} from "./grade-model.js";
import { classifyEasing, EASINGS } from "./transition.js";

describe("grade model", () => {
  it("is the identity at neutral and writes a valid cube", () => {
    expect(applyGrade(NEUTRAL_GRADE, 0.2, 0.5, 0.8).map((v) => +v.toFixed(6))).toEqual([0.2, 0.5, 0.8]);
    const cube = gradeToCube(NEUTRAL_GRADE, 5).trim().split("\n");
    expect(cube).toContain("LUT_3D_SIZE 5");
    expect(cube.length).toBe(4 + 125);
    expect(cube[4 + 1]).toBe("0.250000 0.000000 0.000000"); // red changes fastest
  });
  it("tone curve is monotonic at the extremes", () => {
    for (const [c, h, d] of [
      [100, 100, 100],
      [-100, -100, -100],
      [0, 100, -100],
    ]) {
      let last = -1;
      for (let i = 0; i <= 100; i++) {
        const v = toneCurve(i / 100, c, h, d);
        expect(v).toBeGreaterThanOrEqual(last - 1e-9);
        last = v;
      }
    }
  });
  it("fitting the model to its own transfer recovers the grade", () => {
    const g = { temperature: 30, tint: -20, saturation: 25, contrast: 15, highlights: -20, shadows: 10 };
    const L = [0.1, 0.3, 0.5, 0.7, 0.9];
    const pairs = [];
    for (const r of L)
      for (const gg of L)
        for (const b of L)
          pairs.push({ input: [r, gg, b] as [number, number, number], output: applyGrade(g, r, gg, b) });
    const fit = fitGradeToTransfer(pairs);
    for (const k of Object.keys(g) as (keyof typeof g)[])
      expect(Math.abs(fit[k] - g[k])).toBeLessThanOrEqual(3);
  });
  it("estimates a neutral grade from neutral statistics", () => {
    // A histogram with the reference quantiles: mass spread evenly between consecutive quantiles.
    const hist = new Float64Array(256);
    const q = [0, ...QUANTILES, 1];
    const v = [0.05, ...REFERENCE_LUMA_QUANTILES, 0.93];
    for (let k = 0; k + 1 < q.length; k++) {
      const lo = Math.round(v[k] * 255);
      const hi = Math.max(lo, Math.round(v[k + 1] * 255) - 1);
      for (let b = lo; b <= hi; b++) hist[b] += (q[k + 1] - q[k]) / (hi - lo + 1);
    }
    const e = estimateGrade({
      lumaHist: hist,
      chromaMean: [0, 0, 0],
      chromaSlope: [0, 0, 0],
      chromaRms: 0.122,
      pixels: 1,
    });
    for (const v of Object.values(e.grade)) expect(Math.abs(v)).toBeLessThanOrEqual(5);
  });
});

describe("easing", () => {
  it("classifies the four templates", () => {
    for (const e of Object.keys(EASINGS) as (keyof typeof EASINGS)[]) {
      const curve = Array.from({ length: 16 }, (_, k) => EASINGS[e](k / 15));
      expect(classifyEasing(curve)).toBe(e);
    }
  });
});
