/**
 * CIELAB (D65) colour distributions of a clip: the perceptual space colour transfer is measured
 * and chosen in. Pixels are gamma-encoded sRGB (what the analysis decode gives), linearised with
 * the sRGB curve, to XYZ, to L*a*b*.
 *
 * A distribution is summarised as a ColorProfile: mean, covariance and QUANTILE_LEVELS marginal
 * quantiles of L, a and b. Wasserstein-1 between two 1-D distributions is ∫|F⁻¹(p) − G⁻¹(p)| dp,
 * so it is computed from the quantiles alone (mid-point rule over QUANTILE_LEVELS levels: exact to
 * within the spread of one 1/64 slice of each distribution).
 */
export const QUANTILE_LEVELS = 64;

export type Lab = [number, number, number];

export interface ColorProfile {
  /** CIELAB D65 from sRGB-encoded pixels. */
  space: "cielab-d65";
  /** Mean L*, a*, b*. */
  mean: number[];
  /** Row-major 3×3 covariance of (L, a, b). */
  covariance: number[];
  /** Marginal quantiles at p = (k + 0.5) / QUANTILE_LEVELS, k = 0..63. */
  quantiles: { L: number[]; a: number[]; b: number[] };
  /** Pixels the statistics were computed over. */
  pixels: number;
}

const LIN = new Float64Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  LIN[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}
const XN = 0.95047;
const ZN = 1.08883;
const EPS = 216 / 24389;
const KAPPA = 24389 / 27;
const f = (t: number) => (t > EPS ? Math.cbrt(t) : (KAPPA * t + 16) / 116);
const finv = (t: number) => (t * t * t > EPS ? t * t * t : (116 * t - 16) / KAPPA);

function linToLab(r: number, g: number, b: number, out: number[] | Lab): void {
  const x = f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / XN);
  const y = f(0.2126729 * r + 0.7151522 * g + 0.072175 * b);
  const z = f((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / ZN);
  out[0] = 116 * y - 16;
  out[1] = 500 * (x - y);
  out[2] = 200 * (y - z);
}

/** One 8-bit sRGB pixel to Lab. */
export function rgb8ToLab(r: number, g: number, b: number): Lab {
  const out: Lab = [0, 0, 0];
  linToLab(LIN[r], LIN[g], LIN[b], out);
  return out;
}

const encode = (c: number) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** sRGB-encoded 0..1 to Lab (for grid points, not 8-bit pixels). */
export function rgbToLab(r: number, g: number, b: number): Lab {
  const dec = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const out: Lab = [0, 0, 0];
  linToLab(dec(r), dec(g), dec(b), out);
  return out;
}

/** Lab to sRGB-encoded 0..1, clipped to the gamut (per channel, in linear light). */
export function labToRgb(L: number, a: number, b: number): [number, number, number] {
  const fy = (L + 16) / 116;
  const x = XN * finv(fy + a / 500);
  const y = L > KAPPA * EPS ? fy * fy * fy : L / KAPPA;
  const z = ZN * finv(fy - b / 200);
  const r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
  const g = -0.969266 * x + 1.8760108 * y + 0.041556 * z;
  const bl = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
  return [encode(clamp01(r)), encode(clamp01(g)), encode(clamp01(bl))];
}

const L_BINS = 400; // 0..100, 0.25 wide
const AB_BINS = 1024; // −128..128, 0.25 wide
const STRIDE = 3; // every third pixel of each analysed frame: the statistics need no more

/**
 * Streaming Lab statistics over the analysis frames (constant memory): marginal histograms and
 * first and second moments. Sampling every third pixel keeps the cost inside the decode pass's
 * budget; at 128×72 that is 3072 pixels a frame.
 */
export class LabAccumulator {
  private readonly hL = new Float64Array(L_BINS);
  private readonly ha = new Float64Array(AB_BINS);
  private readonly hb = new Float64Array(AB_BINS);
  private readonly s1 = [0, 0, 0];
  private readonly s2 = [0, 0, 0, 0, 0, 0]; // LL La Lb aa ab bb
  private n = 0;
  private readonly lab: Lab = [0, 0, 0];

  add(rgb: Uint8Array): void {
    const lab = this.lab;
    const { hL, ha, hb, s1, s2 } = this;
    for (let j = 0; j + 2 < rgb.length; j += 3 * STRIDE) {
      linToLab(LIN[rgb[j]], LIN[rgb[j + 1]], LIN[rgb[j + 2]], lab);
      const [L, a, b] = lab;
      hL[Math.min(L_BINS - 1, Math.max(0, Math.floor(L * 4)))]++;
      ha[Math.min(AB_BINS - 1, Math.max(0, Math.floor((a + 128) * 4)))]++;
      hb[Math.min(AB_BINS - 1, Math.max(0, Math.floor((b + 128) * 4)))]++;
      s1[0] += L;
      s1[1] += a;
      s1[2] += b;
      s2[0] += L * L;
      s2[1] += L * a;
      s2[2] += L * b;
      s2[3] += a * a;
      s2[4] += a * b;
      s2[5] += b * b;
      this.n++;
    }
  }

