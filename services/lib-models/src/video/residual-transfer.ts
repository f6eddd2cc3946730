import type { ColorGrade } from "@clipzy/contracts";
import { applyCurves, CURVE_KNOTS, curveTables, decodeSample, type YuvCurves } from "./color-transfer.js";
import { rawGrade } from "./grade-model.js";
import { type ColorProfile, profileOfPoints, w1Lab } from "./lab.js";
import { solve } from "./linalg.js";

/**
 * The closed loop's colour re-solve: a small residual in curve form, solved on the pixel sample of
 * a rendered proxy, that moves that sample's measured numbers (the six color_grade fields, and the
 * W1 distance to the template when there is one) onto the request. The numbers are measured
 * exactly as the analyser measures a video (gradeFromProfile of the Lab profile of the pixels, as
 * the render's per-plane tables leave them), so the solve inverts the measurement itself, not a
 * model of it; the grade model's calibration does not enter.
 *
 * The residual has eight parameters: luma offset, gain about mid-grey, a shadow bump (knots up to
 * 112, fading) and a highlight bump (knots from 144, growing); chroma offset and gain for U and V.
 * Levenberg–Marquardt with a numerical Jacobian on 2048 pixels of the sample, least squares over
 * the fields' differences (in tolerances, four times stiffer beyond 6) and the W1 share; nothing is solved when every field is
 * already within GRADE_MARGIN and the colour within a tenth of the source's distance.
 */
const GRADE = ["temperature", "tint", "saturation", "contrast", "highlights", "shadows"] as const;
const GRADE_MARGIN = 4;
const SAMPLE = 2048;
const P = 8;

type Rgb = [number, number, number];

/** The residual curves of parameters x (identity at 0). */
export function residualCurves(x: readonly number[]): YuvCurves {
  const [a, b, c, d, e, f, g, h] = x;
  const shadow = (k: number) => Math.max(0, 1 - (k - 16) / 96);
  const high = (k: number) => Math.max(0, (k - 144) / 91);
  const mono = (v: number[]) => {
    for (let i = 1; i < v.length; i++) v[i] = Math.max(v[i], v[i - 1] + 0.05);
    return v.map((y) => Math.round(y * 1000) / 1000);
  };
  return {
    y: mono(CURVE_KNOTS.map((k) => k + a + b * (k - 128) + c * shadow(k) + d * high(k))),
    u: mono(CURVE_KNOTS.map((k) => 128 + e + (1 + f) * (k - 128))),
    v: mono(CURVE_KNOTS.map((k) => 128 + g + (1 + h) * (k - 128))),
  };
}

export interface ResidualGoal {
  /** The requested six numbers. */
  grade: ColorGrade | null;
  /** The template's profile (distribution jobs), and the source's distance to it (the scale of W1). */
  template: ColorProfile | null;
  sourceToTemplate: number | null;
}

export interface Residual {
  curves: YuvCurves;
  /** The sample's numbers as the residual leaves them (predicted for the next proxy). */
  predicted: { grade: ColorGrade; w1: number | null };
}

