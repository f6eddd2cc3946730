import {
  blur,
  carriedEnds,
  compose,
  fromParams,
  inverse,
  type Sim,
  type TypingInput,
  warp,
} from "./transition-typing.js";

/**
 * A spatial-boundary detector for wipes and slides (pure), over the frames kept around candidate
 * transitions (video/transition-frames.ts, 64×36 luma).
 *
 * A wipe or a slide is a boundary moving across the frame: each pixel switches from the outgoing
 * shot to the incoming one once, when the boundary passes it, and the pixels switching in one pair
 * lie next to those that switched in the pair before. The global histogram and the thumbnails
 * hardly see that when the two shots are of one kind of texture (two windows of one photograph, two
 * textures of one palette); the pixels do. For every kept pair k (frame k−1 → k) the earlier frame
 * is carried along by the pair's camera motion and differenced with the later one (both blurred
 * 3×3); a pixel "switches" in pair k when its difference passes EVENT_FACTOR × the pair's median
 * difference (the noise and the camera motion's leftovers) and EVENT_MIN levels. Per pair:
 *  - share: the share of pixels switching;
 *  - fresh: the share of those that switched in none of the previous FRESH_WINDOW pairs (once);
 *  - touch: the share of those next to (within 2 pixels of) a pixel that switched in the pair
 *    before or the one before it (a boundary moving on, not noise scattered over the frame).
 * A sweep is a run of pairs, each with a band (MIN_SHARE ≤ share ≤ MAX_SHARE), fresh and touching,
 * that together switch at least MIN_COVERAGE of the frame. A hard cut switches the whole frame in
 * one pair (share above MAX_SHARE), a dissolve moves every pixel a little each pair (no pixel passes
 * the bar, or the same ones pass it again: not fresh), camera motion over one shot leaves noise
 * scattered over the frame (not touching, not covering).
 */
export interface PairSwitch {
  share: number;
  touch: number;
  /** The pair's median difference (0..255): the noise, or everything changing. */
  med: number;
  /** The pair's switching pixels (1) and the rest (0). */
  events: Uint8Array;
}

export interface BoundarySweep {
  /** Last frame before the boundary moves. */
  startFrame: number;
  /** Changed pairs. */
  frames: number;
  /** Share of the frame whose pixels switched once over the sweep. */
  coverage: number;
  /** Of the pixels that switched at all, the share that switched once (in one short episode). */
  once: number;
  /** Of neighbouring pixels that both switched once, the share that switched within a few pairs of each other. */
  smooth: number;
  /** Progress per frame from startFrame to startFrame + frames: the share switched so far. */
  progress: number[];
}

const ID: Sim = { m00: 1, m01: 0, m10: 0, m11: 1, tx: 0, ty: 0 };
/** Each frame is compared with the frame LAG before it: a soft edge's slow ramp adds up. */
const LAG = 2;
const EVENT_FACTOR = 3;
const EVENT_MIN = 10;
export const MIN_SHARE = 0.004;
export const MAX_SHARE = 0.5;
const MIN_TOUCH = 0.5;
const MIN_COVERAGE = 0.2;
const MIN_ONCE = 0.6;
const MIN_SMOOTH = 0.8;
const CALM = 2;
/** Inside the sweep a soft edge's ramp moves many pixels a little at once. */
const CALM_INSIDE = 3;
/** A pixel's switch may spread over this many pairs (the 3×3 blur, a soft edge) and still be once. */
const EPISODE = LAG + 2;

