import { contentDistance, type FrameSignature, histDistance } from "./frame-features.js";
import { classifyEasing, type Easing } from "./transition.js";
import { findBoundarySweeps, type StepFit, stepFit } from "./transition-boundary.js";
import {
  MAX_DRIFT,
  MAX_SHIFT,
  OTHER_RATIO,
  type TransitionFamily,
  type TypedTransition,
  type TypingInput,
  typeTransition,
} from "./transition-typing.js";

/**
 * Shot-boundary detection over per-frame features (pure).
 *
 * Pair i is the change from frame i−1 to frame i (i ≥ 1); signals index 0 is unused.
 * - Hard cuts: an adaptive (content-aware) detector in the spirit of PySceneDetect's
 *   AdaptiveDetector: the pair's luma difference and histogram difference are each divided by
 *   their mean over a window of neighbouring pairs (the largest neighbour left out, so a nearby cut
 *   does not mask this one); a cut needs either ratio ≥ CUT_RATIO above a floor. A candidate
 *   whose "before" frame reappears within FLASH_FRAMES frames is a flash, not a cut.
 * - Gradual transitions: twin comparison. A low threshold over a robust local baseline (a low
 *   percentile of the luma difference over ±BASELINE_WINDOW pairs) opens a candidate region; it is
 *   accepted when the accumulated change, measured directly between the frames either side,
 *   passes the cut threshold, and when the frames inside are explained by the two ends — either
 *   as a blend αA+βB (dissolve, fade through black) or cell by cell as A or B (wipe). Continuous
 *   camera motion is explained by neither, which is what keeps pans and zooms out. When the two ends
 *   look alike to the thumbnails and histograms (two shots of one palette and one kind of texture),
 *   a dissolve must also leave a residual after each pair's camera motion is compensated.
 */
export interface FeatureSeries {
  fps: number;
  count: number;
  /** Mean absolute luma difference of pair i (0..1). */
  mad: Float32Array;
  /** Share of pixels with a large luma change in pair i. */
  largeFrac: Float32Array;
  /** Histogram distance of pair i (0..1). */
  hist: Float32Array;
  /** Motion-robust content distance of pair i (thumbnails and histograms, 0..1). */
  content: Float32Array;
  /** Mean absolute luma residual of pair i (0..255) after compensating its global (camera) motion. */
  residual: Float32Array;
  sigs: FrameSignature[];
  /** The frames kept around candidate transitions, to type them by their pixels (else the thumbnails do). */
  typing?: TypingInput;
}

/** "other": a gradual transition that is neither a blend nor a wipe/slide (a zoom, a squeeze, …). */
export type TransitionKind = "cut" | "fade" | "dissolve" | "wipe" | "other";

export interface DetectedTransition {
  kind: TransitionKind;
  /** Cut: first frame of the new shot. Gradual: last frame of the outgoing shot before the change. */
  startFrame: number;
  /** Number of changed pairs (0 for a cut). */
  frames: number;
  startSeconds: number;
  durationSeconds: number;
  easing: Easing | null;
  /** How clearly the boundary stands out of its surroundings, 0..1. */
  clarity: number;
  /** Content distance between the frames on either side, 0..1. */
  change: number;
  /** Gradual: the outgoing / incoming side is black (a fade out / a fade in). */
  toBlack?: boolean;
  fromBlack?: boolean;
  /** Gradual, typed from the kept frames: what the pixels did (transition-typing.ts). */
  family?: TransitionFamily;
}

export interface Shot {
  startFrame: number;
  endFrame: number; // exclusive
  startSeconds: number;
  durationSeconds: number;
}

export const CUT_RATIO = 3;
const CUT_WINDOW = 5;
const MIN_MAD = 0.035;
const MIN_HIST = 0.12;
const FLASH_FRAMES = 8;
const BASELINE_WINDOW = 45;
const LOW_T = 0.012;
const MAX_RESIDUAL = 0.85;
const MIN_GRADUAL_HIST = 0.2;
const MIN_CHANGE = 0.08;
/** Blend residual ratio below which the frames inside are an unmistakable blend of the ends. */
const UNMISTAKABLE_BLEND = 0.4;
const MIN_UNEXPLAINED = 6;
const MERGE_GAP = 3;
/** A cut's step over the median pair of a region at which the region is that cut, not a gradual transition. */
const DOMINANT_STEP = 3;

/** Mean of the w pairs on one side of i (dir = −1 or +1), the largest left out. */
function sideMean(x: Float32Array, i: number, n: number, w: number, dir: -1 | 1): number {
  let s = 0;
  let c = 0;
  let mx = 0;
  for (let k = 1; k <= w; k++) {
    const j = i + dir * k;
    if (j < 1 || j >= n) break;
    s += x[j];
    c++;
    if (x[j] > mx) mx = x[j];
  }
  if (c > 2) {
    s -= mx;
    c--;
  }
  return c ? s / c : 0;
}

