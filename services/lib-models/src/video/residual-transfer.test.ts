import { describe, expect, it } from "vitest";
import { mulberry32 } from "../audio/synth.js";
import { composeCurves, curveTables, IDENTITY_CURVES } from "./color-transfer.js";
import { gradeFromProfile } from "./grade-model.js";
import { profileOfPoints } from "./lab.js";
import { renderSample, residualCurves, solveResidual } from "./residual-transfer.js";

/** A pixel sample with photographic spread: mid-tone lumps, a warm and a cool part, some noise. */
function sample(seed: number, n = 8192): Uint8Array {
  const r = mulberry32(seed);
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const part = r();
    const base = part < 0.4 ? [90, 120, 170] : part < 0.8 ? [110, 100, 60] : [200, 150, 120];
    const l = (r() - 0.5) * 90;
    for (let c = 0; c < 3; c++)
      out[3 * i + c] = Math.max(0, Math.min(255, Math.round(base[c] + l + (r() - 0.5) * 30)));
  }
  return out;
}

const gradeOf = (rgb: Uint8Array) => {
  const pts: [number, number, number][] = [];
  for (let i = 0; i + 2 < rgb.length; i += 3) pts.push([rgb[i] / 255, rgb[i + 1] / 255, rgb[i + 2] / 255]);
  return gradeFromProfile(profileOfPoints(pts));
};

describe("the closed loop's colour re-solve", () => {
  it("is the identity at zero, and composing with the identity changes nothing", () => {
    expect(residualCurves(new Array(8).fill(0))).toEqual({
      y: IDENTITY_CURVES.y,
      u: IDENTITY_CURVES.u,
      v: IDENTITY_CURVES.v,
    });
    const c = residualCurves([3, 0.1, -4, 3, 2, 0.2, -2, -0.1]);
    // both orders, away from where c leaves the plane's range (the composition clips at knots)
    const own = curveTables(c);
    for (const t of [
      curveTables(composeCurves(c, IDENTITY_CURVES)),
      curveTables(composeCurves(IDENTITY_CURVES, c)),
    ])
      for (const p of ["y", "u", "v"] as const)
        for (let v = 48; v <= 200; v++) expect(Math.abs(t[p][v] - own[p][v])).toBeLessThanOrEqual(2);
  });

  it.each([
    // contrast +12 on the calibrated scale is a ×1.3 L* IQR, more than +25 was on the old one
    ["more contrast, crushed shadows, warmer", { contrast: 12, shadows: -20, temperature: 18 }],
    [
      "flatter, lifted shadows, desaturated, greener",
      { contrast: -30, shadows: 25, saturation: -35, tint: -20 },
    ],
    ["brighter highlights, more saturated, cooler", { highlights: 22, saturation: 30, temperature: -25 }],
  ])("%s: the sample's measured numbers land within ±10 of the request", (_, change) => {
    const s = sample(7);
    const before = gradeOf(s);
    const goal = { ...before };
    for (const [k, d] of Object.entries(change))
      goal[k as keyof typeof goal] = before[k as keyof typeof goal] + d;
    const solved = solveResidual(s, { grade: goal, template: null, sourceToTemplate: null });
    expect(solved).not.toBeNull();
    const after = gradeOf(renderSample(s, solved!.curves));
    for (const k of Object.keys(goal) as (keyof typeof goal)[]) {
      expect(
        Math.abs(after[k] - goal[k]),
        `${k}: ${before[k]} → ${after[k]} for ${goal[k]}`,
      ).toBeLessThanOrEqual(10);
      // the fields asked to move moved the right way
      if (k in change) expect(Math.sign(after[k] - before[k])).toBe(Math.sign(goal[k] - before[k]));
    }
  });

  it("has nothing to do when the sample is already on the request", () => {
    const s = sample(3);
    expect(solveResidual(s, { grade: gradeOf(s), template: null, sourceToTemplate: null })).toBeNull();
  });
});
