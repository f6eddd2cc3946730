import { buildPyramid, estimateMotion, type PairMotion, type Pyramid } from "./global-motion.js";
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

/**
 * Values stored per pair, in this order (finest-level pixels of the analysis frame): the global
 * motion fit, then the moving subject of the later frame (video/subject.ts: centre, size,
 * strength; strength 0 when there is none).
 */
export const PAIR_FIELDS = [
  "tx",
  "ty",
  "a",
  "b",
  "inliers",
  "residual",
  "texture",
  "sx",
  "sy",
  "sw",
  "sh",
  "ss",
] as const;
export const PAIR_STRIDE = PAIR_FIELDS.length;

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

/** The subject detected in frame i+1 of pair i, or null. */
export function subjectAt(estimates: Float64Array, i: number): SubjectDetection | null {
  const o = i * PAIR_STRIDE;
  const strength = estimates[o + 11];
  if (!(strength > 0)) return null;
  return { cx: estimates[o + 7], cy: estimates[o + 8], w: estimates[o + 9], h: estimates[o + 10], strength };
}

export class MotionTracker {
  private prev: Pyramid | null = null;
  private last: PairMotion | undefined;
  private out: Float64Array;
  private n = 0;
  private readonly subjects: SubjectDetector;

  constructor(
    readonly width: number,
    readonly height: number,
    expectedFrames = 1,
  ) {
    this.out = new Float64Array(Math.max(1, expectedFrames) * PAIR_STRIDE);
    this.subjects = new SubjectDetector(width, height);
  }

  /**
   * Adds the next frame's 8-bit luma plane (not retained) and estimates the pair it closes (its
   * global motion and its moving subject);
   * `restart`: the pair before that one may be a cut, so its motion is no start for this one.
   */
  push(luma: Uint8Array, restart = false): void {
    const cur = buildPyramid(luma, this.width, this.height);
    if (restart) this.last = undefined;
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
      const subject =
        restart || m.texture < MIN_TEXTURE
          ? null
          : this.subjects.detect(this.prev.levels[0].img, cur.levels[0].img, m);
      this.out[o + 7] = subject?.cx ?? 0;
      this.out[o + 8] = subject?.cy ?? 0;
      this.out[o + 9] = subject?.w ?? 0;
      this.out[o + 10] = subject?.h ?? 0;
      this.out[o + 11] = subject?.strength ?? 0;
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
