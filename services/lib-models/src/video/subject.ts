import type { MotionParams } from "./global-motion.js";

/**
 * The main moving subject of a frame pair: what moves unlike the camera (pure, typed arrays).
 *
 * With the pair's global motion known, the earlier frame is compared with the later one sampled
 * where the camera moved each point to (x' = (1+a)·x − b·y + tx, …, about the centre). What the
 * camera explains cancels; a subject moving on its own leaves a residual over its old and new
 * place. The residual is thresholded against its own noise floor (median + 4·MAD-σ, at least 10
 * luma levels), the mask closed by one cell, and the connected region with the most residual
 * energy is the subject: its weighted centre (mapped into the later frame) and its extent. It is
 * computed on every other pixel in each direction (a subject spans many), which keeps it at about
 * a tenth of the motion fit's cost.
 *
 * Approximate by design: the box covers the textured parts that moved (an untextured interior
 * does not show), and the centre is the midpoint of the old and new places, i.e. half a frame's
 * movement behind (a fraction of a pixel at the analysis size for ordinary motion).
 */
export interface SubjectDetection {
  /** Centre and size in pixels of the later frame. */
  cx: number;
  cy: number;
  w: number;
  h: number;
  /** 0..1: the region's share of all over-threshold energy × how far above the floor it stands. */
  strength: number;
}

const MIN_EXCESS = 10;
/** Smallest region, in grid cells (2×2 pixels each). */
const MIN_PIXELS = 3;
const BINS = 1024;

export class SubjectDetector {
  private readonly res: Float32Array;
  private readonly mask: Uint8Array;
  private readonly label: Int32Array;
  private readonly stack: Int32Array;
  private readonly values: Float32Array;
  private readonly hist = new Uint32Array(BINS);
  private readonly tmp: Uint8Array;

