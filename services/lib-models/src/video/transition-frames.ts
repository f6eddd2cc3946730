/**
 * Frames kept for typing gradual transitions (pure, streaming, bounded).
 *
 * Shot detection finds gradual transitions only once the whole file is analysed, but their typing
 * (video/transition-typing.ts) needs the pixels of the frames inside them. So while decoding, each
 * frame's luma is halved (2×2 box: 64×36 from the 128×72 analysis frame, 2.3 kB) into a ring of the
 * last PRE frames, and the ring is kept (with the POST frames that follow) whenever a pair's content
 * change stands out of its causal baseline (a low percentile of the last BASE pairs) by TRIGGER:
 * a lower bar than any gradual transition passes, so every candidate's frames are there. At most
 * `budget` frames are kept in all (default 1500, ~3.5 MB at 64×36); past it no more are, and
 * typing falls back to the thumbnails for the rest.
 */
export const STORE_PRE = 14;
/** After the last trigger: a long wipe's content change falls into the causal baseline before it ends. */
export const STORE_POST = 24;
const BASE = 45;
const TRIGGER = 0.006;

export class TransitionFrameStore {
  readonly w: number;
  readonly h: number;
  private readonly ring: { frame: number; px: Uint8Array }[] = [];
  private readonly kept = new Map<number, Uint8Array>();
  private readonly recent: number[] = [];
  private keepUntil = -1;
  private n = 0;
  /** Whether the budget ran out (some candidates' frames are missing). */
  overflow = false;

  constructor(
    private readonly srcW: number,
    srcH: number,
    private readonly budget = 1500,
  ) {
    this.w = srcW >> 1;
    this.h = srcH >> 1;
  }

  /** The next frame's luma, and the content change of the pair it closes (0 for the first frame). */
  push(luma: Uint8Array, content: number): void {
    const k = this.n++;
    const px = new Uint8Array(this.w * this.h);
    const sw = this.srcW;
    for (let y = 0; y < this.h; y++)
      for (let x = 0; x < this.w; x++) {
        const i = 2 * y * sw + 2 * x;
        px[y * this.w + x] = (luma[i] + luma[i + 1] + luma[i + sw] + luma[i + sw + 1] + 2) >> 2;
      }
    if (k > 0) {
      const sorted = [...this.recent].sort((a, b) => a - b);
      const base = sorted.length ? sorted[Math.floor(0.2 * (sorted.length - 1))] : 0;
      if (content - base > TRIGGER) {
        this.keepUntil = k + STORE_POST;
        for (const r of this.ring) this.keep(r.frame, r.px);
        this.ring.length = 0;
      }
      this.recent.push(content);
      if (this.recent.length > BASE) this.recent.shift();
    }
    if (k <= this.keepUntil) this.keep(k, px);
    else {
      this.ring.push({ frame: k, px });
      if (this.ring.length > STORE_PRE) this.ring.shift();
    }
  }

  private keep(k: number, px: Uint8Array) {
    if (this.kept.has(k)) return;
    if (this.kept.size >= this.budget) {
      this.overflow = true;
      return;
    }
    this.kept.set(k, px);
  }

  /** Frame k's half-size luma, if kept. */
  get(k: number): Uint8Array | null {
    return this.kept.get(k) ?? null;
  }

  get size(): number {
    return this.kept.size;
  }
}
