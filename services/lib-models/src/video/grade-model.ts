import type { ColorGrade } from "@clipzy/contracts";

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
 * Inverse (what the analyser reports): a grade is relative to NEUTRAL footage, defined by
 * reference statistics — grey-world mean colour, luma spread uniform over 0.06..0.94 and chroma
 * RMS REFERENCE_CHROMA_RMS around its mean. From a clip's luma histogram the tone parameters are
 * fitted so that T(reference quantiles) matches the observed quantiles; saturation is the ratio
 * of chroma RMS (about the mean) to the reference; temperature and tint come from the gains
 * g = 1 + slope of chroma against luma (grey world: a gain g turns a grey of luma Y into chroma
 * (g − 1)·Y), undone through saturation. For neutral
 * footage graded with this model the inverse is exact up to clipping; for other footage it
 * reports the footage's look relative to that neutral reference.
 */
export const KT = 0.5;
export const KM = 0.3;
export const KHS = 0.12;
export const PIVOT = 0.5;
/** Quantile levels of the luma distribution the tone fit matches. */
export const QUANTILES = [0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98];
/**
 * Luma quantiles of neutral footage: a broad, nearly uniform spread over 0.06..0.94, as measured
 * through the decode path (H.264 4:2:0, limited range, area scaling) on the synthetic neutral
 * scene of test-media.ts.
 */
export const REFERENCE_LUMA_QUANTILES = [
  0.0718, 0.0942, 0.1383, 0.2281, 0.3179, 0.4043, 0.4922, 0.5809, 0.6675, 0.7568, 0.8463, 0.89, 0.9168,
];
/** RMS of |C − mean C| of neutral footage (measured the same way on the same scene). */
export const REFERENCE_CHROMA_RMS = 0.122;

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

/** The forward model as a .cube 3D LUT (ffmpeg: `lut3d=file=grade.cube`). */
export function gradeToCube(grade: ColorGrade, size = 33): string {
  const lines = [
    `TITLE "clipzy grade ${JSON.stringify(grade).replace(/"/g, "")}"`,
    `LUT_3D_SIZE ${size}`,
    "DOMAIN_MIN 0 0 0",
    "DOMAIN_MAX 1 1 1",
  ];
  const d = size - 1;
  for (let bi = 0; bi < size; bi++)
    for (let gi = 0; gi < size; gi++)
      for (let ri = 0; ri < size; ri++) {
        const [r, g, b] = applyGrade(grade, ri / d, gi / d, bi / d);
        lines.push(`${r.toFixed(6)} ${g.toFixed(6)} ${b.toFixed(6)}`);
      }
  return lines.join("\n") + "\n";
}

/** Colour statistics of a clip, accumulated over every analysed pixel (see colour-stats.ts). */
export interface ColourSummary {
  /** Luma histogram, 256 bins (counts). */
  lumaHist: Float64Array;
  /** Mean chroma (R−Y, G−Y, B−Y) over pixels with luma in 0.03..0.97, 0..1 units. */
  chromaMean: [number, number, number];
  /** Least-squares slope of chroma against luma, Σ C·Y / Σ Y², over the same pixels. */
  chromaSlope: [number, number, number];
  /** RMS of |C − mean C| over the same pixels. */
  chromaRms: number;
  pixels: number;
}

export function histQuantile(hist: Float64Array, p: number): number {
  let total = 0;
  for (let i = 0; i < hist.length; i++) total += hist[i];
  const target = p * total;
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    if (acc + hist[i] >= target && hist[i] > 0) {
      const frac = (target - acc) / hist[i];
      return clamp01((i - 0.5 + frac) / (hist.length - 1));
    }
    acc += hist[i];
  }
  return 1;
}

export function nelderMead(f: (x: number[]) => number, x0: number[], step: number, iters = 300): number[] {
  const n = x0.length;
  let simplex = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const x = x0.slice();
    x[i] += step;
    simplex.push(x);
  }
  let vals = simplex.map(f);
  for (let it = 0; it < iters; it++) {
    const order = vals.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    simplex = order.map(([, i]) => simplex[i]);
    vals = order.map(([v]) => v);
    const c = new Array(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j] += simplex[i][j] / n;
    const worst = simplex[n];
    const xr = c.map((v, j) => v + (v - worst[j]));
    const fr = f(xr);
    if (fr < vals[0]) {
      const xe = c.map((v, j) => v + 2 * (v - worst[j]));
      const fe = f(xe);
      if (fe < fr) {
        simplex[n] = xe;
        vals[n] = fe;
      } else {
        simplex[n] = xr;
        vals[n] = fr;
      }
    } else if (fr < vals[n - 1]) {
      simplex[n] = xr;
      vals[n] = fr;
    } else {
      const xc = c.map((v, j) => v + 0.5 * (worst[j] - v));
      const fc = f(xc);
      if (fc < vals[n]) {
        simplex[n] = xc;
        vals[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i].map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j]));
          vals[i] = f(simplex[i]);
        }
      }
    }
    if (Math.abs(vals[n] - vals[0]) < 1e-12) break;
  }
  let best = 0;
  for (let i = 1; i <= n; i++) if (vals[i] < vals[best]) best = i;
  return simplex[best];
}

