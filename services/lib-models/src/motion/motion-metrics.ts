import type { PairMotion } from "../video/global-motion.js";

/**
 * From per-pair global motion to the StyleJSON motion fields (the documented scale the
 * style applier inverts):
 *  - camera speed v (frame widths per second) = fps · ( |t|/W + |ln s| + 0.5·|θ| ),
 *    t the translation in pixels, s the zoom scale, θ the rotation in radians;
 *  - each pair's motion is first the median of each of its components (t, ln s, θ) over the valid
 *    pairs within ±SPEED_SMOOTH_S (smoothMotion): a camera moves smoothly, while a still camera's
 *    estimates jitter around rest, with single-pair spikes where the encoder's quality steps;
 *  - motion_intensity = 100 · (1 − exp(−v̄ / V0)), v̄ the mean speed over valid pairs after a
 *    noise floor of SPEED_FLOOR is subtracted from each pair, V0 = 0.35 (a pan of a third of the
 *    frame per second reads about 60);
 *  - a pair is zooming when the zoom rate |ln s|·fps, its median over ±ZOOM_SMOOTH_S, exceeds
 *    ZOOM_MIN_RATE (1.2 % per second: a 1.1× zoom over 5 s is 1.9 %/s; still shots of real photos
 *    with noise and compression stay under 1 %/s); zoom_usage = 100 · zooming pairs / pairs outside
 *    transitions (analyze-motion.ts, zoomUsage).
 */
export const V0 = 0.35;
export const SPEED_FLOOR = 0.01;
export const ZOOM_MIN_RATE = 0.012;
export const ZOOM_SMOOTH_S = 0.5;
export const SPEED_SMOOTH_S = 0.25;

export function zoomScale(m: PairMotion): number {
  return Math.hypot(1 + m.a, m.b);
}

export function pairSpeed(m: PairMotion, width: number, fps: number): number {
  const t = Math.hypot(m.tx, m.ty) / width;
  const z = Math.abs(Math.log(zoomScale(m)));
  const r = Math.abs(Math.atan2(m.b, 1 + m.a));
  return fps * (t + z + 0.5 * r);
}

export function motionIntensity(speeds: readonly number[]): number {
  if (!speeds.length) return 0;
  let s = 0;
  for (const v of speeds) s += Math.max(0, v - SPEED_FLOOR);
  return 100 * (1 - Math.exp(-s / speeds.length / V0));
}

export interface ZoomSegment {
  direction: "in" | "out";
  start_seconds: number;
  duration_seconds: number;
  /** Mean zoom rate, scale change per second (ln units). */
  rate_per_second: number;
}

/** Per pair, the median of each motion component over the valid pairs within ±SPEED_SMOOTH_S. */
export function smoothMotion(pairs: readonly (PairMotion | null)[], fps: number): (PairMotion | null)[] {
  const r = Math.max(1, Math.round(SPEED_SMOOTH_S * fps));
  const med = (v: number[]) => v.sort((x, y) => x - y)[v.length >> 1];
  return pairs.map((p, i) => {
    if (!p) return null;
    const win: PairMotion[] = [];
    for (let j = Math.max(0, i - r); j <= Math.min(pairs.length - 1, i + r); j++) {
      const q = pairs[j];
      if (q) win.push(q);
    }
    return {
      ...p,
      tx: med(win.map((q) => q.tx)),
      ty: med(win.map((q) => q.ty)),
      a: med(win.map((q) => q.a)),
      b: med(win.map((q) => q.b)),
    };
  });
}

/** Smoothed zoom rate (ln scale per second) per pair; NaN where the pair is not valid. */
export function zoomRates(pairs: readonly (PairMotion | null)[], fps: number): Float64Array {
  const n = pairs.length;
  const raw = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    const p = pairs[i];
    if (p) raw[i] = Math.log(zoomScale(p)) * fps;
  }
  const r = Math.max(1, Math.round(ZOOM_SMOOTH_S * fps));
  const out = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(raw[i])) continue;
    const vals: number[] = [];
    for (let j = Math.max(0, i - r); j <= Math.min(n - 1, i + r); j++)
      if (!Number.isNaN(raw[j])) vals.push(raw[j]);
    vals.sort((x, y) => x - y);
    out[i] = vals[vals.length >> 1]; // median: robust to zoompan's rounding jitter
  }
  return out;
}

export function zoomSegments(rates: Float64Array, fps: number): ZoomSegment[] {
  const segs: ZoomSegment[] = [];
  let i = 0;
  while (i < rates.length) {
    const v = rates[i];
    if (Number.isNaN(v) || Math.abs(v) < ZOOM_MIN_RATE) {
      i++;
      continue;
    }
    const dir = v > 0 ? 1 : -1;
    let j = i;
    let sum = 0;
    while (j < rates.length && !Number.isNaN(rates[j]) && rates[j] * dir >= ZOOM_MIN_RATE) sum += rates[j++];
    segs.push({
      direction: dir > 0 ? "in" : "out",
      start_seconds: i / fps,
      duration_seconds: (j - i) / fps,
      rate_per_second: sum / (j - i),
    });
    i = j;
  }
  return segs;
}
