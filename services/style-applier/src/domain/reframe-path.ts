/**
 * The reframing window's path along a tracked subject (pure): the window moves only as much as
 * it must to keep the subject inside it, with room for the track's own error.
 *
 * Per frame, where the subject is tracked (its centre c and size s, the track's points
 * interpolated; a frame more than MAX_POINT_GAP_SECONDS from any point is unconstrained), the
 * window's centre may lie anywhere in a corridor c ± SLACK_SHARE × (window − s)/2 (normalised
 * units; s at least the SIZE_QUANTILE of the segment's sizes, as a box may show only part of
 * the subject), within the frame. The path is the shortest line through that corridor (the "taut
 * string": straight where it can be, bending only where the corridor forces it), found by the
 * funnel algorithm, so its keyframes are its bends: few, and the window glides between them at
 * a constant speed. Its ends are flat (a free end gains nothing by moving). Half the slack is
 * given away (SLACK_SHARE 0.5), so a track that is off by up to the other half (the motion
 * detector's box lags half a frame; a plain subject's box is its edges') still keeps the subject
 * whole; a subject as large as the window pins the window to the track.
 */
import type { TrackPoint } from "./edit.js";

export const SLACK_SHARE = 0.3;
/** The corridor's least half-width (share of the frame): a subject as large as the window does not put a keyframe on every frame. */
export const MIN_HALF = 0.01;
/** The path may bend every this many seconds at most (on a curve it bends at every chance). */
export const KEY_STEP_SECONDS = 0.15;
/**
 * Keyframes a second at most, and over a whole edit: the render evaluates every keyframe on every
 * frame, and the graph is one command-line argument (Linux takes 128 KiB; 2400 keyframes of both
 * axes are about 80 KiB). Past the budget the bends are further apart: the corridor holds at
 * those frames, and between them the window moves in a straight line.
 */
export const MAX_KEYS_PER_SECOND = 1 / KEY_STEP_SECONDS;
export const MAX_EDIT_KEYS = 1200;
export const MAX_POINT_GAP_SECONDS = 0.5;
/** The subject's size in a frame: at least this quantile of its track's sizes over the segment. */
export const SIZE_QUANTILE = 0.8;
/** A path moving less than this (share of the frame) is no path: one centre frames it. */
export const MIN_PATH_SPAN = 0.01;

export interface PathKey {
  at: number;
  cx: number;
  cy: number;
}

/**
 * The window's keyframed path over a segment's source frames [from, to) (keyframe `at`: frames
 * from `from`), for a window of `window` (share of the source's width and height); null when
 * the subject is seen on none of them or the path hardly moves (under MIN_PATH_SPAN).
 */
export function subjectPath(
  points: readonly TrackPoint[],
  from: number,
  to: number,
  fps: number,
  window: { width: number; height: number } = { width: 1, height: 1 },
  keysPerSecond = MAX_KEYS_PER_SECOND,
): PathKey[] | null {
  const n = to - from;
  if (n < 2) return null;
  const track = trackAt(points, from, n, Math.max(1, Math.round(MAX_POINT_GAP_SECONDS * fps)));
  if (!track) return null;
  const axis = (key: "cx" | "cy", size: "w" | "h", win: number) => {
    // a box that shows only part of the subject (a plain subject's edge) is not its size: at
    // least the segment's SIZE_QUANTILE of them
    const sizes = track.flatMap((p) => (p ? [p[size]] : [])).sort((a, b) => a - b);
    const floor = sizes[Math.min(sizes.length - 1, Math.floor(SIZE_QUANTILE * sizes.length))];
    const lo = new Float64Array(n);
    const hi = new Float64Array(n);
    let sum = 0;
    let seen = 0;
    for (let f = 0; f < n; f++) {
      const p = track[f];
      if (!p) {
        lo[f] = win / 2;
        hi[f] = 1 - win / 2;
        continue;
      }
      sum += p[key];
      seen++;
      const half = Math.max(MIN_HALF, (SLACK_SHARE * (win - Math.max(floor, p[size]))) / 2);
      const a = Math.max(win / 2, p[key] - half);
      const b = Math.min(1 - win / 2, p[key] + half);
      // a subject at the frame's edge: the window as near it as the frame allows
      if (a <= b) [lo[f], hi[f]] = [a, b];
      else lo[f] = hi[f] = Math.min(1 - win / 2, Math.max(win / 2, p[key]));
    }
    // the corridor at every step-th frame (and the last): the path bends only there
    return tautString(
      frames.map((f) => lo[f]),
      frames.map((f) => hi[f]),
      sum / seen,
      frames,
    );
  };
  // keyframes every KEY_STEP_SECONDS at most, fewer when the budget asks
  const step = Math.max(1, Math.round(KEY_STEP_SECONDS * fps), Math.ceil(fps / keysPerSecond));
  const frames: number[] = [];
  for (let f = 0; f < n - 1; f += step) frames.push(f);
  frames.push(n - 1);
  const xs = axis("cx", "w", window.width);
  const ys = axis("cy", "h", window.height);
  const at = [...new Set([...xs, ...ys].map((k) => k.at))].sort((a, b) => a - b);
  const keys = at.map((a) => ({ at: a, cx: round4(lerpKeys(xs, a)), cy: round4(lerpKeys(ys, a)) }));
  const span = (k: "cx" | "cy") => Math.max(...keys.map((p) => p[k])) - Math.min(...keys.map((p) => p[k]));
  return span("cx") < MIN_PATH_SPAN && span("cy") < MIN_PATH_SPAN ? null : keys;
}