/** A spike stands out of BOTH sides (a step — the start of a dissolve, a pan — does not). */
function spikeRatio(x: Float32Array, i: number, n: number, eps: number): number {
  return x[i] / (Math.max(sideMean(x, i, n, CUT_WINDOW, -1), sideMean(x, i, n, CUT_WINDOW, 1)) + eps);
}

/**
 * Whether pair i may be a hard cut, judged from it and the pairs before it only (so while
 * decoding): detectCuts' test with the earlier side alone. A spike standing out of both sides
 * stands out of the earlier one, so every cut detectCuts reports satisfies this (the flash and
 * nearby-candidate rules only remove candidates). Same float32 values and arithmetic as detectCuts.
 */
export function mayBeCut(mad: readonly number[], hist: readonly number[], i: number): boolean {
  if (i < 1 || i >= mad.length) return false;
  const back = (x: readonly number[]) => {
    let s = 0;
    let c = 0;
    let mx = 0;
    for (let k = 1; k <= CUT_WINDOW; k++) {
      const j = i - k;
      if (j < 1) break;
      const v = Math.fround(x[j]);
      s += v;
      c++;
      if (v > mx) mx = v;
    }
    if (c > 2) {
      s -= mx;
      c--;
    }
    return c ? s / c : 0;
  };
  const p = Math.fround(mad[i]);
  const h = Math.fround(hist[i]);
  const byP = p >= MIN_MAD && p / (back(mad) + 0.004) >= CUT_RATIO;
  const byH = h >= MIN_HIST && p >= MIN_MAD / 2 && h / (back(hist) + 0.01) >= CUT_RATIO;
  return byP || byH;
}

export function detectCuts(f: FeatureSeries): DetectedTransition[] {
  const n = f.count;
  const cands: { i: number; score: number; clarity: number }[] = [];
  for (let i = 1; i < n; i++) {
    const p = f.mad[i];
    const h = f.hist[i];
    const rP = spikeRatio(f.mad, i, n, 0.004);
    const rH = spikeRatio(f.hist, i, n, 0.01);
    const byP = rP >= CUT_RATIO && p >= MIN_MAD;
    const byH = rH >= CUT_RATIO && h >= MIN_HIST && p >= MIN_MAD / 2;
    if (!byP && !byH) continue;
    const r = Math.max(byP ? rP : 0, byH ? rH : 0);
    cands.push({ i, score: r, clarity: Math.min(1, (r - 1) / (2 * CUT_RATIO)) });
  }
  const out: DetectedTransition[] = [];
  let suppressUntil = -1;
  for (let k = 0; k < cands.length; k++) {
    const { i, clarity } = cands[k];
    if (i <= suppressUntil) continue;
    // Flash: the frame before the event comes back shortly after it.
    const before = f.sigs[i - 1];
    const dCut = contentDistance(before, f.sigs[i]);
    let flashEnd = -1;
    for (let j = i + 1; j <= Math.min(n - 1, i + FLASH_FRAMES); j++) {
      if (contentDistance(before, f.sigs[j]) < 0.3 * dCut) {
        flashEnd = j;
        break;
      }
    }
    if (flashEnd >= 0) {
      suppressUntil = flashEnd;
      continue;
    }
    // Keep the strongest of candidates closer than 3 frames.
    const prev = out[out.length - 1];
    if (prev && i - prev.startFrame < 3) {
      if (cands[k].score <= (prev as DetectedTransition & { _s?: number })._s!) continue;
      out.pop();
    }
    const t: DetectedTransition & { _s?: number } = {
      kind: "cut",
      startFrame: i,
      frames: 0,
      startSeconds: i / f.fps,
      durationSeconds: 0,
      easing: null,
      clarity,
      change: dCut,
    };
    t._s = cands[k].score;
    out.push(t);
  }
  return out.map(({ _s, ...t }: DetectedTransition & { _s?: number }) => t);
}

function percentileOfWindow(x: Float32Array, lo: number, hi: number, q: number, buf: Float32Array): number {
  let m = 0;
  for (let j = lo; j <= hi; j++) buf[m++] = x[j];
  const v = buf.subarray(0, m).sort();
  return v[Math.min(m - 1, Math.floor(q * (m - 1)))];
}

interface BlendFit {
  alpha: number;
  beta: number;
  blendRes: number;
  switchRes: number;
  base: number;
}

