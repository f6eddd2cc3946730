/**
 * Connected regions of a binary mask on a grid (pure, typed arrays): the mask closed by one cell
 * (3×3 dilation, then erosion) so a subject's fragments join, then 4-neighbour regions by flood
 * fill, each with its weight (the sum of `weight` over its cells), weighted centre and extent.
 * Shared by the motion detector (video/subject.ts) and the saliency detector (video/saliency.ts).
 */
export interface Region {
  /** Sum of the cells' weights, and the weighted centre (grid cells). */
  weight: number;
  sx: number;
  sy: number;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  count: number;
}

export class RegionFinder {
  private readonly label: Int32Array;
  private readonly stack: Int32Array;
  private readonly tmp: Uint8Array;
  private readonly closed: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const n = width * height;
    this.label = new Int32Array(n);
    this.stack = new Int32Array(n);
    this.tmp = new Uint8Array(n);
    this.closed = new Uint8Array(n);
  }

  /**
   * The regions of `mask` (1 = in) after closing, heaviest first, at most `keep` of them, and the
   * total weight over all regions. The weight of a cell is `weight[i]` (≥ 0).
   */
  regions(mask: Uint8Array, weight: ArrayLike<number>, keep: number): { regions: Region[]; total: number } {
    const { width: gw, height: gh, label, stack } = this;
    const closed = this.close(mask);
    label.fill(0);
    const top: Region[] = [];
    let total = 0;
    let next = 0;
    for (let s = 0; s < gw * gh; s++) {
      if (!closed[s] || label[s]) continue;
      next++;
      let sp = 0;
      stack[sp++] = s;
      label[s] = next;
      const r: Region = { weight: 0, sx: 0, sy: 0, minX: gw, maxX: 0, minY: gh, maxY: 0, count: 0 };
      while (sp > 0) {
        const p = stack[--sp];
        const px = p % gw;
        const py = (p / gw) | 0;
        const e = weight[p];
        r.weight += e;
        r.sx += e * px;
        r.sy += e * py;
        r.count++;
        if (px < r.minX) r.minX = px;
        if (px > r.maxX) r.maxX = px;
        if (py < r.minY) r.minY = py;
        if (py > r.maxY) r.maxY = py;
        if (px > 0 && closed[p - 1] && !label[p - 1]) {
          label[p - 1] = next;
          stack[sp++] = p - 1;
        }
        if (px < gw - 1 && closed[p + 1] && !label[p + 1]) {
          label[p + 1] = next;
          stack[sp++] = p + 1;
        }
        if (py > 0 && closed[p - gw] && !label[p - gw]) {
          label[p - gw] = next;
          stack[sp++] = p - gw;
        }
        if (py < gh - 1 && closed[p + gw] && !label[p + gw]) {
          label[p + gw] = next;
          stack[sp++] = p + gw;
        }
      }
      total += r.weight;
      if (r.weight <= 0) continue;
      top.push(r);
      top.sort((a, b) => b.weight - a.weight);
      if (top.length > keep) top.pop();
    }
    return { regions: top, total };
  }

  /** 3×3 closing (dilate, then erode) of the mask, each as separable row and column passes. */
  private close(mask: Uint8Array): Uint8Array {
    const { width: w, height: h, tmp, closed } = this;
    pass(mask, tmp, w, h, 1, 0, 1);
    pass(tmp, closed, w, h, 0, 1, 1);
    pass(closed, tmp, w, h, 1, 0, 0);
    pass(tmp, closed, w, h, 0, 1, 0);
    return closed;
  }
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

/** Median of `n` values binned in `hist` (bin b holds [b, b+1)); the bin's middle. */
export function histMedian(hist: Uint32Array, n: number): number {
  let acc = 0;
  for (let b = 0; b < hist.length; b++) {
    acc += hist[b];
    if (acc * 2 >= n) return b + 0.5;
  }
  return hist.length;
}

/** The detectors' sampling grid over a width × height frame: pixel (2·gx + 1, 2·gy + 1) for cell (gx, gy). */
export function sampleGrid(width: number, height: number): { gw: number; gh: number } {
  return { gw: Math.max(1, Math.floor((width - 1) / 2)), gh: Math.max(1, Math.floor((height - 1) / 2)) };
}