/** Solves the residual on a proxy's packed rgb24 sample; null when nothing is to be gained. */
export function solveResidual(sampleRgb: Uint8Array, goal: ResidualGoal): Residual | null {
  const all = decodeSample(sampleRgb);
  const step = Math.max(1, Math.floor(all.length / SAMPLE));
  const sample = all.filter((_, i) => i % step === 0);
  const measure = (x: readonly number[], pts = sample) => {
    const tables = curveTables(residualCurves(x));
    const profile = profileOfPoints(pts.map((p) => applyCurves(tables, p as Rgb)));
    return {
      grade: rawGrade(profile),
      w1: goal.template ? w1Lab(profile.quantiles, goal.template.quantiles) : null,
    };
  };
  const w1Scale = Math.max(1, goal.sourceToTemplate ?? 1);
  // residuals: each field beyond the margin in tolerances; W1 as a share of the source's distance,
  // weighted so that 0.1 of the way weighs like a field 3 units beyond its margin
  const residuals = (m: ReturnType<typeof measure>) => {
    const r: number[] = [];
    if (goal.grade)
      for (const k of GRADE) {
        const d = m.grade[k] - goal.grade[k];
        // stiffer past GRADE_MARGIN + 2: a compromise between fields stays inside the tolerance
        r.push(d / 10 + (Math.sign(d) * Math.max(0, Math.abs(d) - GRADE_MARGIN - 2)) / 4);
      }
    // and stiff once the share of the way drops under 0.75: the colour share is judged at 0.7
    if (m.w1 !== null) r.push((3 * m.w1) / w1Scale + 20 * Math.max(0, m.w1 / w1Scale - 0.25));
    return r;
  };
  const cost = (r: readonly number[]) => r.reduce((s, v) => s + v * v, 0);
  let x = new Array(P).fill(0);
  const whole = measure(x, all);
  const within = (g: ColorGrade) =>
    !goal.grade || GRADE.every((k) => Math.abs(g[k] - goal.grade![k]) <= GRADE_MARGIN);
  if (within(whole.grade) && (whole.w1 === null || whole.w1 / w1Scale < 0.1)) return null;
  let m = measure(x);
  let r = residuals(m);
  const start = cost(r);
  let mu = 1e-3;
  const H = [2, 0.02, 2, 2, 1, 0.02, 1, 0.02]; // finite-difference steps (code values or gains)
  for (let it = 0; it < 10; it++) {
    const J: number[][] = r.map(() => new Array(P).fill(0));
    for (let j = 0; j < P; j++) {
      const xp = x.slice();
      xp[j] += H[j];
      const rp = residuals(measure(xp));
      for (let i = 0; i < r.length; i++) J[i][j] = (rp[i] - r[i]) / H[j];
    }
    let improved = false;
    const JtJ = Array.from({ length: P }, (_, a) =>
      Array.from({ length: P }, (_, b) => J.reduce((s, row) => s + row[a] * row[b], 0)),
    );
    for (let tries = 0; tries < 8 && !improved; tries++) {
      // Marquardt's scaling: the damping in each parameter's own units
      const floor = 1e-3 * Math.max(...JtJ.map((row, a) => row[a]));
      const A = JtJ.map((row, a) => row.map((v, b) => (a === b ? v + mu * Math.max(v, floor) : v)));
      const g = Array.from({ length: P }, (_, a) => -J.reduce((s, row, i) => s + row[a] * r[i], 0));
      const next = solve(A, g).map((dx, j) => clampParam(j, x[j] + dx));
      const mn = measure(next);
      const rn = residuals(mn);
      if (cost(rn) < cost(r) - 1e-9) {
        x = next;
        m = mn;
        r = rn;
        mu = Math.max(1e-4, mu / 3);
        improved = true;
      } else mu *= 10;
    }
    if (!improved || cost(r) < 1e-4) break;
  }
  if (cost(r) >= start * 0.98) return null;
  return { curves: residualCurves(x), predicted: { grade: m.grade, w1: m.w1 } };
}

/** Offsets within ±60 codes, bumps within ±60, gains within −0.7 … +2. */
function clampParam(j: number, v: number): number {
  const gain = j === 1 || j === 5 || j === 7;
  return gain ? Math.max(-0.7, Math.min(2, v)) : Math.max(-60, Math.min(60, v));
}

/** A packed rgb24 sample as curves render it (what the next proxy's sample is predicted to be). */
export function renderSample(sampleRgb: Uint8Array, curves: YuvCurves): Uint8Array {
  const tables = curveTables(curves);
  const out = new Uint8Array(sampleRgb.length - (sampleRgb.length % 3));
  for (let i = 0; i + 2 < sampleRgb.length; i += 3) {
    const o = applyCurves(tables, [sampleRgb[i] / 255, sampleRgb[i + 1] / 255, sampleRgb[i + 2] / 255]);
    for (let c = 0; c < 3; c++) out[i + c] = Math.round(o[c] * 255);
  }
  return out;
}