/** Fits F ≈ αA + βB (α, β ≥ 0) on the rgb thumbnails, and the cell-wise "A or B" model. */
export function blendFit(F: Uint8Array, A: Uint8Array, B: Uint8Array): BlendFit {
  let aa = 0;
  let bb = 0;
  let ab = 0;
  let fa = 0;
  let fb = 0;
  for (let i = 0; i < F.length; i++) {
    aa += A[i] * A[i];
    bb += B[i] * B[i];
    ab += A[i] * B[i];
    fa += F[i] * A[i];
    fb += F[i] * B[i];
  }
  let alpha: number;
  let beta: number;
  const det = aa * bb - ab * ab;
  if (det > 1e-9 * aa * bb && det > 0) {
    alpha = (fa * bb - fb * ab) / det;
    beta = (fb * aa - fa * ab) / det;
  } else if (aa > 0) {
    // A and B are collinear (or B is black): one component spans the model.
    alpha = fa / aa;
    beta = 0;
  } else {
    // A is black (a fade in from black): F ≈ βB.
    alpha = 0;
    beta = bb > 0 ? fb / bb : 0;
  }
  if (alpha < 0) {
    alpha = 0;
    beta = bb > 0 ? Math.max(0, fb / bb) : 0;
  } else if (beta < 0) {
    beta = 0;
    alpha = aa > 0 ? Math.max(0, fa / aa) : 0;
  }
  let blendRes = 0;
  let switchRes = 0;
  let dA = 0;
  let dB = 0;
  for (let i = 0; i < F.length; i++) {
    blendRes += Math.abs(F[i] - alpha * A[i] - beta * B[i]);
    const ea = Math.abs(F[i] - A[i]);
    const eb = Math.abs(F[i] - B[i]);
    dA += ea;
    dB += eb;
    switchRes += ea < eb ? ea : eb;
  }
  return { alpha, beta, blendRes, switchRes, base: Math.min(dA, dB) };
}

export interface GradualOptions {
  /** Pairs that are hard cuts (excluded from gradual regions). */
  cutFrames?: ReadonlySet<number>;
  maxSeconds?: number;
}

export function detectGradual(
  f: FeatureSeries,
  opts: GradualOptions = {},
  /** Filled with the candidate regions refused, as [last frame before, last frame]. */
  refused: [number, number][] = [],
): DetectedTransition[] {
  const cutList = [...(opts.cutFrames ?? [])];
  const n = f.count;
  if (n < 6) return [];
  const cuts = new Set<number>(); // cuts may sit inside a gradual region (fade through white)
  const maxFrames = Math.round((opts.maxSeconds ?? 3) * f.fps);
  const base = new Float32Array(n);
  const buf = new Float32Array(2 * BASELINE_WINDOW + 1);
  const excess = new Float32Array(n);
  for (let i = 1; i < n; i++) {
    base[i] = percentileOfWindow(
      f.content,
      Math.max(1, i - BASELINE_WINDOW),
      Math.min(n - 1, i + BASELINE_WINDOW),
      0.2,
      buf,
    );
    excess[i] = cuts.has(i) ? 0 : f.content[i] - base[i];
  }
  // Low threshold on a lightly smoothed excess.
  const lowT = (i: number) => Math.max(LOW_T, 0.5 * base[i]);
  const sm = new Float32Array(n);
  for (let i = 1; i < n; i++) {
    let s = 0;
    let c = 0;
    for (let j = Math.max(1, i - 1); j <= Math.min(n - 1, i + 1); j++) {
      s += excess[j];
      c++;
    }
    sm[i] = s / c;
  }
  // Two hard cuts are two edits, never one transition, unless the frames between them pass through
  // black or white: a fade whose quick dip and the end of its ramp each jump like a cut.
  const validate = (i: number, j: number, halves = false) =>
    cutList.filter((c) => c >= i - 1 && c <= j + 1).length >= 2 && !throughBlackOrWhite(f, i, j)
      ? null
      : validateRegion(f, excess, i, j, maxFrames, opts.cutFrames, halves);
  const out: DetectedTransition[] = [];
  let i = 1;
  while (i < n) {
    if (!(sm[i] > lowT(i)) || cuts.has(i)) {
      i++;
      continue;
    }
    let j = i;
    let gap = 0;
    while (j + 1 < n && !cuts.has(j + 1) && (sm[j + 1] > lowT(j + 1) || gap < 1)) {
      if (sm[j + 1] > lowT(j + 1)) gap = 0;
      else gap++;
      j++;
    }
    while (j > i && !(sm[j] > lowT(j))) j--;
    const t = validate(i, j);
    if (!t) refused.push([i - 1, j]);
    if (t) {
      // A fade out, a short hold on black and a fade in are one fade through black.
      const prev = out[out.length - 1];
      if (prev?.toBlack && t.fromBlack && t.startFrame - (prev.startFrame + prev.frames) <= f.fps) {
        const frames = t.startFrame + t.frames - prev.startFrame;
        out[out.length - 1] = {
          ...prev,
          frames,
          durationSeconds: frames / f.fps,
          change: contentDistance(f.sigs[prev.startFrame], f.sigs[Math.min(n - 1, t.startFrame + t.frames)]),
          clarity: Math.min(prev.clarity, t.clarity),
          toBlack: false,
          fromBlack: false,
        };
      } else if (
        prev?.kind === "dissolve" &&
        t.kind === "dissolve" &&
        t.startFrame - (prev.startFrame + prev.frames) <= MERGE_GAP
      ) {
        // Halfway through a dissolve between two similar-textured shots the blend's histogram
        // hardly changes, so the dissolve reads as two, each from an end to the blend: one
        // blend of the outer ends explaining the whole span is one dissolve.
        const whole = validate(prev.startFrame + 1, t.startFrame + t.frames, true);
        if (whole) out[out.length - 1] = whole;
        else out.push(t);
      } else out.push(t);
    }
    i = j + 1;
  }
  return out;
}

