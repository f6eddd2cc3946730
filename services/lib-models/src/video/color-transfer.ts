import type { ColorGrade } from "@clipzy/contracts";
import { applyGradeToSample, forwardGradeFor } from "./grade-model.js";
import {
  type ColorProfile,
  type Lab,
  labQuantiles,
  labToRgb,
  profileOfPoints,
  rgb8ToLab,
  w1Lab,
} from "./lab.js";
import { solve } from "./linalg.js";

/**
 * Colour transfer by distribution: one transfer for the whole job, from the source's colour
 * distribution to the template's, so it cannot flicker.
 *
 * Candidates, built in CIELAB from the two ColorProfiles:
 *  - "reinhard": per-channel mean and standard deviation (Reinhard et al. 2001);
 *  - "mkl": the Monge–Kantorovich linear map between the two Gaussians (mean and covariance),
 *    A = Σs^-½ (Σs^½ Σt Σs^½)^½ Σs^-½ (Pitié & Kokaram 2007; color-matcher's MKL);
 *  - "hm-mkl-hm": per-channel histogram matching, MKL, histogram matching again (color-matcher's
 *    compound).
 * Each is then put in the form the render applies cheaply: one monotone curve per Y, U and V
 * plane (ffmpeg `lutyuv`, a 256-entry table per plane, no RGB round trip), fitted by quantile
 * mapping of the source's pixel sample onto the candidate's output. The candidate whose rendered
 * form lands closest to the template (Wasserstein-1 summed over L, a, b, measured on the
 * sample) is chosen. Per-plane curves cannot mix channels: a transfer that rotates hues or makes
 * chroma depend on luma is approximated (the bench prints that error next to the exact 3D LUT's).
 *
 * YUV is BT.601 limited range, the convention of the analysis decode (rgb24 from swscale).
 */
export type TransferMethod = "reinhard" | "mkl" | "hm-mkl-hm";
export const TRANSFER_METHODS: TransferMethod[] = ["reinhard", "mkl", "hm-mkl-hm"];

/** Knots of the per-plane curves (8-bit code values); the last segment ends at 255. */
export const CURVE_KNOTS = [0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 255];

export interface YuvCurves {
  /** Output code at each of CURVE_KNOTS, for the Y, U and V planes. */
  y: number[];
  u: number[];
  v: number[];
}

export const IDENTITY_CURVES: YuvCurves = { y: [...CURVE_KNOTS], u: [...CURVE_KNOTS], v: [...CURVE_KNOTS] };

export interface ColorTransfer {
  /** "distribution": built from the template's colour_profile; "parametric": from the six grade numbers. */
  method: "distribution" | "parametric";
  /** The candidates the luma and the chroma curves were taken from (null for parametric). */
  candidate: { luma: TransferMethod; chroma: TransferMethod } | null;
  /** Every candidate's distance to the template (W1, Lab) as curves and as an exact 3D LUT would render it. */
  candidates: { method: TransferMethod; w1: number; w1_exact: number }[];
  curves: YuvCurves;
}

type Rgb = [number, number, number];
export type LabMap = (p: Lab) => Lab;

// ---------- YUV (BT.601, limited range, 8-bit codes) ----------
const KR = 0.299;
const KB = 0.114;
const KG = 1 - KR - KB;
/** rgb 0..1 → Y, U, V code values (floats). */
export function rgbToYuv(r: number, g: number, b: number): Rgb {
  const y = KR * r + KG * g + KB * b;
  return [16 + 219 * y, 128 + (224 * (b - y)) / (2 * (1 - KB)), 128 + (224 * (r - y)) / (2 * (1 - KR))];
}
const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
export function yuvToRgb(Y: number, U: number, V: number): Rgb {
  const y = (Y - 16) / 219;
  const pb = ((U - 128) / 224) * 2 * (1 - KB);
  const pr = ((V - 128) / 224) * 2 * (1 - KR);
  const r = y + pr;
  const b = y + pb;
  const g = (y - KR * r - KB * b) / KG;
  return [clamp01(r), clamp01(g), clamp01(b)];
}

// ---------- the per-plane curves, exactly as lutyuv tabulates them ----------
const PLANE_RANGE = { y: [16, 235], u: [16, 240], v: [16, 240] } as const;