/** Per kept pair, the switching statistics (null where either frame is not kept). */
export function pairSwitches(inp: TypingInput): (PairSwitch | null)[] {
  const { w, h, count } = inp;
  const n = w * h;
  const out: (PairSwitch | null)[] = new Array(count).fill(null);
  const lastSwitch = new Int32Array(n).fill(-1_000_000);
  const carried = new Float32Array(n);
  const valid = new Uint8Array(n);
  const d = new Float32Array(n);
  const sorted = new Float32Array(n);
  // the last LAG frames (blurred) and the motion of the pairs between them
  const ring: { px: Uint8Array; motion: Sim }[] = [];
  for (let k = 0; k < count; k++) {
    const px = inp.frame(k);
    if (!px) {
      ring.length = 0;
      continue;
    }
    const cur = blur(px, w, h);
    const m = k > 0 ? inp.motion(k - 1) : null;
    const step = m ? fromParams(m) : ID;
    if (ring.length) {
      // frame k − lag carried to frame k: the pairs' motions composed
      let T = ID;
      for (let j = 1; j < ring.length; j++) T = compose(ring[j].motion, T);
      T = compose(step, T);
      const lagged = ring[0].px;
      warp(lagged, w, h, inverse(T), carried, valid);
      let nv = 0;
      for (let i = 0; i < n; i++) {
        d[i] = valid[i] ? Math.abs(cur[i] - carried[i]) : 0;
        if (valid[i]) sorted[nv++] = d[i];
      }
      const med = nv ? sorted.subarray(0, nv).sort()[nv >> 1] : 0;
      const bar = Math.max(EVENT_MIN, EVENT_FACTOR * med);
      const events = new Uint8Array(n);
      let ev = 0;
      let touch = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          if (!valid[i] || d[i] <= bar) continue;
          events[i] = 1;
          ev++;
          let near = false;
          for (let yy = Math.max(0, y - 2); yy <= Math.min(h - 1, y + 2) && !near; yy++)
            for (let xx = Math.max(0, x - 2); xx <= Math.min(w - 1, x + 2); xx++) {
              const age = k - lastSwitch[yy * w + xx];
              if (age >= 1 && age <= 2) {
                near = true;
                break;
              }
            }
          if (near) touch++;
        }
      for (let i = 0; i < n; i++) if (events[i]) lastSwitch[i] = k;
      out[k] = { share: ev / n, touch: ev ? touch / ev : 0, med, events };
    }
    ring.push({ px: cur, motion: step });
    if (ring.length > LAG) ring.shift();
  }
  return out;
}

const isBand = (p: PairSwitch | null) =>
  !!p && p.share >= MIN_SHARE && p.share <= MAX_SHARE && p.touch >= MIN_TOUCH;

/**
 * Pairs a..b as a sweep: per pixel, its switching pairs; it switched once when they all lie within
 * one episode of at most max(EPISODE, ⅓ of the run) pairs. Its switch time is the episode's middle.
 */
function sweepOf(switches: (PairSwitch | null)[], a: number, b: number, w: number, h: number): BoundarySweep {
  const n = w * h;
  const first = new Int32Array(n).fill(-1);
  const last = new Int32Array(n).fill(-1);
  for (let k = a; k <= b; k++) {
    const ev = switches[k]?.events;
    if (!ev) continue;
    for (let i = 0; i < n; i++)
      if (ev[i]) {
        if (first[i] < 0) first[i] = k;
        last[i] = k;
      }
  }
  const maxEp = Math.max(EPISODE, Math.round((b - a + 1) / 3));
  let any = 0;
  let once = 0;
  const at = new Float64Array(b - a + 2);
  for (let i = 0; i < n; i++) {
    if (first[i] < 0) continue;
    any++;
    if (last[i] - first[i] + 1 > maxEp) continue;
    once++;
    at[Math.round((first[i] + last[i]) / 2) - a + 1]++;
  }
  // The boundary is a line (or a curve) moving on: neighbours switch at nearly the same time.
  const near = Math.max(2, 0.15 * (b - a + 1));
  let pairs = 0;
  let close = 0;
  const T = (i: number) => (first[i] + last[i]) / 2;
  const isOnce = (i: number) => first[i] >= 0 && last[i] - first[i] + 1 <= maxEp;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!isOnce(i)) continue;
      for (const j of [x + 1 < w ? i + 1 : -1, y + 1 < h ? i + w : -1]) {
        if (j < 0 || !isOnce(j)) continue;
        pairs++;
        if (Math.abs(T(i) - T(j)) <= near) close++;
      }
    }
  const progress: number[] = [];
  let c = 0;
  for (let k = 0; k < at.length; k++) {
    c += at[k];
    progress.push(once ? c / once : 0);
  }
  return {
    startFrame: a - 1,
    frames: b - a + 1,
    coverage: once / n,
    once: any ? once / any : 0,
    smooth: pairs ? close / pairs : 0,
    progress,
  };
}