const FADE_BLACK_LUMA = 0.06;

/** Whether the frames of pairs a..b reach black (or white) well below (above) both ends' mean luma. */
function throughBlackOrWhite(f: FeatureSeries, a: number, b: number): boolean {
  const luma = (k: number) => f.sigs[k].meanLuma;
  const ends = [luma(a - 1), luma(b)];
  let lo = 1;
  let hi = 0;
  for (let k = a; k < b; k++) {
    lo = Math.min(lo, luma(k));
    hi = Math.max(hi, luma(k));
  }
  return (
    (lo < FADE_BLACK_LUMA && lo < 0.5 * Math.min(...ends)) || (hi > 0.85 && hi > Math.max(...ends) + 0.15)
  );
}
const MIN_RAMP = 0.01;

function median(xs: number[]): number {
  const v = [...xs].sort((x, y) => x - y);
  return v.length ? v[v.length >> 1] : 0;
}

/**
 * Pairs a..b span a candidate that reaches black at its darkest frame m: extends the fade out
 * (pairs a..m, luma falling) back and the fade in (pairs m+1..b, luma rising) on while each pair's
 * luma step stays above 30% of that side's median step (and within lo..hi).
 */
function extendFadeRamps(f: FeatureSeries, a: number, b: number, lo: number, hi: number): [number, number] {
  const n = f.count;
  const luma = (k: number) => f.sigs[k].meanLuma;
  const dl = (k: number) => luma(k) - luma(k - 1);
  let m = a - 1;
  for (let k = a; k <= b; k++) if (luma(k) < luma(m)) m = k;
  if (luma(m) >= FADE_BLACK_LUMA) return [a, b];
  if (m - a + 1 >= 2) {
    const steps: number[] = [];
    for (let k = a; k <= m; k++) steps.push(-dl(k));
    const ramp = median(steps);
    if (ramp >= MIN_RAMP) while (a - 1 >= Math.max(1, lo) && -dl(a - 1) > 0.3 * ramp) a--;
  }
  if (b - m >= 2) {
    const steps: number[] = [];
    for (let k = m + 1; k <= b; k++) steps.push(dl(k));
    const ramp = median(steps);
    if (ramp >= MIN_RAMP) while (b + 1 <= Math.min(n - 1, hi) && dl(b + 1) > 0.3 * ramp) b++;
  }
  return [a, b];
}

/**
 * Whether pairs a..b changed more than camera motion explains: the residual of the global motion
 * fit stays at least twice its local level (a low percentile over ±BASELINE_WINDOW pairs) on
 * average and accumulates at least MIN_UNEXPLAINED luma levels above it. Over one scene a pan or a
 * zoom leaves the residual at its level, whatever the speed; a blend of two images raises it.
 */
function unexplainedByMotion(f: FeatureSeries, a: number, b: number): boolean {
  const n = f.count;
  const lo = Math.max(1, a - BASELINE_WINDOW);
  const hi = Math.min(n - 1, b + BASELINE_WINDOW);
  const level = percentileOfWindow(f.residual, lo, hi, 0.2, new Float32Array(hi - lo + 1));
  let inside = 0;
  for (let k = a; k <= b; k++) inside += f.residual[k];
  const len = b - a + 1;
  return inside >= 2 * level * len && inside - level * len >= MIN_UNEXPLAINED;
}

/** Whether the largest pair of a..b is a detected cut at DOMINANT_STEP × the median of the others or more. */
function dominantCut(excess: Float32Array, a: number, b: number, cutFrames: ReadonlySet<number>): boolean {
  let top = a;
  for (let k = a; k <= b; k++) if (excess[k] > excess[top]) top = k;
  if (!cutFrames.has(top)) return false;
  const others: number[] = [];
  for (let k = a; k <= b; k++) if (k !== top) others.push(Math.max(0, excess[k]));
  return excess[top] >= DOMINANT_STEP * median(others);
}

