import type { ColorGrade } from "@clipzy/contracts";
import type { ColorProfile } from "./lab.js";
import { solve } from "./linalg.js";

/**
 * THE colour grade model shared by the renderer (forward, as a 3D LUT) and the analyser
 * (inverse, from a clip's colour statistics). Values are gamma-encoded RGB in 0..1; luma is
 * BT.601 (Y = 0.299R + 0.587G + 0.114B), chroma is the vector C = RGB − Y. Grade fields are the
 * StyleJSON integers −100..100; below, t, m, s, c, h, d are those values divided by 100.
 *
 * Forward model, applied per pixel in this order:
 *  1. White balance (temperature t, tint m): channel gains
 *       gR = 2^(KT·t),  gG = 2^(−KM·m),  gB = 2^(−KT·t),
 *     each divided by 0.299gR + 0.587gG + 0.114gB so a grey keeps its luma.
 *     t = +100 (warm) doubles R/B; m = +100 (magenta) lowers G against R and B by 2^−0.3.
 *  2. Split into luma Y and chroma C.
 *  3. Tone curve on luma (chroma offsets untouched, as ffmpeg's eq does on the Y plane):
 *       contrast  y1 = clamp01(0.5 + (Y − 0.5)·(1 + c))
 *       highlights/shadows  y2 = clamp01(y1 + KHS·(h·wH(y1) + d·wS(y1)))
 *       with wH(y) = 27/4·y²(1−y) (peaks at y = 2/3) and wS(y) = 27/4·y(1−y)² (peaks at 1/3).
 *  4. Saturation: C' = C·(1 + s)  (s = −100 → greyscale, +100 → twice the chroma).
 *  5. Out = clamp01(y2 + C').
 * So ffmpeg `eq=contrast=k` is contrast ≈ 100·(k − 1) and `eq=saturation=k` is saturation ≈
 * 100·(k − 1).
 *
 * The inverse is not this model: the six numbers a clip reads are statistics of its CIELAB
 * profile (gradeFromProfile below); the parametric fallback finds the forward grade that moves
 * them by the wanted change (forwardGradeFor).
 */
export const KT = 0.5;
export const KM = 0.3;
export const KHS = 0.12;
export const PIVOT = 0.5;
export const NEUTRAL_GRADE: ColorGrade = {
  temperature: 0,
  tint: 0,
  saturation: 0,
  contrast: 0,
  highlights: 0,
  shadows: 0,
};

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

export function gradeGains(temperature: number, tint: number): [number, number, number] {
  const gR = 2 ** ((KT * temperature) / 100);
  const gG = 2 ** ((-KM * tint) / 100);
  const gB = 2 ** ((-KT * temperature) / 100);
  const n = 0.299 * gR + 0.587 * gG + 0.114 * gB;
  return [gR / n, gG / n, gB / n];
}

export function toneCurve(y: number, contrast: number, highlights: number, shadows: number): number {
  const y1 = clamp01(PIVOT + (y - PIVOT) * (1 + contrast / 100));
  const wH = 6.75 * y1 * y1 * (1 - y1);
  const wS = 6.75 * y1 * (1 - y1) * (1 - y1);
  return clamp01(y1 + KHS * ((highlights / 100) * wH + (shadows / 100) * wS));
}