/** The 256-entry table lutyuv computes for one plane (expression evaluated, truncated, clipped). */
export function curveTable(knots: readonly number[], plane: keyof YuvCurves): Uint8Array {
  const [lo, hi] = PLANE_RANGE[plane];
  const t = new Uint8Array(256);
  for (let v = 0; v < 256; v++) t[v] = Math.min(hi, Math.max(lo, Math.trunc(evalCurve(knots, v) + 0.5)));
  return t;
}

function evalCurve(knots: readonly number[], x: number): number {
  let k = 0;
  while (k < CURVE_KNOTS.length - 2 && x > CURVE_KNOTS[k + 1]) k++;
  const x0 = CURVE_KNOTS[k];
  const x1 = CURVE_KNOTS[k + 1];
  return knots[k] + ((knots[k + 1] - knots[k]) * (x - x0)) / (x1 - x0);
}

/**
 * `outer` after `inner`, in curve form: each plane's knots are the outer curve at the inner
 * curve's knot outputs, clipped to the plane's range as the inner table clips them (exact at the
 * knots; between them both are linear, so the composition is within the outer curve's bend over
 * one knot spacing). The closed loop composes a residual
 * measured on a rendered proxy onto the transfer it rendered.
 */
export function composeCurves(outer: YuvCurves, inner: YuvCurves): YuvCurves {
  const plane = (o: readonly number[], i: readonly number[], p: keyof YuvCurves) => {
    // the inner curve's output clipped to the plane's range first, as its table leaves the pixels
    const [lo, hi] = PLANE_RANGE[p];
    const v = i.map((x) => Math.round(evalCurve(o, Math.min(hi, Math.max(lo, x))) * 1000) / 1000);
    for (let k = 1; k < v.length; k++) v[k] = Math.max(v[k], v[k - 1]);
    return v;
  };
  return {
    y: plane(outer.y, inner.y, "y"),
    u: plane(outer.u, inner.u, "u"),
    v: plane(outer.v, inner.v, "v"),
  };
}

const num = (v: number) => (Math.round(v * 1e5) / 1e5).toString();

/**
 * The curve as an ffmpeg expression in `val`: a hinge sum (no commas, so it needs no escaping in
 * a filter graph), plus 0.5 so lutyuv's truncation rounds.
 */
function curveExpression(knots: readonly number[]): string {
  const slopes = CURVE_KNOTS.slice(1).map((x, k) => (knots[k + 1] - knots[k]) / (x - CURVE_KNOTS[k]));
  let e = `${num(knots[0] + 0.5)}+${num(slopes[0])}*val`;
  for (let k = 1; k < slopes.length; k++) {
    const d = (slopes[k] - slopes[k - 1]) / 2;
    if (Math.abs(d) < 1e-6) continue;
    const x = CURVE_KNOTS[k];
    e += `+${num(d)}*(val-${x}+abs(val-${x}))`;
  }
  return e.replace(/\+-/g, "-");
}

/** The render's colour filter: 8-bit limited-range YUV, then one table per plane. */
export function colorFilter(c: YuvCurves): string {
  return `format=yuv420p,lutyuv=y='${curveExpression(c.y)}':u='${curveExpression(c.u)}':v='${curveExpression(c.v)}'`;
}

/** The curves applied to one rgb pixel (0..1), as the render does (tables, interpolated between codes). */
export function applyCurves(tables: CurveTables, rgb: Rgb): Rgb {
  const yuv = rgbToYuv(rgb[0], rgb[1], rgb[2]);
  const look = (t: Uint8Array, v: number) => {
    const x = Math.max(0, Math.min(255, v));
    const i = Math.min(254, Math.floor(x));
    return t[i] + (t[i + 1] - t[i]) * (x - i);
  };
  return yuvToRgb(look(tables.y, yuv[0]), look(tables.u, yuv[1]), look(tables.v, yuv[2]));
}

export interface CurveTables {
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
}

export function curveTables(c: YuvCurves): CurveTables {
  return { y: curveTable(c.y, "y"), u: curveTable(c.u, "u"), v: curveTable(c.v, "v") };
}

