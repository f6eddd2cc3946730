import type { Pacing } from "@clipzy/contracts";
import type { AudioAnalysis } from "../audio/analyzer.js";
import type { VideoAnalysis } from "../video/analysis.js";

/**
 * Pacing: how an edit spends its time, beyond the mean cut rate.
 *  - shot lengths: median and interquartile range of the shots between two edit points (the
 *    first and last shots are cut short by the clip's ends, so they count only when nothing else
 *    does);
 *  - the cut rate as a curve: edit points per 10 s in equal windows (CURVE_WINDOWS, fewer on
 *    short clips so a window holds ≥ 2.5 s);
 *  - acceleration: a least-squares line through shot length against the time the shot is
 *    centred on, as (rate at the end) / (rate at the start) of the clip: 1 is steady, 2 means the
 *    edit ends cutting twice as fast as it began (a trailer), 0.5 that it slows down;
 *  - on_beat_share: the share of edit points within ON_BEAT_MS of a beat of the music, null without
 *    beats. A gradual transition's edit point is its midpoint.
 */
export const CURVE_WINDOWS = 8;
export const ON_BEAT_MS = 50;
const MIN_WINDOW_SECONDS = 2.5;

export interface PacingInput {
  /** Edit points, seconds from the start, ascending. */
  editPoints: readonly number[];
  durationSeconds: number;
  /** Beat times (ms) of the music, or null when there is none. */
  beatsMs: readonly number[] | null;
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Fitted line y = a + b·x by least squares; null with fewer than 3 points or no spread in x. */
function fitLine(xs: readonly number[], ys: readonly number[]): { a: number; b: number } | null {
  const n = xs.length;
  if (n < 3) return null;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  if (sxx <= 1e-9) return null;
  const b = sxy / sxx;
  return { a: my - b * mx, b };
}

export function measurePacing({ editPoints, durationSeconds, beatsMs }: PacingInput): Pacing | null {
  if (!(durationSeconds > 0)) return null;
  const bounds = [0, ...editPoints.filter((t) => t > 0 && t < durationSeconds), durationSeconds];
  const shots = bounds.slice(1).map((end, i) => ({ start: bounds[i], end, len: end - bounds[i] }));
  const interior = shots.length > 2 ? shots.slice(1, -1) : shots;
  const lengths = interior.map((s) => s.len).sort((a, b) => a - b);

  const windows = Math.max(1, Math.min(CURVE_WINDOWS, Math.floor(durationSeconds / MIN_WINDOW_SECONDS)));
  const width = durationSeconds / windows;
  const counts = new Array<number>(windows).fill(0);
  for (const t of bounds.slice(1, -1)) counts[Math.min(windows - 1, Math.floor(t / width))]++;

  const fit = fitLine(
    interior.map((s) => (s.start + s.end) / 2 / durationSeconds),
    interior.map((s) => s.len),
  );
  let acceleration = 1;
  if (fit) {
    const startLen = fit.a;
    const endLen = fit.a + fit.b;
    // a line that reaches zero length inside the clip is extrapolation gone wrong: clamp
    const floor = Math.max(lengths[0] ?? 0, 1e-3) / 2;
    acceleration = Math.max(floor, startLen) / Math.max(floor, endLen);
  }

  let onBeat: number | null = null;
  const cuts = bounds.slice(1, -1);
  if (beatsMs && beatsMs.length > 0 && cuts.length > 0) {
    const near = cuts.filter((t) => nearestDistanceMs(beatsMs, t * 1000) <= ON_BEAT_MS).length;
    onBeat = near / cuts.length;
  }
  return {
    shot_seconds: {
      median: r3(quantile(lengths, 0.5)),
      iqr: r3(quantile(lengths, 0.75) - quantile(lengths, 0.25)),
    },
    cut_rate_curve: {
      window_seconds: r3(width),
      cuts_per_10s: counts.map((c) => r3((10 * c) / width)),
    },
    acceleration: r3(Math.min(10, Math.max(0.1, acceleration))),
    on_beat_share: onBeat === null ? null : r3(onBeat),
  };
}

/**
 * Signed offset `t` − the nearest of `sorted` (ascending; the earlier one on a tie), or null when
 * `sorted` is empty.
 */
export function nearestOffset(sorted: readonly number[], t: number): number | null {
  if (sorted.length === 0) return null;
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  const after = t - sorted[lo];
  if (lo === 0) return after;
  const before = t - sorted[lo - 1];
  return Math.abs(before) <= Math.abs(after) ? before : after;
}

/** Distance (ms) from `t` to the nearest of `sorted` (ascending). */
export function nearestDistanceMs(sorted: readonly number[], t: number): number {
  return Math.abs(nearestOffset(sorted, t) ?? Number.POSITIVE_INFINITY);
}

/** Edit points of an analysed video: hard cuts at their time, gradual transitions at their midpoint. */
export function editPointsOf(
  transitions: readonly { type: string; start_seconds: number; duration_seconds: number }[],
): number[] {
  return transitions
    .map((t) => (t.type === "cut" ? t.start_seconds : t.start_seconds + t.duration_seconds / 2))
    .sort((a, b) => a - b);
}

/** The pacing of an analysed video with its music (beats from the audio analysis, if any). */
export function pacingOf(video: VideoAnalysis, audio: AudioAnalysis | null): Pacing | null {
  const beats =
    audio && !audio.empty && audio.beats.length > 0 ? audio.beats.map((b) => b.time_s * 1000) : null;
  return measurePacing({
    editPoints: editPointsOf(video.transitions),
    durationSeconds: video.duration_seconds,
    beatsMs: beats,
  });
}

/**
 * Cut times (s) for an output of `seconds` that carry a pacing: K = round(seconds · cuts per 10 s
 * / 10) cuts (the cut frequency is kept), spaced so the cut rate grows as accelerationᵘ over the
 * output (u = 0 at the start, 1 at the end): cut j sits where the cumulative rate reaches
 * j / (K + 1). Acceleration 1 spaces them evenly.
 */
export function pacedCutTimes(seconds: number, cutsPer10s: number, acceleration = 1): number[] {
  const k = Math.max(0, Math.round((seconds * cutsPer10s) / 10));
  const a = Math.min(10, Math.max(0.1, acceleration));
  const at = (q: number) => (Math.abs(a - 1) < 1e-3 ? q : Math.log(1 + (a - 1) * q) / Math.log(a));
  return Array.from({ length: k }, (_, j) => at((j + 1) / (k + 1)) * seconds);
}