/**
 * Whether the pixels off the boundary stay still: the median pair difference inside a..b and in the
 * three pairs after it within CALM × its level around the run (the lower of the medians of the
 * eight pairs before and after) + 1. A blur, a dissolve or a zoom moves every pixel; a wipe only
 * those the boundary passes, and after it the incoming shot is just itself.
 */
function calmAround(switches: (PairSwitch | null)[], a: number, b: number): boolean {
  const meds = (lo: number, hi: number) => {
    const v: number[] = [];
    for (let k = Math.max(1, lo); k <= Math.min(switches.length - 1, hi); k++) {
      const p = switches[k];
      if (p) v.push(p.med);
    }
    return v.sort((x, y) => x - y);
  };
  const mid = (v: number[]) => (v.length ? v[v.length >> 1] : Number.POSITIVE_INFINITY);
  const level = Math.min(mid(meds(a - 8, a - 1)), mid(meds(b + 1, b + 8)));
  if (!Number.isFinite(level)) return false;
  const bar = CALM * level + 1;
  const inside = meds(a, b);
  const mean = inside.reduce((t, x) => t + x, 0) / Math.max(1, inside.length);
  return mean <= CALM_INSIDE * level + 2 && meds(b + 1, b + 3).every((m) => m <= bar);
}

/**
 * Runs of band pairs (gaps of up to two pairs bridged) whose pixels switch once over MIN_COVERAGE of
 * the frame. Every run of at least two pairs, accepted or not, is added to `runs` as [last frame
 * before, last frame] (candidates for stepFit).
 */
export function findBoundarySweeps(
  inp: TypingInput,
  switches = pairSwitches(inp),
  runs: [number, number][] = [],
): BoundarySweep[] {
  const out: BoundarySweep[] = [];
  const n = switches.length;
  let k = 1;
  while (k < n) {
    if (!isBand(switches[k])) {
      k++;
      continue;
    }
    let e = k;
    while (
      e + 1 < n &&
      (isBand(switches[e + 1]) ||
        (e + 2 < n && isBand(switches[e + 2]) && !!switches[e + 1]) ||
        (e + 3 < n && isBand(switches[e + 3]) && !!switches[e + 1] && !!switches[e + 2]))
    )
      e++;
    const sw = sweepOf(switches, k, e, inp.w, inp.h);
    const calm = calmAround(switches, k, e);
    if (e > k) runs.push([k - 1, e]);
    if (
      sw.coverage >= MIN_COVERAGE &&
      sw.once >= MIN_ONCE &&
      sw.smooth >= MIN_SMOOTH &&
      e - k + 1 >= 3 &&
      calm
    )
      out.push(sw);
    k = e + 1;
  }
  return out;
}

/**
 * Each pixel switching once, fitted directly (pure): over frames s0..e0 (all kept), the first frame
 * A and the last B carried along by each shot's camera motion (carriedEnds), every pixel where A'
 * and B' differ by at least STEP_DISTINCT levels is given the one switch time t (its last frame
 * still A') that best explains it as A' up to t and B' after (Σ|F − model| over the frames, by
 * prefix sums). A wipe of any shape, soft-edged or hard, between any two shots, however alike
 * their thumbnails: the switch times spread over the span and neighbours switch at nearly the same
 * time, and the step leaves little of |A' − B'|. A dissolve or a cut switches every pixel at one time
 * (no spread); a dissolve leaves a quarter of |A' − B'| in its frames; camera motion that the ends do
 * not follow (a pan changing speed) leaves switch times scattered, not smooth.
 */