/** The transfer as an Adobe/Resolve .cube 3D LUT (red fastest), exactly what the render applies. */
export function curvesToCube(c: YuvCurves, title: string, size = 33): string {
  const tables = curveTables(c);
  const lines = [
    `TITLE "${title.replace(/"/g, "")}"`,
    `LUT_3D_SIZE ${size}`,
    "DOMAIN_MIN 0 0 0",
    "DOMAIN_MAX 1 1 1",
  ];
  const d = size - 1;
  for (let bi = 0; bi < size; bi++)
    for (let gi = 0; gi < size; gi++)
      for (let ri = 0; ri < size; ri++) {
        const o = applyCurves(tables, [ri / d, gi / d, bi / d]);
        lines.push(`${o[0].toFixed(6)} ${o[1].toFixed(6)} ${o[2].toFixed(6)}`);
      }
  return `${lines.join("\n")}\n`;
}

// ---------- monotone maps from quantiles ----------
/**
 * Piecewise-linear monotone map taking quantiles xq to yq (same levels); beyond the ends it
 * continues with the overall slope, so an extreme pixel is neither clipped nor thrown.
 */
export function quantileMap(xq: readonly number[], yq: readonly number[]): (x: number) => number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < xq.length; k++) {
    if (xs.length && xq[k] <= xs[xs.length - 1] + 1e-9) {
      ys[ys.length - 1] = (ys[ys.length - 1] + yq[k]) / 2; // ties: one knot at their mean
      continue;
    }
    xs.push(xq[k]);
    ys.push(yq[k]);
  }
  const n = xs.length;
  if (n === 1) return (x) => x - xs[0] + ys[0];
  const slope = Math.min(5, Math.max(0.2, (ys[n - 1] - ys[0]) / (xs[n - 1] - xs[0])));
  return (x) => {
    if (x <= xs[0]) return ys[0] + (x - xs[0]) * slope;
    if (x >= xs[n - 1]) return ys[n - 1] + (x - xs[n - 1]) * slope;
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] <= x) lo = mid;
      else hi = mid;
    }
    return ys[lo] + ((ys[hi] - ys[lo]) * (x - xs[lo])) / (xs[hi] - xs[lo]);
  };
}

// ---------- 3×3 symmetric algebra ----------
type M3 = number[]; // row-major
const mul = (A: M3, B: M3): M3 => {
  const C = new Array(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) C[i * 3 + j] += A[i * 3 + k] * B[k * 3 + j];
  return C;
};

/** Eigen-decomposition of a symmetric 3×3 by Jacobi rotations: values and column eigenvectors. */
export function symEigen(S: M3): { values: number[]; vectors: M3 } {
  const a = S.slice();
  const v = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[1] ** 2 + a[2] ** 2 + a[5] ** 2;
    if (off < 1e-20) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      const apq = a[p * 3 + q];
      if (Math.abs(apq) < 1e-30) continue;
      const theta = (a[q * 3 + q] - a[p * 3 + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k * 3 + p];
        const akq = a[k * 3 + q];
        a[k * 3 + p] = c * akp - s * akq;
        a[k * 3 + q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p * 3 + k];
        const aqk = a[q * 3 + k];
        a[p * 3 + k] = c * apk - s * aqk;
        a[q * 3 + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k * 3 + p];
        const vkq = v[k * 3 + q];
        v[k * 3 + p] = c * vkp - s * vkq;
        v[k * 3 + q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: [a[0], a[4], a[8]], vectors: v };
}

/** S^power for a symmetric positive semi-definite S, eigenvalues floored at `floor`. */
export function symPow(S: M3, power: number, floor = 1): M3 {
  const { values, vectors: V } = symEigen(S);
  const d = values.map((x) => Math.max(floor, x) ** power);
  const out = new Array(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 3; k++) out[i * 3 + j] += V[i * 3 + k] * d[k] * V[j * 3 + k];
  return out;
}

/** The Monge–Kantorovich linear map between N(ms, Σs) and N(mt, Σt). */
export function mklMap(ms: readonly number[], Ss: M3, mt: readonly number[], St: M3): LabMap {
  const h = symPow(Ss, 0.5);
  const hi = symPow(Ss, -0.5);
  const A = mul(mul(hi, symPow(mul(mul(h, St), h), 0.5)), hi);
  return (p) => {
    const d = [p[0] - ms[0], p[1] - ms[1], p[2] - ms[2]];
    return [0, 1, 2].map((i) => mt[i] + A[i * 3] * d[0] + A[i * 3 + 1] * d[1] + A[i * 3 + 2] * d[2]) as Lab;
  };
}

export function reinhardMap(s: ColorProfile, t: ColorProfile): LabMap {
  const sd = (p: ColorProfile, i: number) => Math.sqrt(Math.max(1, p.covariance[i * 4]));
  const k = [0, 1, 2].map((i) => sd(t, i) / sd(s, i));
  return (p) => [0, 1, 2].map((i) => t.mean[i] + (p[i] - s.mean[i]) * k[i]) as Lab;
}

function channelMaps(from: ColorProfile["quantiles"], to: ColorProfile["quantiles"]): LabMap {
  const m = [quantileMap(from.L, to.L), quantileMap(from.a, to.a), quantileMap(from.b, to.b)];
  return (p) => [m[0](p[0]), m[1](p[1]), m[2](p[2])];
}

function moments(points: readonly Lab[]): { mean: Lab; cov: M3 } {
  const n = Math.max(1, points.length);
  const mean: Lab = [0, 0, 0];
  for (const p of points) for (let i = 0; i < 3; i++) mean[i] += p[i] / n;
  const cov = new Array(9).fill(0);
  for (const p of points)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) cov[i * 3 + j] += ((p[i] - mean[i]) * (p[j] - mean[j])) / n;
  return { mean, cov };
}

