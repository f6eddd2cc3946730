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
 *  4. Saturation: C' = P + (C − P)·(1 + s) about a chroma pivot P (s = −100 → every pixel P,
 *     +100 → twice the spread). P = 0 (grey) by default; the parametric fallback pivots about the
 *     sample's mean chroma after white balance (samplePivot), so a desaturation keeps the cast the
 *     white balance set, as the measured saturation (a spread about the mean) and temperature/tint
 *     (the mean) are separate numbers.
 *  5. Out = clamp01(y2 + C').
 * So ffmpeg `eq=contrast=k` is contrast ≈ 100·(k − 1) and `eq=saturation=k` (P = 0) is
 * saturation ≈ 100·(k − 1) in the forward parameters.
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

type Rgb = [number, number, number];
const GREY: Rgb = [0, 0, 0];

/** Forward model for one pixel (0..1 values), saturation about the chroma pivot P (grey by default). */
export function applyGrade(g: ColorGrade, r: number, gr: number, b: number, pivot: Rgb = GREY): Rgb {
  const [kR, kG, kB] = gradeGains(g.temperature, g.tint);
  const R = r * kR;
  const G = gr * kG;
  const B = b * kB;
  const Y = 0.299 * R + 0.587 * G + 0.114 * B;
  const y2 = toneCurve(Y, g.contrast, g.highlights, g.shadows);
  const k = 1 + g.saturation / 100;
  const [pR, pG, pB] = pivot;
  return [
    clamp01(y2 + pR + (R - Y - pR) * k),
    clamp01(y2 + pG + (G - Y - pG) * k),
    clamp01(y2 + pB + (B - Y - pB) * k),
  ];
}

/** The mean chroma C = RGB − Y of a sample after the grade's white balance (applyGrade's pivot). */
export function samplePivot(sample: readonly Rgb[], g: ColorGrade): Rgb {
  const [kR, kG, kB] = gradeGains(g.temperature, g.tint);
  const m: Rgb = [0, 0, 0];
  for (const [r, gr, b] of sample) {
    const R = r * kR;
    const G = gr * kG;
    const B = b * kB;
    const Y = 0.299 * R + 0.587 * G + 0.114 * B;
    m[0] += R - Y;
    m[1] += G - Y;
    m[2] += B - Y;
  }
  const n = Math.max(1, sample.length);
  return [m[0] / n, m[1] / n, m[2] / n];
}

/** The forward model over a whole sample, saturation about its own pivot (samplePivot). */
export function applyGradeToSample(g: ColorGrade, sample: readonly Rgb[]): Rgb[] {
  const pivot = samplePivot(sample, g);
  return sample.map((p) => applyGrade(g, p[0], p[1], p[2], pivot));
}

const clampGrade = (v: number) => Math.max(-100, Math.min(100, v));
const roundGrade = (v: number) => Math.round(clampGrade(v));

/**
 * THE six numbers, read from a clip's CIELAB profile, calibrated on real photographs (the eight
 * distinct colour scenes among scikit-image's sample photos: astronaut, chelsea, coffee, rocket,
 * motorcycle, hubble_deep_field, ihc, retina; test/grade-scale.test.ts measures them and checks
 * REFERENCE against them). Each is a statistic of the distribution against REFERENCE, the
 * photographs' typical value (median, or geometric mean for a ratio):
 *  - temperature: mean b* (blue − / yellow +) against the reference, through 100·tanh(Δ/24);
 *  - tint: mean a* (green − / magenta +), 100·tanh(Δ/30);
 *  - saturation: x = log2 of the chroma spread √(var a* + var b*) against the reference, through
 *    the ratio scale below (so a halving or doubling of the footage's chroma moves it by ≥ 10
 *    wherever 8-bit footage can carry it, nearly grey included); the spread about the mean colour,
 *    not about grey, so a cast (temperature, tint) does not read as saturation and the six numbers
 *    can be asked for independently;
 *  - contrast: x = log2 of the L* inter-quartile range against the reference, the ratio scale;
 *  - highlights: the 95th percentile of L* against the reference's, 100·tanh(Δ/44) below (down to
 *    the darkest photograph, a star field, at −83) and 100·tanh(Δ/22) above (q95 = 100 reads 86);
 *  - shadows: the 5th percentile of L*, 100·tanh(Δ/6.7) below (black at 5 % reads −80: real
 *    photographs often have it) and 100·tanh(Δ/30) above.
 * The ratio scale: f(x) = 34·x for x ≥ 0 and 14·x + 14·tanh(x/0.7) below (the same slope, 34 per
 * octave, at the reference; never under 14 per octave), then a soft knee past |f| = 90,
 * 90 + 10·tanh((|f| − 90)/10), so it stays inside ±100: a halving moves it by more than 10 for x
 * in −5.8..2.8 (chroma spread 0.25..100 ΔE, L* IQR 0.3..120), beyond which 8-bit footage carries
 * no more. Every number is monotonic in the strength of a look; only greyscale (a spread under
 * about 0.15 ΔE) or flat footage rounds to ±100, never a clamp inside that range.
 */
export const REFERENCE = { a: 10.6, b: 11.6, chroma: 14.0, iqr: 17.2, q05: 7.2, q95: 72.8 };

/** The widths (Δ for tanh(1)) of the difference-like fields, below and above the reference. */
export const GRADE_WIDTHS = {
  temperature: [24, 24],
  tint: [30, 30],
  highlights: [44, 22],
  shadows: [6.7, 30],
} as const;

/** Linear interpolation in a quantile list at level p. */
export function qAt(q: readonly number[], p: number): number {
  const x = Math.max(0, Math.min(q.length - 1, p * q.length - 0.5));
  const i = Math.min(q.length - 2, Math.floor(x));
  return q[i] + (q[i + 1] - q[i]) * (x - i);
}

/** Soft knee: the identity up to ±90, then 90 + 10·tanh((|v| − 90)/10), so never past ±100. */
const knee = (v: number) =>
  Math.abs(v) <= 90 ? v : Math.sign(v) * (90 + 10 * Math.tanh((Math.abs(v) - 90) / 10));

/** The ratio scale over x = log2(statistic / reference) (see above). */
export function ratioScale(x: number): number {
  return knee(x >= 0 ? 34 * x : 14 * x + 14 * Math.tanh(x / 0.7));
}

/** A difference-like field: 100·tanh(Δ / width), with its own width below and above. */
const diffScale = (d: number, [below, above]: readonly [number, number]) =>
  100 * Math.tanh(d / (d < 0 ? below : above));

/** The chroma spread √(var a* + var b*) of a profile (ΔE units). */
export function chromaSpread(p: ColorProfile): number {
  return Math.sqrt(Math.max(0, p.covariance[4] + p.covariance[8]));
}

/** The L* inter-quartile range of a profile. */
export function lumaIqr(p: ColorProfile): number {
  return qAt(p.quantiles.L, 0.75) - qAt(p.quantiles.L, 0.25);
}

export function gradeFromProfile(p: ColorProfile): ColorGrade {
  return roundedGrade(rawGrade(p));
}

/** The numbers before rounding (for inverting them smoothly). */
export function rawGrade(p: ColorProfile): ColorGrade {
  const L = p.quantiles.L;
  // Floors: chroma spread 0.05 ΔE (exact grey reads −100), IQR 0.25 (one histogram bin).
  const chroma = Math.max(0.05, chromaSpread(p));
  const iqr = Math.max(0.25, lumaIqr(p));
  const W = GRADE_WIDTHS;
  return {
    temperature: diffScale(p.mean[2] - REFERENCE.b, W.temperature),
    tint: diffScale(p.mean[1] - REFERENCE.a, W.tint),
    saturation: ratioScale(Math.log2(chroma / REFERENCE.chroma)),
    contrast: ratioScale(Math.log2(iqr / REFERENCE.iqr)),
    highlights: diffScale(qAt(L, 0.95) - REFERENCE.q95, W.highlights),
    shadows: diffScale(qAt(L, 0.05) - REFERENCE.q05, W.shadows),
  };
}

const GRADE_KEYS = ["temperature", "tint", "saturation", "contrast", "highlights", "shadows"] as const;

function roundedGrade(g: ColorGrade): ColorGrade {
  const out = { ...g };
  for (const k of GRADE_KEYS) out[k] = roundGrade(g[k]);
  return out;
}

/**
 * The parametric fallback's inverse: the forward-model grade (applyGradeToSample) that moves a pixel
 * sample's numbers by `change` (target − source, per field). Solved numerically on the sample,
 * so it inverts the profile statistics above whatever the forward model's own scale; `render`
 * is what the render makes of the model's output (the parametric transfer's fitted curves), so
 * the solve aims at what is rendered, not at the model.
 */
export function forwardGradeFor(
  sample: readonly [number, number, number][],
  change: ColorGrade,
  profileOf: (pts: readonly [number, number, number][]) => ColorProfile,
  render: (before: readonly Rgb[], after: Rgb[]) => Rgb[] = (_, after) => after,
): ColorGrade {
  const base = rawGrade(profileOf(sample));
  const target = GRADE_KEYS.map((k) => clampGrade(base[k] + change[k]));
  const toGrade = (x: number[]) =>
    Object.fromEntries(GRADE_KEYS.map((k, i) => [k, x[i]])) as unknown as ColorGrade;
  // 1024 points decide six numbers well enough. Damped Gauss–Newton on the six fields with a
  // numerical Jacobian: the numbers are smooth in the forward parameters (smooth scales of
  // statistics) above the sample's 8-bit and quantile steps, so the difference step is 6, not less.
  const H = 6;
  const step = Math.max(1, Math.floor(sample.length / 1024));
  const sub = sample.filter((_, i) => i % step === 0);
  // Forward parameters are internal, allowed past ±100 (never a StyleJSON value), but saturation
  // not under −100 (every pixel at the pivot: a negative factor would invert the chroma).
  const LIMIT = 200;
  const lower = GRADE_KEYS.map((k) => (k === "saturation" ? -100 : -LIMIT));
  const f = (x: number[]) => {
    const r = rawGrade(profileOf(render(sub, applyGradeToSample(toGrade(x), sub))));
    return GRADE_KEYS.map((k) => r[k]);
  };
  let x = GRADE_KEYS.map((k) => change[k]);
  let fx = f(x);
  const err = (v: number[]) => v.reduce((s, y, i) => s + (y - target[i]) ** 2, 0);
  let mu = 1e-3;
  for (let it = 0; it < 20 && err(fx) > 1; it++) {
    const J = GRADE_KEYS.map(() => new Array(6).fill(0)); // J[row = field][col = param]
    for (let j = 0; j < 6; j++) {
      const xp = x.slice();
      xp[j] += H;
      const fp = f(xp);
      for (let i = 0; i < 6; i++) J[i][j] = (fp[i] - fx[i]) / H;
    }
    const r = fx.map((y, i) => target[i] - y);
    const A = Array.from({ length: 6 }, (_, a) =>
      Array.from({ length: 6 }, (_, b) => J.reduce((s, row) => s + row[a] * row[b], 0) + (a === b ? mu : 0)),
    );
    const g = Array.from({ length: 6 }, (_, a) => J.reduce((s, row, i) => s + row[a] * r[i], 0));
    const next = solve(A, g).map((d, j) => Math.max(lower[j], Math.min(LIMIT, x[j] + d)));
    const fn = f(next);
    if (err(fn) < err(fx)) {
      x = next;
      fx = fn;
      mu = Math.max(1e-4, mu / 3);
    } else mu *= 10;
  }
  return toGrade(x);
}