export interface StepFit {
  /** Last frame before the first pixel switches (2nd percentile of the switch times). */
  startFrame: number;
  /** Changed pairs: to the 98th percentile. */
  frames: number;
  /** Share of the frame's pixels that tell A' and B' apart. */
  distinct: number;
  /** Step residual over the span's frames ÷ Σ|A' − B'| there. */
  residual: number;
  /** Of neighbouring distinct pixels, the share whose switch times are within max(2, ⅕ of the span). */
  smooth: number;
  /** Share switched so far, per frame from startFrame to startFrame + frames. */
  progress: number[];
}

const STEP_DISTINCT = 24;

export function stepFit(inp: TypingInput, s0: number, e0: number): StepFit | null {
  const ends = carriedEnds(inp, s0, e0);
  if (!ends) return null;
  const { w, h } = inp;
  const n = w * h;
  const K = e0 - s0 + 1;
  const { frames, A, B, valid } = ends;
  const t = new Int32Array(n).fill(-1);
  const ca = new Float64Array(K + 1);
  const cb = new Float64Array(K + 1);
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    let ok = true;
    let dab = 0;
    for (let k = 0; k < K && ok; k++) {
      if (!valid[k][i]) ok = false;
      dab += Math.abs(A[k][i] - B[k][i]);
    }
    if (!ok || dab < STEP_DISTINCT * K) continue;
    // ca[k]: Σ_{j<k} |F_j − A'_j|; cb[k]: Σ_{j≥k} |F_j − B'_j|
    for (let k = 0; k < K; k++) ca[k + 1] = ca[k] + Math.abs(frames[k][i] - A[k][i]);
    cb[K] = 0;
    for (let k = K - 1; k >= 0; k--) cb[k] = cb[k + 1] + Math.abs(frames[k][i] - B[k][i]);
    let best = 1;
    for (let k = 1; k < K; k++) if (ca[k] + cb[k] < ca[best] + cb[best]) best = k;
    t[i] = best - 1; // the last frame still A'
    ts.push(best - 1);
  }
  if (ts.length < 0.05 * n) return null;
  ts.sort((x, y) => x - y);
  const lo = ts[Math.floor(0.02 * (ts.length - 1))];
  const hi = ts[Math.ceil(0.98 * (ts.length - 1))];
  // residual over the span's frames
  let res = 0;
  let con = 0;
  for (let i = 0; i < n; i++) {
    if (t[i] < 0) continue;
    for (let k = lo + 1; k <= hi; k++) {
      res += Math.abs(frames[k][i] - (k <= t[i] ? A[k][i] : B[k][i]));
      con += Math.abs(A[k][i] - B[k][i]);
    }
  }
  const near = Math.max(2, 0.2 * (hi - lo + 1));
  let pairs = 0;
  let close = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (t[i] < 0) continue;
      for (const j of [x + 1 < w ? i + 1 : -1, y + 1 < h ? i + w : -1]) {
        if (j < 0 || t[j] < 0) continue;
        pairs++;
        if (Math.abs(t[i] - t[j]) <= near) close++;
      }
    }
  const progress: number[] = [];
  let c = 0;
  for (let k = lo, q = 0; k <= hi + 1; k++) {
    while (q < ts.length && ts[q] < k) {
      q++;
      c++;
    }
    progress.push(c / ts.length);
  }
  return {
    startFrame: s0 + lo,
    frames: Math.max(1, hi - lo + 1),
    distinct: ts.length / n,
    residual: con > 0 ? res / con : 1,
    smooth: pairs ? close / pairs : 0,
    progress,
  };
}