  /** The sampling grid: pixel (2·gx + 1, 2·gy + 1) for cell (gx, gy). */
  private readonly gw: number;
  private readonly gh: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.gw = Math.max(1, Math.floor((width - 1) / 2));
    this.gh = Math.max(1, Math.floor((height - 1) / 2));
    const n = this.gw * this.gh;
    this.res = new Float32Array(n);
    this.mask = new Uint8Array(n);
    this.label = new Int32Array(n);
    this.stack = new Int32Array(n);
    this.values = new Float32Array(n);
    this.tmp = new Uint8Array(n);
  }

  /** `prev`, `cur`: luma planes (any numeric array) of the pair; `m`: its global motion. */
  detect(prev: ArrayLike<number>, cur: ArrayLike<number>, m: MotionParams): SubjectDetection | null {
    const { width: w, height: h, gw, gh, res, mask } = this;
    const cx0 = (w - 1) / 2;
    const cy0 = (h - 1) / 2;
    const A = 1 + m.a;
    let n = 0;
    res.fill(0);
    for (let gy = 0; gy < gh; gy++) {
      const y = 2 * gy + 1;
      const yc = y - cy0;
      for (let gx = 0; gx < gw; gx++) {
        const x = 2 * gx + 1;
        const xc = x - cx0;
        const u = A * xc - m.b * yc + m.tx + cx0;
        const v = m.b * xc + A * yc + m.ty + cy0;
        if (u < 0 || v < 0 || u >= w - 1 || v >= h - 1) continue;
        const x0 = u | 0;
        const y0 = v | 0;
        const fx = u - x0;
        const fy = v - y0;
        const k = y0 * w + x0;
        const top = cur[k] + fx * (cur[k + 1] - cur[k]);
        const bot = cur[k + w] + fx * (cur[k + w + 1] - cur[k + w]);
        const e = Math.abs(top + fy * (bot - top) - prev[y * w + x]);
        res[gy * gw + gx] = e;
        this.values[n++] = e;
      }
    }
    if (n < gw * gh * 0.25) return null;
    // median and MAD from a histogram of the residuals (1/4 luma level bins): O(n), no sort
    const hist = this.hist;
    hist.fill(0);
    for (let i = 0; i < n; i++) hist[Math.min(BINS - 1, (this.values[i] * 4) | 0)]++;
    const median = histMedian(hist, n) / 4;
    hist.fill(0);
    for (let i = 0; i < n; i++) hist[Math.min(BINS - 1, (Math.abs(this.values[i] - median) * 4) | 0)]++;
    const sigma = (1.4826 * histMedian(hist, n)) / 4;
    const threshold = median + Math.max(4 * sigma, MIN_EXCESS);

    // mask, closed by one cell (dilate then erode) so a subject's fragments join
    for (let i = 0; i < gw * gh; i++) mask[i] = res[i] > threshold ? 1 : 0;
    const closed = this.close(mask);

    // connected regions (4-neighbour) by flood fill; keep the one with the most energy
    const { label, stack } = this;
    label.fill(0);
    let best = { energy: 0, sx: 0, sy: 0, minX: 0, maxX: 0, minY: 0, maxY: 0, count: 0 };
    let total = 0;
    let next = 0;
    for (let s = 0; s < gw * gh; s++) {
      if (!closed[s] || label[s]) continue;
      next++;
      let top = 0;
      stack[top++] = s;
      label[s] = next;
      const r = { energy: 0, sx: 0, sy: 0, minX: gw, maxX: 0, minY: gh, maxY: 0, count: 0 };
      while (top > 0) {
        const p = stack[--top];
        const px = p % gw;
        const py = (p / gw) | 0;
        const e = Math.max(0, res[p] - threshold);
        r.energy += e;
        r.sx += e * px;
        r.sy += e * py;
        r.count++;
        if (px < r.minX) r.minX = px;
        if (px > r.maxX) r.maxX = px;
        if (py < r.minY) r.minY = py;
        if (py > r.maxY) r.maxY = py;
        if (px > 0 && closed[p - 1] && !label[p - 1]) {
          label[p - 1] = next;
          stack[top++] = p - 1;
        }
        if (px < gw - 1 && closed[p + 1] && !label[p + 1]) {
          label[p + 1] = next;
          stack[top++] = p + 1;
        }
        if (py > 0 && closed[p - gw] && !label[p - gw]) {
          label[p - gw] = next;
          stack[top++] = p - gw;
        }
        if (py < gh - 1 && closed[p + gw] && !label[p + gw]) {
          label[p + gw] = next;
          stack[top++] = p + gw;
        }
      }
      total += r.energy;
      if (r.energy > best.energy) best = r;
    }
    if (best.count < MIN_PIXELS || best.energy <= 0) return null;
    // centre in the earlier frame (grid cell → pixel) → where the camera took it in the later frame
    const px = 2 * (best.sx / best.energy) + 1 - cx0;
    const py = 2 * (best.sy / best.energy) + 1 - cy0;
    const share = best.energy / total;
    const meanExcess = best.energy / best.count;
    return {
      cx: A * px - m.b * py + m.tx + cx0,
      cy: m.b * px + A * py + m.ty + cy0,
      w: 2 * (best.maxX - best.minX + 1),
      h: 2 * (best.maxY - best.minY + 1),
      strength: Math.min(1, share * Math.min(1, meanExcess / 20)),
    };
  }

  /** 3×3 closing (dilate, then erode) of the mask, each as separable row and column passes. */
  private close(mask: Uint8Array): Uint8Array {
    const { gw: w, gh: h, tmp } = this;
    const out = new Uint8Array(w * h);
    pass(mask, tmp, w, h, 1, 0, 1);
    pass(tmp, out, w, h, 0, 1, 1);
    pass(out, tmp, w, h, 1, 0, 0);
    pass(tmp, out, w, h, 0, 1, 0);
    return out;
  }
}

function histMedian(hist: Uint32Array, n: number): number {
  let acc = 0;
  for (let b = 0; b < hist.length; b++) {
    acc += hist[b];
    if (acc * 2 >= n) return b + 0.5;
  }
  return hist.length;
}

/** One 3-wide max (`to` 1: dilation) or min (`to` 0: erosion) along x (dx 1) or y (dy 1); outside counts as 0. */
function pass(
  src: Uint8Array,
  dst: Uint8Array,
  w: number,
  h: number,
  dx: number,
  dy: number,
  to: 0 | 1,
): void {
  const step = dx + dy * w;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const hasPrev = dx ? x > 0 : y > 0;
      const hasNext = dx ? x < w - 1 : y < h - 1;
      const a = hasPrev ? src[i - step] : 0;
      const c = hasNext ? src[i + step] : 0;
      const b = src[i];
      dst[i] = to ? a | b | c : a & b & c;
    }
}
