import { buildPyramid, estimateMotion, type PairMotion, type Pyramid } from "./global-motion.js";
import { SaliencyDetector } from "./saliency.js";
import { type SubjectDetection, SubjectDetector } from "./subject.js";

/**
 * Per-frame-pair global (camera) motion, estimated while the frames are decoded (pure, streaming,
 * constant memory apart from the output: 7 numbers per pair).
 *
 * Pair i is frame i → frame i+1. Each pair is fitted starting from the previous pair's motion
 * (camera motion is smooth), and when that fit is poor (under 80 % inliers) again from rest,
 * keeping the clearly better fit. The fit starts from rest, with no retry, after a textureless
 * pair and after a pair the caller flags as a possible cut (a pair across a cut gives a
 * meaningless start): exactly what a fit run after shot detection does after a pair it leaves
 * out. Which pairs lie across a cut or inside a gradual transition is only known once the whole
 * file is analysed; motion analysis leaves those pairs out afterwards.
 */
export const MIN_TEXTURE = 2;
const RETRY_INLIERS = 0.8;

/** Candidate subjects stored per pair: the strongest movers, then the most salient regions. */
export const MOTION_CANDIDATES = 3;
export const SALIENCY_CANDIDATES = 2;
const CANDIDATE_FIELDS = ["x", "y", "w", "h", "s"] as const;

/**
 * Values stored per pair, in this order (finest-level pixels of the analysis frame): the global
 * motion fit, then the subject candidates of the later frame, each centre, size and strength
 * (strength 0: none): MOTION_CANDIDATES of what moves unlike the camera (video/subject.ts),
 * strongest first, then SALIENCY_CANDIDATES of what stands out from the background
 * (video/saliency.ts).
 */
export const PAIR_FIELDS = [
  "tx",
  "ty",
  "a",
  "b",
  "inliers",
  "residual",
  "texture",
  ...Array.from({ length: MOTION_CANDIDATES }, (_, k) => CANDIDATE_FIELDS.map((f) => `m${k}${f}`)).flat(),
  ...Array.from({ length: SALIENCY_CANDIDATES }, (_, k) => CANDIDATE_FIELDS.map((f) => `s${k}${f}`)).flat(),
];
export const PAIR_STRIDE = PAIR_FIELDS.length;
const CANDIDATES_AT = 7;

export function pairAt(estimates: Float64Array, i: number): PairMotion {
  const o = i * PAIR_STRIDE;
  return {
    tx: estimates[o],
    ty: estimates[o + 1],
    a: estimates[o + 2],
    b: estimates[o + 3],
    inliers: estimates[o + 4],
    residual: estimates[o + 5],
    texture: estimates[o + 6],
  };
}

export interface SubjectCandidate extends SubjectDetection {
  /** "motion": it moves unlike the camera; "saliency": it stands out from the background. */
  cue: "motion" | "saliency";
}

/** The subject candidates in frame i+1 of pair i (none, or up to MOTION_CANDIDATES + SALIENCY_CANDIDATES). */
export function subjectsAt(estimates: Float64Array, i: number): SubjectCandidate[] {
  const out: SubjectCandidate[] = [];
  for (let k = 0; k < MOTION_CANDIDATES + SALIENCY_CANDIDATES; k++) {
    const o = i * PAIR_STRIDE + CANDIDATES_AT + 5 * k;
    const strength = estimates[o + 4];
    if (!(strength > 0)) continue;
    out.push({
      cue: k < MOTION_CANDIDATES ? "motion" : "saliency",
      cx: estimates[o],
      cy: estimates[o + 1],
      w: estimates[o + 2],
      h: estimates[o + 3],
      strength,
    });
  }
  return out;
}

export class MotionTracker {
  private prev: Pyramid | null = null;
  private last: PairMotion | undefined;
  private out: Float64Array;
  private n = 0;
  private readonly subjects: SubjectDetector;
  private readonly salient: SaliencyDetector;

  constructor(
    readonly width: number,
    readonly height: number,
    expectedFrames = 1,
  ) {
    this.out = new Float64Array(Math.max(1, expectedFrames) * PAIR_STRIDE);
    this.subjects = new SubjectDetector(width, height);
    this.salient = new SaliencyDetector(width, height);
  }

  /**
   * Adds the next frame's 8-bit luma plane (not retained) and estimates the pair it closes (its
   * global motion and its subject candidates; the salient ones only with the frame's `rgb`);
   * `restart`: the pair before that one may be a cut, so its motion is no start for this one.
   */
  push(luma: Uint8Array, restart = false, rgb?: Uint8Array): void {
    const cur = buildPyramid(luma, this.width, this.height);
    if (restart) this.last = undefined;
    const salient = rgb ? this.salient.detect(rgb, luma, SALIENCY_CANDIDATES) : [];
    if (this.prev) {
      let m = estimateMotion(this.prev, cur, this.last);
      if (this.last && m.inliers < RETRY_INLIERS) {
        const m0 = estimateMotion(this.prev, cur);
        if (m0.residual < m.residual * 0.9) m = m0;
      }
      this.last = m.texture < MIN_TEXTURE ? undefined : m;
      if ((this.n + 1) * PAIR_STRIDE > this.out.length) {
        const grown = new Float64Array(Math.ceil(this.out.length * 1.5) + PAIR_STRIDE);
        grown.set(this.out);
        this.out = grown;
      }
      const o = this.n * PAIR_STRIDE;
      this.out[o] = m.tx;
      this.out[o + 1] = m.ty;
      this.out[o + 2] = m.a;
      this.out[o + 3] = m.b;
      this.out[o + 4] = m.inliers;
      this.out[o + 5] = m.residual;
      this.out[o + 6] = m.texture;
      // across a possible cut the compensated difference is the whole frame, not a subject
      const movers =
        restart || m.texture < MIN_TEXTURE
          ? []
          : this.subjects.detect(this.prev.levels[0].img, cur.levels[0].img, m, MOTION_CANDIDATES);
      this.out.fill(0, o + CANDIDATES_AT, o + PAIR_STRIDE);
      const put = (d: SubjectDetection, slot: number) => {
        const p = o + CANDIDATES_AT + 5 * slot;
        this.out[p] = d.cx;
        this.out[p + 1] = d.cy;
        this.out[p + 2] = d.w;
        this.out[p + 3] = d.h;
        this.out[p + 4] = d.strength;
      };
      for (let k = 0; k < movers.length; k++) put(movers[k], k);
      for (let k = 0; k < salient.length; k++) put(salient[k], MOTION_CANDIDATES + k);
      this.n++;
    }
    this.prev = cur;
  }

  /** Pairs estimated so far. */
  get pairs(): number {
    return this.n;
  }

  /** The estimates, pairs × PAIR_STRIDE (a copy of exactly that length). */
  estimates(): Float64Array {
    return this.out.slice(0, this.n * PAIR_STRIDE);
  }
}

/** The estimates as bytes (float64, little-endian) for the features blob. */
export function encodeEstimates(estimates: Float64Array): Uint8Array {
  const bytes = new Uint8Array(estimates.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < estimates.length; i++) view.setFloat64(i * 8, estimates[i], true);
  return bytes;
}

export function decodeEstimates(bytes: Uint8Array): Float64Array {
  if (bytes.length % (8 * PAIR_STRIDE) !== 0) throw new Error("motion features blob: truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
