import { gatedLoudness, windowedLoudness } from "./loudness.js";

/**
 * The peak limiter the renderer uses (ffmpeg `alimiter`, auto level off) and a model of what it
 * costs in loudness, so that a one-pass render can still land on a loudness target whose gain
 * would push the true peak over the ceiling.
 *
 * The model runs on the source's 10 ms records (K-weighted mean square, sample peak), measured by
 * the analysis pass: for a gain that puts the loudest frame E dB over the ceiling, each frame needs
 * r = max(0, 20 log10(peak / max peak) + E) dB of gain reduction; the limiter holds it and lets go
 * exponentially with its release time (d_t = max(r_t, d_{t-1} e^(-10 ms / release))). The loss is
 * the integrated loudness (BS.1770 gating) with and without those reductions. Treating a frame's
 * reduction as uniform over its 10 ms overestimates the loss: against ffmpeg's alimiter on music,
 * speech and a 2 s clip with 2-14 dB of limiting the raw model read 1.06-1.19x the real loss, so
 * the curve is scaled by LOSS_CALIBRATION (loudness-roundtrip.test.ts prints the residual).
 *
 * The limiter runs at 192 kHz (4x oversampled, as loudnorm does), so that limiting sample peaks
 * also bounds the true peak; at the source's rate a 22 kHz voice overshot the ceiling by 1.8 dB.
 */
export const LIMITER = { attackMs: 5, releaseMs: 50 } as const;

/** Largest excess (dB over the ceiling) the loss curve covers; beyond, it is extrapolated. */
export const LIMITER_CURVE_MAX_DB = 24;
const LOSS_CALIBRATION = 0.9;
/** The rate the limiter runs at, and the output's rate after it. */
const OVERSAMPLED_RATE = 192000;
export const LIMITED_OUTPUT_RATE = 48000;

/**
 * A gain (dB) then ffmpeg's alimiter at a ceiling (dBFS), both oversampled. `level=0` keeps the
 * limiter's auto-gain off. Both run in double precision, alimiter's only format: letting ffmpeg 5.1
 * insert that conversion itself fails to configure behind other filters on a layout-less input.
 */
export function limitedGainFilters(gainDb: string, ceilingDbfs: number): string[] {
  const limit = Math.max(0.0625, Math.min(1, 10 ** (ceilingDbfs / 20)));
  return [
    `aresample=${OVERSAMPLED_RATE}`,
    "aformat=sample_fmts=dbl",
    `volume=${gainDb}dB:precision=double`,
    `alimiter=limit=${limit.toFixed(4)}:attack=${LIMITER.attackMs}:release=${LIMITER.releaseMs}:level=0`,
    `aresample=${LIMITED_OUTPUT_RATE}`,
  ];
}

/**
 * Loudness lost (LU, >= 0) to the limiter for each whole dB of excess 0..LIMITER_CURVE_MAX_DB,
 * from 10 ms records. Empty when nothing is measurable.
 */
export function limiterLossCurve(fine: {
  peak: readonly number[];
  kMeanSquare: readonly number[];
}): number[] {
  const { peak, kMeanSquare: k } = fine;
  const n = Math.min(peak.length, k.length);
  let maxPeak = 0;
  for (let i = 0; i < n; i++) if (peak[i] > maxPeak) maxPeak = peak[i];
  if (n < 40 || maxPeak <= 0) return [];
  const relDb = new Float64Array(n);
  for (let i = 0; i < n; i++) relDb[i] = peak[i] > 0 ? 20 * Math.log10(peak[i] / maxPeak) : -200;
  const decay = Math.exp(-10 / LIMITER.releaseMs);
  const integrated = (reductionDb: number): number | null => {
    const sub: number[] = [];
    let d = 0;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      d = Math.max(0, relDb[i] + reductionDb, d * decay);
      acc += k[i] * 10 ** (-d / 10);
      if (i % 10 === 9) {
        sub.push(acc / 10);
        acc = 0;
      }
    }
    return gatedLoudness(windowedLoudness(sub, 4), -10);
  };
  const base = integrated(Number.NEGATIVE_INFINITY);
  if (base === null) return [];
  const curve: number[] = [];
  for (let e = 0; e <= LIMITER_CURVE_MAX_DB; e++) {
    const l = integrated(e);
    curve.push(l === null ? 0 : Math.max(0, Math.round(LOSS_CALIBRATION * (base - l) * 100) / 100));
  }
  return curve;
}

/** The curve at any excess (dB): 0 at or below 0, linear between points, extrapolated past the end. */
export function limiterLoss(curve: readonly number[], excessDb: number): number {
  if (excessDb <= 0 || curve.length === 0) return 0;
  const last = curve.length - 1;
  if (excessDb >= last) {
    const slope = last > 0 ? curve[last] - curve[last - 1] : 1;
    return curve[last] + Math.max(0, slope) * (excessDb - last);
  }
  const i = Math.floor(excessDb);
  return curve[i] + (curve[i + 1] - curve[i]) * (excessDb - i);
}
