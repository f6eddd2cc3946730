import type { MotionParams } from "./global-motion.js";
import { histMedian, type Region, RegionFinder, sampleGrid } from "./regions.js";

/**
 * The main moving subject of a frame pair: what moves unlike the camera (pure, typed arrays).
 *
 * With the pair's global motion known, the earlier frame is compared with the later one sampled
 * where the camera moved each point to (x' = (1+a)·x − b·y + tx, …, about the centre). What the
 * camera explains cancels; a subject moving on its own leaves a residual over its old and new
 * place. The residual is thresholded against its own noise floor (median + 4·MAD-σ, at least 10
 * luma levels), the mask closed by one cell, and the connected region with the most residual
 * energy is the subject (or the few with the most: several things may move): its weighted centre (mapped into the later frame) and its extent. It is
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
/** Regions looked at beyond `keep`, for the edge pairs. */
const EXTRA_REGIONS = 3;
/** A pair's edges overlap across by at least this share of the longer one... */
const PAIR_OVERLAP = 0.6;
/** ...and lie at most this many times their overlap apart. */
const PAIR_GAP = 1.5;
/** The weaker edge carries at least this share of the stronger one's energy. */
const PAIR_WEIGHT = 0.25;

/**
 * A plain (untextured) mover leaves only its leading and trailing edges in the residual: two
 * regions side by side along its motion, each no longer along it than across, of about the same
 * extent across it. Such pairs are one subject: strongest first, a region joins an earlier one
 * when their extents across overlap by PAIR_OVERLAP of the longer, they lie at most PAIR_GAP ×
 * that overlap apart along the other axis, and it carries PAIR_WEIGHT of the earlier one's
 * energy. Approximate: two movers side by side, of the same height, as close as they are tall,
 * are joined too.
 */
function edgePairs(regions: readonly Region[]): { r: Region; pair: boolean }[] {
  const out: { r: Region; pair: boolean }[] = [];
  for (const r of regions) {
    const into = out.find(({ r: a }) => pairable(a, r));
    if (!into) {
      out.push({ r: { ...r }, pair: false });
      continue;
    }
    const a = into.r;
    a.weight += r.weight;
    a.sx += r.sx;
    a.sy += r.sy;
    a.count += r.count;
    a.minX = Math.min(a.minX, r.minX);
    a.maxX = Math.max(a.maxX, r.maxX);
    a.minY = Math.min(a.minY, r.minY);
    a.maxY = Math.max(a.maxY, r.maxY);
    into.pair = true;
  }
  return out.sort((a, b) => b.r.weight - a.r.weight);
}

function pairable(a: Region, b: Region): boolean {
  if (b.weight < PAIR_WEIGHT * a.weight) return false;
  const [aw, ah, bw, bh] = [
    a.maxX - a.minX + 1,
    a.maxY - a.minY + 1,
    b.maxX - b.minX + 1,
    b.maxY - b.minY + 1,
  ];
  const ox = Math.min(a.maxX, b.maxX) - Math.max(a.minX, b.minX) + 1;
  const oy = Math.min(a.maxY, b.maxY) - Math.max(a.minY, b.minY) + 1;
  // side by side horizontally (apart in x, overlapping in y, each taller than wide), or one above the other
  const pair = (
    gap: number,
    overlap: number,
    along1: number,
    across1: number,
    along2: number,
    across2: number,
  ) =>
    gap > 0 &&
    along1 <= across1 &&
    along2 <= across2 &&
    overlap >= PAIR_OVERLAP * Math.max(across1, across2) &&
    gap <= PAIR_GAP * overlap;
  return pair(-ox, oy, aw, ah, bw, bh) || pair(-oy, ox, ah, aw, bh, bw);
}

export class SubjectDetector {
  private readonly res: Float32Array;
  private readonly mask: Uint8Array;
  private readonly excess: Float32Array;
  private readonly values: Float32Array;
  private readonly hist = new Uint32Array(BINS);
  private readonly finder: RegionFinder;

  /** The sampling grid: pixel (2·gx + 1, 2·gy + 1) for cell (gx, gy). */
  private readonly gw: number;
  private readonly gh: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    ({ gw: this.gw, gh: this.gh } = sampleGrid(width, height));
    const n = this.gw * this.gh;
    this.res = new Float32Array(n);
    this.mask = new Uint8Array(n);
    this.excess = new Float32Array(n);
    this.values = new Float32Array(n);
    this.finder = new RegionFinder(this.gw, this.gh);
  }

  /**
   * `prev`, `cur`: luma planes (any numeric array) of the pair; `m`: its global motion. The
   * `keep` regions with the most residual energy (several things may move), strongest first.
   */
  detect(prev: ArrayLike<number>, cur: ArrayLike<number>, m: MotionParams, keep = 1): SubjectDetection[] {
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
    if (n < gw * gh * 0.25) return [];
    // median and MAD from a histogram of the residuals (1/4 luma level bins): O(n), no sort
    const hist = this.hist;
    hist.fill(0);
    for (let i = 0; i < n; i++) hist[Math.min(BINS - 1, (this.values[i] * 4) | 0)]++;
    const median = histMedian(hist, n) / 4;
    hist.fill(0);
    for (let i = 0; i < n; i++) hist[Math.min(BINS - 1, (Math.abs(this.values[i] - median) * 4) | 0)]++;
    const sigma = (1.4826 * histMedian(hist, n)) / 4;
    const threshold = median + Math.max(4 * sigma, MIN_EXCESS);

    // mask (closed by one cell so a subject's fragments join), its regions by residual energy
    const excess = this.excess;
    for (let i = 0; i < gw * gh; i++) {
      mask[i] = res[i] > threshold ? 1 : 0;
      excess[i] = Math.max(0, res[i] - threshold);
    }
    const found = this.finder.regions(mask, excess, keep + EXTRA_REGIONS);
    const { total } = found;
    const regions = edgePairs(found.regions.filter((r) => r.count >= MIN_PIXELS)).slice(0, keep);
    const out: SubjectDetection[] = [];
    for (const { r, pair } of regions) {
      // centre in the earlier frame (grid cell → pixel) → where the camera took it in the later
      // frame; a plain mover's pair of edges: the middle of their box
      const px = 2 * (pair ? (r.minX + r.maxX) / 2 : r.sx / r.weight) + 1 - cx0;
      const py = 2 * (pair ? (r.minY + r.maxY) / 2 : r.sy / r.weight) + 1 - cy0;
      out.push({
        cx: A * px - m.b * py + m.tx + cx0,
        cy: m.b * px + A * py + m.ty + cy0,
        w: 2 * (r.maxX - r.minX + 1),
        h: 2 * (r.maxY - r.minY + 1),
        strength: Math.min(1, (r.weight / total) * Math.min(1, r.weight / r.count / 20)),
      });
    }
    return out;
  }
}