function validateRegion(
  f: FeatureSeries,
  excess: Float32Array,
  a0: number,
  b0: number,
  maxFrames: number,
  cutFrames: ReadonlySet<number> | undefined,
  /** a0..b0 spans two dissolves that meet halfway: the frames there differ from both ends. */
  halves = false,
): DetectedTransition | null {
  const n = f.count;
  // Refine the boundaries on the raw excess: pairs above 30% of the region's typical excess.
  const vals: number[] = [];
  for (let k = a0; k <= b0; k++) vals.push(excess[k]);
  vals.sort((x, y) => x - y);
  const level = vals[Math.floor(vals.length * 0.6)];
  const thr = Math.max(LOW_T / 2, 0.3 * level);
  let a = a0;
  let b = b0;
  while (a > 1 && a > a0 - 3 && excess[a - 1] > thr) a--;
  while (a < b && excess[a] <= thr) a++;
  while (b < n - 1 && b < b0 + 3 && excess[b + 1] > thr) b++;
  while (b > a && excess[b] <= thr) b--;
  // Through black the two sides change at their own rates: a fade in of calm content changes each
  // pair far less than a fade out of busy content, and the one level above would trim it. Luma
  // ramps are unambiguous there, so carry each side out to where its ramp ends.
  [a, b] = extendFadeRamps(f, a, b, a0 - 3, b0 + 3);
  const len = b - a + 1;
  if (len < 4 || len > maxFrames) return null;
  // A hard cut with some motion around it is one dominant step, not a spread-out change.
  let exMax = 0;
  let exAll = 0;
  for (let k = a; k <= b; k++) {
    exAll += Math.max(0, excess[k]);
    if (excess[k] > exMax) exMax = excess[k];
  }
  if (exMax > 0.6 * exAll) return null;
  const A = f.sigs[a - 1];
  const B = f.sigs[b];
  const change = contentDistance(A, B);
  let minLuma = 1;
  let maxLuma = 0;
  let blendRes = 0;
  let switchRes = 0;
  let baseSum = 0;
  const alphas: number[] = [];
  const betas: number[] = [];
  for (let k = a - 1; k <= b; k++) {
    const fit = blendFit(f.sigs[k].thumbRgb, A.thumbRgb, B.thumbRgb);
    alphas.push(fit.alpha);
    betas.push(fit.beta);
    if (k > a - 1 && k < b) {
      blendRes += fit.blendRes;
      switchRes += fit.switchRes;
      baseSum += fit.base;
      if (f.sigs[k].meanLuma < minLuma) minLuma = f.sigs[k].meanLuma;
      if (f.sigs[k].meanLuma > maxLuma) maxLuma = f.sigs[k].meanLuma;
    }
  }
  const la = A.meanLuma;
  const lb = B.meanLuma;
  const black = 0.06;
  const throughBlack = minLuma < 0.12 && minLuma < 0.5 * Math.min(la, lb);
  const throughWhite = maxLuma > 0.85 && maxLuma > Math.max(la, lb) + 0.15;
  const fadeLike = throughBlack || throughWhite || la < black || lb < black;
  const blendRatio = baseSum > 0 ? blendRes / baseSum : 1;
  const switchRatio = baseSum > 0 ? switchRes / baseSum : 1;
  // A flash or a wobble: the two ends look alike and nothing fades. Two similar-textured shots
  // (the same palette, the same kind of texture) look alike too to the thumbnails and histograms:
  // a dissolve between them still shows as an unmistakable blend that camera motion does not explain.
  if (
    change < MIN_CHANGE &&
    !(fadeLike && Math.max(la, lb) - Math.min(la, lb, minLuma) > MIN_CHANGE) &&
    (fadeLike || blendRatio > UNMISTAKABLE_BLEND || !(halves || unexplainedByMotion(f, a, b)))
  )
    return null;
  if (Math.min(blendRatio, switchRatio) > MAX_RESIDUAL) return null;
  // Camera motion over one scene keeps the colour distribution; a transition between two shots
  // rarely does unless the frames inside are an unmistakable blend.
  if (
    !fadeLike &&
    histDistance(A, B) < MIN_GRADUAL_HIST &&
    Math.min(blendRatio, switchRatio) > UNMISTAKABLE_BLEND
  )
    return null;
  // A hard cut with camera motion before or after it (a punch-in, then the window gliding): one
  // detected cut carrying several times the change of any typical pair inside. A dissolve or a
  // wipe spreads its change; only a fade through white may jump.
  if (!fadeLike && cutFrames && dominantCut(excess, a, b, cutFrames)) return null;
  let kind: TransitionKind;
  if (fadeLike) kind = "fade";
  else if (switchRatio < blendRatio) kind = "wipe";
  else kind = "dissolve";
  // Progress curve q: (1−α)/2 + β/2 covers dissolves (α=1−p, β=p) and fades through black.
  const q: number[] = [];
  for (let k = 0; k < alphas.length; k++) {
    let v: number;
    if (lb < black) v = 1 - alphas[k];
    else if (la < black) v = betas[k];
    else v = 0.5 * (1 - alphas[k]) + 0.5 * betas[k];
    q.push(Math.min(1, Math.max(0, v)));
  }
  if (!fadeLike && !throughWhite) {
    // A dissolve or wipe progresses; a cut followed by busy content jumps to the end at once.
    let maxJump = 0;
    for (let k = 1; k < q.length; k++) maxJump = Math.max(maxJump, Math.abs(q[k] - q[k - 1]));
    if (maxJump > 0.5 || q[1] > 0.6) return null;
  }
  let exSum = 0;
  let outside = 0;
  let oc = 0;
  for (let k = a; k <= b; k++) exSum += excess[k];
  for (let k = Math.max(1, a - 10); k < a; k++, oc++) outside += Math.abs(excess[k]);
  for (let k = b + 1; k <= Math.min(n - 1, b + 10); k++, oc++) outside += Math.abs(excess[k]);
  const inside = exSum / len;
  const clarity = Math.min(
    1,
    Math.max(0, 1 - (oc ? outside / oc : 0) / Math.max(1e-6, inside)) *
      (1 - Math.min(blendRatio, switchRatio)),
  );
  return {
    kind,
    startFrame: a - 1,
    frames: len,
    startSeconds: (a - 1) / f.fps,
    durationSeconds: len / f.fps,
    easing: classifyEasing(q),
    clarity,
    change,
    toBlack: lb < black,
    fromBlack: la < black,
  };
}

