import { describe, expect, it } from "vitest";
import {
  applyGrade,
  applyGradeToSample,
  forwardGradeFor,
  gradeFromProfile,
  NEUTRAL_GRADE,
  rawGrade,
  toneCurve,
} from "./grade-model.js";
import { profileOfPoints } from "./lab.js";
import { classifyEasing, EASINGS } from "./transition.js";

// A deterministic pixel field like footage: luma spread over the mid-tones, modest chroma.
const hash = (i: number, k: number) => {
  const x = Math.sin(i * 12.9898 + k * 78.233) * 43758.5453;
  return x - Math.floor(x);
};
const sample = Array.from({ length: 4096 }, (_, i): [number, number, number] => {
  const y = 0.12 + 0.7 * hash(i, 1);
  const cr = 0.5 * (hash(i, 2) - 0.5);
  const cb = 0.5 * (hash(i, 3) - 0.5);
  const r = y + cr;
  const b = y + cb;
  const g = (y - 0.299 * r - 0.114 * b) / 0.587;
  return [r, g, b].map((v) => Math.min(1, Math.max(0, v))) as [number, number, number];
});

describe("grade model", () => {
  it("is the identity at neutral", () => {
    expect(applyGrade(NEUTRAL_GRADE, 0.2, 0.5, 0.8).map((v) => +v.toFixed(6))).toEqual([0.2, 0.5, 0.8]);
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
});

describe("the six numbers from a colour profile", () => {
  const warmer = (k: number) =>
    profileOfPoints(sample.map(([r, g, b]) => [Math.min(1, r * (1 + k)), g, b * (1 - k)]));
  it("are monotonic in the strength of a look and never pinned, even far out", () => {
    let last = Number.NEGATIVE_INFINITY;
    for (const k of [0, 0.05, 0.1, 0.2, 0.3, 0.45]) {
      const t = rawGrade(warmer(k)).temperature;
      expect(t).toBeGreaterThan(last);
      last = t;
      expect(Math.abs(gradeFromProfile(warmer(k)).temperature)).toBeLessThan(100);
    }
    const flat = profileOfPoints(
      sample.map(([r, g, b]) => [0.5 + (r - 0.5) * 0.6, 0.5 + (g - 0.5) * 0.6, 0.5 + (b - 0.5) * 0.6]),
    );
    const g = gradeFromProfile(flat);
    const base = gradeFromProfile(profileOfPoints(sample));
    console.log(`grade of the test field ${JSON.stringify(base)}, flattened ${JSON.stringify(g)}`);
    expect(g.contrast).toBeLessThan(base.contrast - 15);
    expect(g.saturation).toBeLessThan(base.saturation - 15);
    for (const v of Object.values(g)) expect(Number.isInteger(v) && Math.abs(v) < 100).toBe(true);
  });
  it("the parametric fallback finds a forward grade that moves them by the asked change (±10)", () => {
    // A stronger contrast as footage shows it: a stretch lifts q95 and lowers q05 with the IQR
    // (the tone model's highlight/shadow bumps overlap the quartiles, so a wider IQR with the
    // ends held still is out of its reach on the calibrated scale).
    const change = { temperature: 25, tint: 0, saturation: -20, contrast: 12, highlights: 20, shadows: -25 };
    const forward = forwardGradeFor(sample, change, profileOfPoints);
    const before = rawGrade(profileOfPoints(sample));
    const after = rawGrade(profileOfPoints(applyGradeToSample(forward, sample)));
    for (const k of Object.keys(change) as (keyof typeof change)[])
      expect(Math.abs(after[k] - before[k] - change[k]), k).toBeLessThanOrEqual(10);
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