interface Seen {
  cx: number;
  cy: number;
  w: number;
  h: number;
}

/** The track at each of n frames from `from`: its points interpolated, null where none is within `gap`. */
function trackAt(
  points: readonly TrackPoint[],
  from: number,
  n: number,
  gap: number,
): (Seen | null)[] | null {
  const near = points
    .filter((p) => p.frame >= from - gap && p.frame < from + n + gap)
    .sort((a, b) => a.frame - b.frame);
  if (near.length === 0) return null;
  const out: (Seen | null)[] = [];
  let k = 0;
  let any = false;
  for (let f = from; f < from + n; f++) {
    while (k + 1 < near.length && near[k + 1].frame <= f) k++;
    const a = near[k];
    const b = near[k + 1];
    let s: Seen | null = null;
    if (a.frame <= f && b && b.frame - a.frame <= 2 * gap) {
      const t = (f - a.frame) / Math.max(1, b.frame - a.frame);
      const lerp = (key: keyof Seen) => a[key] + (b[key] - a[key]) * t;
      s = { cx: lerp("cx"), cy: lerp("cy"), w: lerp("w"), h: lerp("h") };
    } else {
      // before the first point, after the last, or across a long gap: the nearer point, if near
      const c = [a, b].filter((p) => p && Math.abs(p.frame - f) <= gap);
      const p = c.sort((x, y) => Math.abs(x!.frame - f) - Math.abs(y!.frame - f))[0];
      if (p) s = { cx: p.cx, cy: p.cy, w: p.w, h: p.h };
    }
    out.push(s);
    any ||= s !== null;
  }
  return any ? out : null;
}

function lerpKeys(keys: readonly { at: number; v: number }[], at: number): number {
  let i = 0;
  while (i + 1 < keys.length && keys[i + 1].at <= at) i++;
  const a = keys[i];
  const b = keys[i + 1];
  if (!b || a.at === at) return a.v;
  return a.v + ((b.v - a.v) * (at - a.at)) / (b.at - a.at);
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

/**
 * The shortest path x(f), f = 0..n−1 (at abscissae `xs`, increasing; 0..n−1 when absent), with
 * lo[f] ≤ x(f) ≤ hi[f] (lo ≤ hi), as its bends (and ends): piecewise linear between them. Its ends are free, so flat: it starts at the level the
 * corridor's first narrowing forces (the top of the common range when the corridor next rises
 * above it, its bottom when it falls), likewise at the end; a corridor with one level common to
 * all frames gives a flat path at the one nearest `prefer`.
 */
export function tautString(
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
  prefer: number,
  xs: ArrayLike<number> = Array.from({ length: lo.length }, (_, i) => i),
): { at: number; v: number }[] {
  const n = lo.length;
  const level = (order: number[]): number | null => {
    let L = Number.NEGATIVE_INFINITY;
    let U = Number.POSITIVE_INFINITY;
    for (const f of order) {
      if (lo[f] > U) return U;
      if (hi[f] < L) return L;
      L = Math.max(L, lo[f]);
      U = Math.min(U, hi[f]);
    }
    return null;
  };
  const order = Array.from({ length: n }, (_, f) => f);
  const y0 = level(order);
  if (y0 === null) {
    let L = Number.NEGATIVE_INFINITY;
    let U = Number.POSITIVE_INFINITY;
    for (let f = 0; f < n; f++) [L, U] = [Math.max(L, lo[f]), Math.min(U, hi[f])];
    const v = Math.min(U, Math.max(L, prefer));
    return n > 1
      ? [
          { at: xs[0], v },
          { at: xs[n - 1], v },
        ]
      : [{ at: xs[0], v }];
  }
  const yN = level(order.reverse())!;
  const low = (f: number) => (f === n - 1 ? yN : lo[f]);
  const high = (f: number) => (f === n - 1 ? yN : hi[f]);
  const out = [{ at: xs[0], v: y0 }];
  let ai = 0;
  let ay = y0;
  // the funnel from the apex: the tightest upper and lower slopes so far, and where they are
  let upS = Number.POSITIVE_INFINITY;
  let loS = Number.NEGATIVE_INFINITY;
  let upI = 0;
  let loI = 0;
  const bend = (i: number, v: number) => {
    out.push({ at: xs[i], v });
    [ai, ay] = [i, v];
    upS = Number.POSITIVE_INFINITY;
    loS = Number.NEGATIVE_INFINITY;
    return i + 1;
  };
  for (let f = 1; f < n; ) {
    const dx = xs[f] - xs[ai];
    const sU = (high(f) - ay) / dx;
    const sL = (low(f) - ay) / dx;
    // ties go to the farther point, so a straight stretch bends once, at its end
    if (sU <= upS) {
      // the corridor's top comes below the funnel's bottom edge: the path bends over that edge's point
      if (sU < loS) {
        f = bend(loI, low(loI));
        continue;
      }
      upS = sU;
      upI = f;
    }
    if (sL >= loS) {
      if (sL > upS) {
        f = bend(upI, high(upI));
        continue;
      }
      loS = sL;
      loI = f;
    }
    f++;
  }
  if (out[out.length - 1].at !== xs[n - 1]) out.push({ at: xs[n - 1], v: yN });
  return out;
}