const clampGrade = (v: number) => Math.max(-100, Math.min(100, v));
const roundGrade = (v: number) => Math.round(clampGrade(v));

export interface GradeEstimate {
  grade: ColorGrade;
  /** RMS error of the tone fit on the luma quantiles (0..1 units): how well the model explains the clip. */
  toneResidual: number;
}

/** The inverse: the grade that turns neutral footage into footage with these statistics. */
export function estimateGrade(s: ColourSummary): GradeEstimate {
  const qObs = QUANTILES.map((p) => histQuantile(s.lumaHist, p));
  const qRef = REFERENCE_LUMA_QUANTILES;
  const penalty = (v: number) => (Math.abs(v) > 100 ? (Math.abs(v) - 100) ** 2 * 1e-4 : 0);
  const cost = (x: number[]) => {
    let e = 0;
    for (let k = 0; k < qRef.length; k++) e += (toneCurve(qRef[k], x[0], x[1], x[2]) - qObs[k]) ** 2;
    return e + penalty(x[0]) + penalty(x[1]) + penalty(x[2]);
  };
  let best = [0, 0, 0];
  let bestCost = cost(best);
  for (const start of [
    [0, 0, 0],
    [30, 0, 0],
    [-30, 0, 0],
    [0, 40, -40],
    [0, -40, 40],
  ]) {
    const x = nelderMead(cost, start, 20, 400);
    const cx = cost(x);
    if (cx < bestCost) {
      best = x;
      bestCost = cx;
    }
  }
  const [c, h, d] = best.map(clampGrade);
  const saturation = clampGrade(100 * (s.chromaRms / REFERENCE_CHROMA_RMS - 1));
  // Grey world under a gain model: chroma = (g − 1)·Y on average at every luma, so the
  // least-squares slope of chroma on luma is g − 1 (undone through saturation first).
  const k = Math.max(0.05, 1 + saturation / 100);
  const gR = Math.max(0.05, 1 + s.chromaSlope[0] / k);
  const gG = Math.max(0.05, 1 + s.chromaSlope[1] / k);
  const gB = Math.max(0.05, 1 + s.chromaSlope[2] / k);
  const temperature = (100 * Math.log2(gR / gB)) / (2 * KT);
  const tint = (-100 * Math.log2(gG / Math.sqrt(gR * gB))) / KM;
  return {
    grade: {
      temperature: roundGrade(temperature),
      tint: roundGrade(tint),
      saturation: roundGrade(saturation),
      contrast: roundGrade(c),
      highlights: roundGrade(h),
      shadows: roundGrade(d),
    },
    toneResidual: Math.sqrt(bestCost / qRef.length),
  };
}

export interface TransferPair {
  input: [number, number, number];
  output: [number, number, number];
}

/**
 * The grade of this model that best reproduces a measured colour transfer (input → output pairs,
 * 0..1). Used to state what an arbitrary ffmpeg filter does in this model's terms.
 */
export function fitGradeToTransfer(pairs: readonly TransferPair[]): ColorGrade {
  const cost = (x: number[]) => {
    const g: ColorGrade = {
      temperature: x[0],
      tint: x[1],
      saturation: x[2],
      contrast: x[3],
      highlights: x[4],
      shadows: x[5],
    };
    let e = 0;
    for (const p of pairs) {
      const o = applyGrade(g, p.input[0], p.input[1], p.input[2]);
      e += (o[0] - p.output[0]) ** 2 + (o[1] - p.output[1]) ** 2 + (o[2] - p.output[2]) ** 2;
    }
    let pen = 0;
    for (const v of x) if (Math.abs(v) > 100) pen += (Math.abs(v) - 100) ** 2;
    return e / pairs.length + pen * 1e-4;
  };
  let x = [0, 0, 0, 0, 0, 0];
  for (let r = 0; r < 4; r++) x = nelderMead(cost, x, r === 0 ? 20 : 5, 1500);
  return {
    temperature: roundGrade(x[0]),
    tint: roundGrade(x[1]),
    saturation: roundGrade(x[2]),
    contrast: roundGrade(x[3]),
    highlights: roundGrade(x[4]),
    shadows: roundGrade(x[5]),
  };
}