/**
 * Typing of pairs s+1..e, a wipe's or slide's span measured out to where it ends: the twin
 * comparison finds a long wipe short where the boundary passes content alike on both sides, and
 * then the frames just outside the detected span are still changing (typing's drift: no typing).
 * While an end drifts, that end of the window is moved out by MAX_SHIFT frames (as long as the
 * family holds, at most MAX_SWEEP_SECONDS in all); the span found is typed again as usual.
 */
export function typeSettled(inp: TypingInput, s: number, e: number, fps: number): TypedTransition | null {
  const first = typeTransition(inp, s, e);
  if (first) return first;
  let typed = typeTransition(inp, s, e, true);
  if (!typed || (typed.family !== "wipe" && typed.family !== "slide")) return null;
  const family = typed.family;
  for (let it = 0; it < 12 && Math.max(typed.drift.a, typed.drift.b) > MAX_DRIFT; it++) {
    const s1: number = typed.drift.a > MAX_DRIFT ? s - MAX_SHIFT : s;
    const e1: number = typed.drift.b > MAX_DRIFT ? e + MAX_SHIFT : e;
    if (s1 < 1 || e1 > inp.count - 2 || e1 - s1 > MAX_SWEEP_SECONDS * fps) return null;
    const next = typeTransition(inp, s1, e1, true);
    if (next?.family !== family) return null;
    [s, e, typed] = [s1, e1, next];
  }
  const at = typeTransition(inp, typed.startFrame, typed.startFrame + typed.frames);
  return at?.family === family ? at : null;
}

/**
 * A detected gradual transition typed, and its span measured, by its pixels (when its frames were
 * kept): a blend is a fade when it passes through black or white or starts or ends there, else a
 * dissolve; a wipe or a slide is a wipe; the rest is "other".
 */
function typeByPixels(f: FeatureSeries, g: DetectedTransition): DetectedTransition {
  const typed = f.typing && typeSettled(f.typing, g.startFrame, g.startFrame + g.frames, f.fps);
  if (!typed) return g;
  const kind: TransitionKind =
    typed.family === "blend"
      ? g.kind === "fade"
        ? "fade"
        : "dissolve"
      : typed.family === "other"
        ? "other"
        : "wipe";
  // A blend's span the detector measures already (through black or white by the luma ramps, to
  // ±1 frame; a dissolve by the excess over its baseline); a wipe's or slide's its moving edge.
  if (typed.family === "blend") return { ...g, kind, family: typed.family };
  return {
    ...g,
    kind,
    family: typed.family,
    startFrame: typed.startFrame,
    frames: typed.frames,
    startSeconds: typed.startFrame / f.fps,
    durationSeconds: typed.frames / f.fps,
    easing: typed.family === "other" ? g.easing : classifyEasing(typed.progress),
  };
}

/**
 * Wipes and slides the twin comparison missed, found by their moving boundary in the kept frames
 * (transition-boundary.ts): those overlapping no transition found already, with no cut inside,
 * and not typed by their pixels as clearly something else (a blend, or neither a blend nor a
 * switch: a blur, a zoom). Typing gives way when its ends drift (two shots of one kind of texture,
 * where the switch models cannot follow the texture and the boundary detector can). Then, over the
 * candidate regions the twin comparison refused and the boundary runs too short or too sparse to
 * pass (both merged when near), each pixel's single switch time is fitted (stepFit): accepted as a
 * wipe where the switch times spread over 3+ frames, smoothly across the frame, over at least
 * STEP_MIN_DISTINCT of it, leaving at most STEP_MAX_RESIDUAL of |A' − B'|, and not typed a blend.
 */