/** Inverse of the (monotonic) tone curve by bisection. */
export function inverseToneCurve(v: number, contrast: number, highlights: number, shadows: number): number {
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 30; k++) {
    const mid = (lo + hi) / 2;
    if (toneCurve(mid, contrast, highlights, shadows) < v) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Forward model for one pixel (0..1 values). */
export function applyGrade(g: ColorGrade, r: number, gr: number, b: number): [number, number, number] {
  const [kR, kG, kB] = gradeGains(g.temperature, g.tint);
  const R = r * kR;
  const G = gr * kG;
  const B = b * kB;
  const Y = 0.299 * R + 0.587 * G + 0.114 * B;
  const y2 = toneCurve(Y, g.contrast, g.highlights, g.shadows);
  const k = 1 + g.saturation / 100;
  return [clamp01(y2 + (R - Y) * k), clamp01(y2 + (G - Y) * k), clamp01(y2 + (B - Y) * k)];
}

const clampGrade = (v: number) => Math.max(-100, Math.min(100, v));
const roundGrade = (v: number) => Math.round(clampGrade(v));

/**
 * THE six numbers, read from a clip's CIELAB profile. Each is a statistic of the distribution
 * against REFERENCE (typical ungraded footage), through 100·tanh, so a stronger look always reads
 * further from 0 (monotonic) and only an extreme one nears ±100 (never clipped):
 *  - temperature: mean b* (blue − / yellow +) against the reference, 20 units for tanh(1);
 *  - tint: mean a* (green − / magenta +), 12 units;
 *  - saturation: log2 of the chroma spread √(var a* + var b*) against the reference, ×1.2;
 *  - contrast: log2 of the L* inter-quartile range against the reference, ×1.5;
 *  - highlights: the 95th percentile of L* against the reference's, 12 units (pulled-down
 *    highlights read negative);
 *  - shadows: the 5th percentile of L*, 12 units (lifted shadows read positive, crushed negative).
 * The reference was measured on synthetic natural-looking scenes (test-media naturalSceneChain:
 * sky, ground, a skin tone, noise, blur), not on a corpus of real uploads: a real clip's numbers
 * say how it differs from those.
 */
export const REFERENCE = { a: -0.6, b: -5, chroma: 26, iqr: 29, q05: 18, q95: 71 };

/** Linear interpolation in a quantile list at level p. */
function qAt(q: readonly number[], p: number): number {
  const x = Math.max(0, Math.min(q.length - 1, p * q.length - 0.5));
  const i = Math.min(q.length - 2, Math.floor(x));
  return q[i] + (q[i + 1] - q[i]) * (x - i);
}

const soft = (x: number) => roundGrade(100 * Math.tanh(x));

export function gradeFromProfile(p: ColorProfile): ColorGrade {
  return roundedGrade(rawGrade(p));
}

/** The numbers before rounding (for inverting them smoothly). */
export function rawGrade(p: ColorProfile): ColorGrade {
  const L = p.quantiles.L;
  const q25 = qAt(L, 0.25);
  const q75 = qAt(L, 0.75);
  const iqr = Math.max(0.5, q75 - q25);
  const chroma = Math.sqrt(Math.max(0.01, p.covariance[4] + p.covariance[8]));
  const t = (x: number) => 100 * Math.tanh(x);
  return {
    temperature: t((p.mean[2] - REFERENCE.b) / 20),
    tint: t((p.mean[1] - REFERENCE.a) / 12),
    saturation: t(1.2 * Math.log2(chroma / REFERENCE.chroma)),
    contrast: t(1.5 * Math.log2(iqr / REFERENCE.iqr)),
    highlights: t((qAt(L, 0.95) - REFERENCE.q95) / 12),
    shadows: t((qAt(L, 0.05) - REFERENCE.q05) / 12),
  };
}

const GRADE_KEYS = ["temperature", "tint", "saturation", "contrast", "highlights", "shadows"] as const;

function roundedGrade(g: ColorGrade): ColorGrade {
  const out = { ...g };
  for (const k of GRADE_KEYS) out[k] = soft(Math.atanh(Math.max(-0.999999, Math.min(0.999999, g[k] / 100))));
  return out;
}

/**
 * The parametric fallback's inverse: the forward-model grade (applyGrade) that moves a pixel
 * sample's numbers by `change` (target − source, per field). Solved numerically on the sample,
 * so it inverts the profile statistics above whatever the forward model's own scale.
 */
export function forwardGradeFor(
  sample: readonly [number, number, number][],
  change: ColorGrade,
  profileOf: (pts: readonly [number, number, number][]) => ColorProfile,
): ColorGrade {
  const base = rawGrade(profileOf(sample));
  const target = GRADE_KEYS.map((k) => clampGrade(base[k] + change[k]));
  const toGrade = (x: number[]) =>
    Object.fromEntries(GRADE_KEYS.map((k, i) => [k, x[i]])) as unknown as ColorGrade;
  // 1024 points decide six numbers well enough. Damped Gauss–Newton on the six fields with a
  // numerical Jacobian: the numbers are smooth in the forward parameters (tanh of statistics).
  const step = Math.max(1, Math.floor(sample.length / 1024));
  const sub = sample.filter((_, i) => i % step === 0);
  const LIMIT = 200; // forward parameters are internal, allowed past ±100 (never a StyleJSON value)
  const f = (x: number[]) => {
    const r = rawGrade(profileOf(sub.map((p) => applyGrade(toGrade(x), p[0], p[1], p[2]))));
    return GRADE_KEYS.map((k) => r[k]);
  };
  let x = GRADE_KEYS.map((k) => change[k]);
  let fx = f(x);
  const err = (v: number[]) => v.reduce((s, y, i) => s + (y - target[i]) ** 2, 0);
  let mu = 1e-3;
  for (let it = 0; it < 12 && err(fx) > 0.25; it++) {
    const J = GRADE_KEYS.map(() => new Array(6).fill(0)); // J[row = field][col = param]
    for (let j = 0; j < 6; j++) {
      const xp = x.slice();
      xp[j] += 2;
      const fp = f(xp);
      for (let i = 0; i < 6; i++) J[i][j] = (fp[i] - fx[i]) / 2;
    }
    const r = fx.map((y, i) => target[i] - y);
    const A = Array.from({ length: 6 }, (_, a) =>
      Array.from({ length: 6 }, (_, b) => J.reduce((s, row) => s + row[a] * row[b], 0) + (a === b ? mu : 0)),
    );
    const g = Array.from({ length: 6 }, (_, a) => J.reduce((s, row, i) => s + row[a] * r[i], 0));
    const next = solve(A, g).map((d, j) => Math.max(-LIMIT, Math.min(LIMIT, x[j] + d)));
    const fn = f(next);
    if (err(fn) < err(fx)) {
      x = next;
      fx = fn;
      mu = Math.max(1e-4, mu / 3);
    } else mu *= 10;
  }
  return toGrade(x);
}