/** color-matcher's compound: histogram matching, MKL on the matched pixels, histogram matching again. */
export function hmMklHmMap(source: ColorProfile, sample: readonly Lab[], t: ColorProfile): LabMap {
  const hm1 = channelMaps(source.quantiles, t.quantiles);
  const s1 = sample.map(hm1);
  const m1 = moments(s1);
  const mkl = mklMap(m1.mean, m1.cov, t.mean, t.covariance);
  const hm2 = channelMaps(labQuantiles(s1.map(mkl)), t.quantiles);
  return (p) => hm2(mkl(hm1(p)));
}

// ---------- fitting the curves and choosing ----------
/** Decodes a packed rgb24 pixel sample. */
export function decodeSample(rgb: Uint8Array): Rgb[] {
  const out: Rgb[] = [];
  for (let i = 0; i + 2 < rgb.length; i += 3) out.push([rgb[i] / 255, rgb[i + 1] / 255, rgb[i + 2] / 255]);
  return out;
}

const FIT_LEVELS = 256;

/**
 * The knot values of a piecewise-linear curve through quantile pairs (x, y): least squares with a
 * small curvature penalty, so knots in code ranges with few pixels (gaps between a scene's parts,
 * the ends) follow their neighbours instead of a noisy quantile jump; then made monotone.
 */
function fitKnots(xs: readonly number[], ys: readonly number[]): number[] {
  const K = CURVE_KNOTS.length;
  const A = Array.from({ length: K }, () => new Array(K).fill(0));
  const rhs = new Array(K).fill(0);
  for (let i = 0; i < xs.length; i++) {
    const x = Math.max(0, Math.min(255, xs[i]));
    let k = 0;
    while (k < K - 2 && x > CURVE_KNOTS[k + 1]) k++;
    const t = (x - CURVE_KNOTS[k]) / (CURVE_KNOTS[k + 1] - CURVE_KNOTS[k]);
    const w = [1 - t, t];
    for (let a = 0; a < 2; a++) {
      rhs[k + a] += w[a] * ys[i];
      for (let c = 0; c < 2; c++) A[k + a][k + c] += w[a] * w[c];
    }
  }
  const lambda = 0.02 * xs.length;
  for (let k = 1; k < K - 1; k++) {
    const d = [k - 1, k, k + 1];
    const c = [1, -2, 1];
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) A[d[a]][d[b]] += lambda * c[a] * c[b];
  }
  const v = solve(A, rhs);
  for (let k = 1; k < K; k++) v[k] = Math.max(v[k], v[k - 1]);
  return v.map((x) => Math.round(x * 1000) / 1000);
}

/** Per-plane monotone curves taking the sample's Y, U, V marginals onto the transformed sample's. */
export function fitCurves(before: readonly Rgb[], after: readonly Rgb[]): YuvCurves {
  const q = (pts: readonly Rgb[], c: number) => {
    const v = Float64Array.from(pts, (p) => rgbToYuv(p[0], p[1], p[2])[c]).sort();
    return Array.from(
      { length: FIT_LEVELS },
      (_, k) => v[Math.min(v.length - 1, Math.floor(((k + 0.5) * v.length) / FIT_LEVELS))],
    );
  };
  const plane = (c: number) => fitKnots(q(before, c), q(after, c));
  return { y: plane(0), u: plane(1), v: plane(2) };
}