function sweepWipes(
  f: FeatureSeries,
  found: readonly DetectedTransition[],
  cuts: readonly DetectedTransition[],
  refused: readonly [number, number][] = [],
): DetectedTransition[] {
  if (!f.typing) return [];
  const out: DetectedTransition[] = [];
  const overlaps = (a: number, b: number, t: DetectedTransition) =>
    t.startFrame < b && t.startFrame + Math.max(1, t.frames) > a;
  // A transition joins two shots: each is seen for MIN_SIDE frames at least (at the clip's ends a
  // moving pattern has nothing to be compared against).
  const free = (a: number, b: number) =>
    a >= MIN_SIDE &&
    b <= f.count - 1 - MIN_SIDE &&
    !found.some((t) => overlaps(a, b, t)) &&
    !out.some((t) => overlaps(a, b, t)) &&
    !cuts.some((c) => c.startFrame > a && c.startFrame <= b);
  const wipe = (a: number, frames: number, progress: number[], clarity: number): DetectedTransition => ({
    kind: "wipe",
    family: "wipe",
    startFrame: a,
    frames,
    startSeconds: a / f.fps,
    durationSeconds: frames / f.fps,
    easing: classifyEasing(progress),
    clarity,
    change: contentDistance(f.sigs[a], f.sigs[Math.min(f.count - 1, a + frames)]),
  });
  const runs: [number, number][] = [];
  for (const sw of findBoundarySweeps(f.typing, undefined, runs)) {
    if (sw.frames > MAX_SWEEP_SECONDS * f.fps) continue;
    const a = sw.startFrame;
    const b = sw.startFrame + sw.frames;
    if (!free(a, b)) continue;
    const typed = typeTransition(f.typing, a, b);
    if (typed && (typed.family === "blend" || Math.min(typed.ratios.switch, typed.ratios.proj) > OTHER_RATIO))
      continue;
    // Drifting ends (typing gives none): the pixels must still each switch once, from A' to B'
    // (testsrc2's animation after a white flash moves boundaries too, leaving 0.59 of |A' − B'|).
    if (!typed && !switchesOnce(f.typing, a, b)) continue;
    out.push(wipe(a, sw.frames, sw.progress, Math.min(1, sw.coverage * sw.once)));
  }
  for (const [a, b] of mergeWindows([...refused, ...runs])) {
    const inp = f.typing;
    const [s0, e0] = stepWindow(inp, a, b);
    const st = stepFit(inp, s0, e0);
    if (!st || st.frames < 3 || st.frames > MAX_SWEEP_SECONDS * f.fps || !stepIsWipe(st)) continue;
    if (st.startFrame <= s0 || st.startFrame + st.frames >= e0) continue;
    if (!free(st.startFrame, st.startFrame + st.frames)) continue;
    // Its ends must stay themselves up to their camera motion (content that changes by itself,
    // an animated test pattern, switches its pixels smoothly too): typing refuses drifting ends.
    const typed = typeTransition(inp, st.startFrame, st.startFrame + st.frames);
    if (!typed || typed.family === "blend") continue;
    // The switch times leave out the pixels A' and B' share (one photograph's sky): the blocks'
    // progress, measured out to where it leaves 0 and reaches 1, spans the edge's whole path.
    if (typed?.family === "wipe" && free(typed.startFrame, typed.startFrame + typed.frames))
      out.push(wipe(typed.startFrame, typed.frames, typed.progress, Math.min(1, 1 - st.residual)));
    else out.push(wipe(st.startFrame, st.frames, st.progress, Math.min(1, 1 - st.residual)));
  }
  for (const [a, b] of slideCandidates(f.typing, f.fps)) {
    if (!free(a, b)) continue;
    const typed = typeTransition(f.typing, a, b, true);
    if (typed?.family !== "slide" || !sweeps(typed.progress)) continue;
    if (!free(typed.startFrame, typed.startFrame + typed.frames)) continue;
    out.push(wipe(typed.startFrame, typed.frames, typed.progress, 1 - typed.ratios.slide));
  }
  return out;
}

/** A slide's progress: from its start to its end, in steps of at most MAX_SLIDE_STEP. */
function sweeps(progress: readonly number[]): boolean {
  if (progress.length < 4 || progress[0] > 0.15 || progress[progress.length - 1] < 0.85) return false;
  for (let k = 1; k < progress.length; k++)
    if (Math.abs(progress[k] - progress[k - 1]) > MAX_SLIDE_STEP) return false;
  return true;
}

/**
 * Runs of pairs (at least 3, at most MAX_SWEEP_SECONDS) whose camera motion is fast against its
 * surroundings (SLIDE_SPEED × the median speed over ±SLIDE_WINDOW pairs, and SLIDE_MIN_SPEED
 * stored-frame pixels a pair): a slide moves both shots across the frame at once, which the motion
 * fit reads as a fast pan. Returned as [last frame before, last frame of the run].
 */
function slideCandidates(inp: TypingInput, fps: number): [number, number][] {
  const speed: number[] = [];
  for (let j = 0; j + 1 < inp.count; j++) {
    const m = inp.motion(j);
    speed.push(m ? Math.hypot(m.tx, m.ty) : 0);
  }
  const out: [number, number][] = [];
  const fast = (j: number) => {
    const lo = Math.max(0, j - SLIDE_WINDOW);
    const v = speed.slice(lo, Math.min(speed.length, j + SLIDE_WINDOW + 1)).sort((x, y) => x - y);
    return speed[j] >= SLIDE_MIN_SPEED && speed[j] >= SLIDE_SPEED * v[v.length >> 1];
  };
  let j = 0;
  while (j < speed.length) {
    if (!fast(j)) {
      j++;
      continue;
    }
    let e = j;
    while (e + 1 < speed.length && fast(e + 1)) e++;
    if (e - j + 1 >= 3 && e - j + 1 <= MAX_SWEEP_SECONDS * fps) out.push([j, e + 1]);
    j = e + 1;
  }
  return out;
}

/** Candidate windows (as [last frame before, last frame]) overlapping or within MERGE_GAP frames, merged. */
function mergeWindows(ws: readonly [number, number][]): [number, number][] {
  const v = [...ws].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of v) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + MERGE_GAP) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The window a..b with up to STEP_MARGIN kept frames either side. */