  profile(): ColorProfile {
    const n = Math.max(1, this.n);
    const m: Lab = [this.s1[0] / n, this.s1[1] / n, this.s1[2] / n];
    const c = (k: number, i: number, j: number) => this.s2[k] / n - m[i] * m[j];
    const cov = [
      c(0, 0, 0),
      c(1, 0, 1),
      c(2, 0, 2),
      c(1, 0, 1),
      c(3, 1, 1),
      c(4, 1, 2),
      c(2, 0, 2),
      c(4, 1, 2),
      c(5, 2, 2),
    ];
    return roundProfile({
      space: "cielab-d65",
      mean: m,
      covariance: cov,
      quantiles: {
        L: histQuantiles(this.hL, 0, 0.25),
        a: histQuantiles(this.ha, -128, 0.25),
        b: histQuantiles(this.hb, -128, 0.25),
      },
      pixels: this.n,
    });
  }
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

function roundProfile(p: ColorProfile): ColorProfile {
  return {
    ...p,
    mean: p.mean.map(r3) as Lab,
    covariance: p.covariance.map(r3),
    quantiles: { L: p.quantiles.L.map(r3), a: p.quantiles.a.map(r3), b: p.quantiles.b.map(r3) },
  };
}

export const levels = (k: number) => (k + 0.5) / QUANTILE_LEVELS;

/** Quantiles at the mid-point levels of a histogram (bin `i` covers lo + i·w .. lo + (i + 1)·w). */
function histQuantiles(hist: Float64Array, lo: number, w: number): number[] {
  let total = 0;
  for (const v of hist) total += v;
  const out: number[] = [];
  let acc = 0;
  let i = 0;
  for (let k = 0; k < QUANTILE_LEVELS; k++) {
    const target = levels(k) * total;
    while (i < hist.length - 1 && acc + hist[i] < target) acc += hist[i++];
    const frac = hist[i] > 0 ? (target - acc) / hist[i] : 0.5;
    out.push(lo + (i + Math.min(1, Math.max(0, frac))) * w);
  }
  return out;
}

/** Quantiles at the mid-point levels of a sample (sorted in place). */
export function sampleQuantiles(values: Float64Array): number[] {
  values.sort();
  const n = values.length;
  const out: number[] = [];
  for (let k = 0; k < QUANTILE_LEVELS; k++) {
    const x = levels(k) * n - 0.5;
    const i = Math.max(0, Math.min(n - 1, Math.floor(x)));
    const j = Math.min(n - 1, i + 1);
    const t = Math.max(0, Math.min(1, x - i));
    out.push(values[i] * (1 - t) + values[j] * t);
  }
  return out;
}

/** Lab quantiles of a set of Lab points. */
export function labQuantiles(points: readonly Lab[]): ColorProfile["quantiles"] {
  const ch = (c: number) => sampleQuantiles(Float64Array.from(points, (p) => p[c]));
  return { L: ch(0), a: ch(1), b: ch(2) };
}

/** Wasserstein-1 distance summed over L, a and b, in Lab units (ΔE-like). */
export function w1Lab(p: ColorProfile["quantiles"], q: ColorProfile["quantiles"]): number {
  let s = 0;
  for (const c of ["L", "a", "b"] as const)
    for (let k = 0; k < QUANTILE_LEVELS; k++) s += Math.abs(p[c][k] - q[c][k]);
  return s / QUANTILE_LEVELS;
}

/** The profile of a set of sRGB points (0..1), e.g. a pixel sample after a transfer. */
export function profileOfPoints(points: readonly [number, number, number][]): ColorProfile {
  const lab = points.map((p) =>
    rgb8ToLab(Math.round(p[0] * 255), Math.round(p[1] * 255), Math.round(p[2] * 255)),
  );
  const n = Math.max(1, lab.length);
  const mean: Lab = [0, 0, 0];
  for (const p of lab) for (let i = 0; i < 3; i++) mean[i] += p[i] / n;
  const covariance = new Array(9).fill(0);
  for (const p of lab)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) covariance[i * 3 + j] += ((p[i] - mean[i]) * (p[j] - mean[j])) / n;
  return { space: "cielab-d65", mean, covariance, quantiles: labQuantiles(lab), pixels: lab.length };
}