export const toLab = (p: Rgb) =>
  rgb8ToLab(Math.round(p[0] * 255), Math.round(p[1] * 255), Math.round(p[2] * 255));
const r2 = (v: number) => Math.round(v * 100) / 100;

/** Lab quantiles of the sample as the curves render it. */
export function renderedQuantiles(c: YuvCurves, sample: readonly Rgb[]): ColorProfile["quantiles"] {
  const tables = curveTables(c);
  return labQuantiles(sample.map((p) => toLab(applyCurves(tables, p))));
}

/** The three candidates as exact maps in Lab (the bench bakes them into 3D LUTs to compare). */
export function candidateMaps(
  source: ColorProfile,
  sampleLab: readonly Lab[],
  template: ColorProfile,
): Record<TransferMethod, LabMap> {
  return {
    reinhard: reinhardMap(source, template),
    mkl: mklMap(source.mean, source.covariance, template.mean, template.covariance),
    "hm-mkl-hm": hmMklHmMap(source, sampleLab, template),
  };
}

/**
 * The distribution transfer for a job: every candidate built, put in curve form, measured on the
 * source's pixel sample against the template's quantiles, the closest chosen.
 */
export function distributionTransfer(
  source: ColorProfile,
  sampleRgb: Uint8Array,
  template: ColorProfile,
): ColorTransfer {
  // Every fourth pixel of the sample (4096 of 16384) builds, fits and compares the candidates:
  // the curves need no more, and the stage stays short (it runs on the event loop).
  const sample = decodeSample(sampleRgb).filter((_, i) => i % 4 === 0);
  const sampleLab = sample.map(toLab);
  const maps = candidateMaps(source, sampleLab, template);
  const probe = sample;
  const fitted: { method: TransferMethod; curves: YuvCurves }[] = [];
  const candidates: ColorTransfer["candidates"] = [];
  for (const method of TRANSFER_METHODS) {
    const after = sampleLab.map((p) => {
      const o = maps[method](p);
      return labToRgb(o[0], o[1], o[2]);
    });
    const curves = fitCurves(sample, after);
    fitted.push({ method, curves });
    const w1 = w1Lab(renderedQuantiles(curves, probe), template.quantiles);
    const w1Exact = w1Lab(labQuantiles(after.map(toLab)), template.quantiles);
    candidates.push({ method, w1: r2(w1), w1_exact: r2(w1Exact) });
  }
  // The luma curve and the chroma curves may come from different candidates (a tone curve is
  // matched best by histogram matching, a cast by MKL): every pairing is measured.
  let best: { luma: TransferMethod; chroma: TransferMethod; curves: YuvCurves; w1: number } | null = null;
  for (const l of fitted)
    for (const c of fitted) {
      const curves = { y: l.curves.y, u: c.curves.u, v: c.curves.v };
      const w1 = w1Lab(renderedQuantiles(curves, probe), template.quantiles);
      if (!best || w1 < best.w1 - 1e-9) best = { luma: l.method, chroma: c.method, curves, w1 };
    }
  return {
    method: "distribution",
    candidate: { luma: best!.luma, chroma: best!.chroma },
    candidates,
    curves: best!.curves,
  };
}

/**
 * The fallback without a colour_profile: the parametric grade model's forward grade that moves
 * the source sample's six numbers by `change` (target − source), in curve form. The curves cannot
 * follow the model exactly (per plane, fitted to marginals), so the solve measures what the curves
 * fitted to each candidate grade render, not the model's own output.
 */
export function parametricTransfer(change: ColorGrade, sampleRgb: Uint8Array): ColorTransfer {
  const sample = decodeSample(sampleRgb);
  const throughCurves = (before: readonly Rgb[], after: Rgb[]) => {
    const tables = curveTables(fitCurves(before, after));
    return before.map((p) => applyCurves(tables, p));
  };
  const forward = forwardGradeFor(sample, change, profileOfPoints, throughCurves);
  const after = applyGradeToSample(forward, sample);
  return { method: "parametric", candidate: null, candidates: [], curves: fitCurves(sample, after) };
}

/** W1 of a pixel sample (as it is, or through curves) to a profile's quantiles. */
export function sampleDistance(sampleRgb: Uint8Array, to: ColorProfile, curves = IDENTITY_CURVES): number {
  return r2(w1Lab(renderedQuantiles(curves, decodeSample(sampleRgb)), to.quantiles));
}