function stepWindow(inp: TypingInput, a: number, b: number): [number, number] {
  let s0 = a;
  let e0 = b;
  while (s0 > Math.max(0, a - STEP_MARGIN) && inp.frame(s0 - 1)) s0--;
  while (e0 < Math.min(inp.count - 1, b + STEP_MARGIN) && inp.frame(e0 + 1)) e0++;
  return [s0, e0];
}

const stepIsWipe = (st: StepFit) =>
  st.distinct >= STEP_MIN_DISTINCT && st.residual <= STEP_MAX_RESIDUAL && st.smooth >= STEP_MIN_SMOOTH;

/** Whether the pixels of a..b (with margins) each switch once from A' to B', smoothly (stepFit). */
function switchesOnce(inp: TypingInput, a: number, b: number): boolean {
  const st = stepFit(inp, ...stepWindow(inp, a, b));
  return !!st && st.frames >= 3 && stepIsWipe(st);
}

const MIN_SIDE = 4;
/** Frames either side of a step-fit window, so the switch times are measured whole. */
const STEP_MARGIN = 8;
const STEP_MIN_DISTINCT = 0.1;
const STEP_MAX_RESIDUAL = 0.2;
const STEP_MIN_SMOOTH = 0.8;
const MAX_SLIDE_STEP = 0.3;
const SLIDE_SPEED = 3;
const SLIDE_MIN_SPEED = 0.8;
const SLIDE_WINDOW = 25;

/** Longer runs of moving boundaries are content that moves by itself (a crowd, a cellular automaton). */
const MAX_SWEEP_SECONDS = 2;

/**
 * A long wipe between shots with stretches of alike content reads as pieces: the boundary passes
 * pixels that barely change, and the candidate regions break there. Wipes whose pieces lie within
 * MERGE_GAP frames, with no cut between and at most MAX_SWEEP_SECONDS in all, are one wipe over the
 * union (two edits are never that close), unless the pixels say the union is a blend.
 */
function joinWipePieces(
  f: FeatureSeries,
  gradual: readonly DetectedTransition[],
  cuts: readonly DetectedTransition[],
): DetectedTransition[] {
  const v = [...gradual].sort((x, y) => x.startFrame - y.startFrame);
  const out: DetectedTransition[] = [];
  for (const t of v) {
    const prev = out[out.length - 1];
    const end = t.startFrame + t.frames;
    const gap = prev ? t.startFrame - (prev.startFrame + prev.frames) : Number.POSITIVE_INFINITY;
    if (
      !prev ||
      prev.kind !== "wipe" ||
      t.kind !== "wipe" ||
      gap > MERGE_GAP ||
      end - prev.startFrame > MAX_SWEEP_SECONDS * f.fps ||
      cuts.some((c) => c.startFrame > prev.startFrame + prev.frames && c.startFrame <= t.startFrame)
    ) {
      out.push(t);
      continue;
    }
    const typed = f.typing && typeTransition(f.typing, prev.startFrame, end, true);
    if (typed?.family === "blend") {
      out.push(t);
      continue;
    }
    const frames = end - prev.startFrame;
    out[out.length - 1] = {
      ...prev,
      frames,
      durationSeconds: frames / f.fps,
      easing: typed ? classifyEasing(typed.progress) : prev.easing,
      clarity: Math.min(prev.clarity, t.clarity),
      change: contentDistance(f.sigs[prev.startFrame], f.sigs[Math.min(f.count - 1, end)]),
    };
  }
  return out;
}

/** Cuts and gradual transitions, in time order. */
export function detectTransitions(f: FeatureSeries): DetectedTransition[] {
  const cuts = detectCuts(f);
  const refused: [number, number][] = [];
  const gradual = detectGradual(f, { cutFrames: new Set(cuts.map((c) => c.startFrame)) }, refused).map((g) =>
    typeByPixels(f, g),
  );
  gradual.push(...sweepWipes(f, gradual, cuts, refused));
  const joined = joinWipePieces(f, gradual, cuts);
  // A cut inside a gradual transition is part of it (e.g. the jump of a fade through white).
  const kept = cuts.filter(
    (c) => !joined.some((g) => c.startFrame > g.startFrame && c.startFrame <= g.startFrame + g.frames),
  );
  return [...kept, ...joined].sort((x, y) => x.startFrame - y.startFrame);
}

/** Shots between boundaries (a cut's frame, or a gradual transition's middle). */
export function shotsFrom(transitions: readonly DetectedTransition[], count: number, fps: number): Shot[] {
  const bounds = transitions.map((t) =>
    t.kind === "cut" ? t.startFrame : t.startFrame + Math.round(t.frames / 2),
  );
  const edges = [0, ...bounds.filter((b) => b > 0 && b < count), count];
  const shots: Shot[] = [];
  for (let k = 0; k + 1 < edges.length; k++) {
    if (edges[k + 1] <= edges[k]) continue;
    shots.push({
      startFrame: edges[k],
      endFrame: edges[k + 1],
      startSeconds: edges[k] / fps,
      durationSeconds: (edges[k + 1] - edges[k]) / fps,
    });
  }
  return shots;
}
