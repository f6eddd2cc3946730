import { RegionFinder, sampleGrid } from "./regions.js";
import type { SubjectDetection } from "./subject.js";

/**
 * What stands out from the background by its colour and contrast, frame by frame (pure, typed
 * arrays): the subject when nothing moves unlike the camera (it stopped, the background is flat,
 * or the camera's motion cannot be fitted), or when its motion leaves only its edges (a plain
 * coloured subject).
 *
 * The frame's statistics are taken per (colour, texture) bin over the motion detector's grid
 * (2×2-pixel cells): colour quantised to 8 levels per channel (512 bins), texture one bit (local
 * luma gradient over GRADIENT levels). A bin is the background's when its cells spread over the
 * frame (Liu et al.'s colour spatial distribution: the background's colours are everywhere, a
 * subject's are in one place) or fill much of it; a bin is salient by how compact its cells are:
 * 1 − (its spatial variance / a uniform spread's) / COMPACT, clipped at 0, and 0 when its cells
 * are over MAX_SHARE of the frame. So a plain patch on noise (its colour common, its flatness
 * not), a colour the background lacks (on a photograph or a flat wall) stand out; a textured
 * patch of the background's own colours does not, and is left to the motion detector. Salient
 * cells (over 0.5) are closed and joined into regions; the heaviest are the candidates, with
 * strength = the region's share of all saliency × its mean saliency.
 *
 * Approximate by design: any compact region of a colour found nowhere else stands out, the
 * subject or not (a red sign on a wall); choosing among them is the tracker's job
 * (motion/subject-tracker.ts), which prefers what also moves.
 */
const LEVELS = 8;
const COLORS = LEVELS * LEVELS * LEVELS;
const BINS = COLORS * 2;
/** Luma gradient (|dx| + |dy| over ±1 pixel) above which a cell counts as textured. */
const GRADIENT = 24;
/** Spatial variance, as a share of a uniform spread's, at which a bin stops being salient. */
const COMPACT = 0.25;
/** A bin covering more than this share of the frame is background. */
const MAX_SHARE = 0.3;
/** Regions wider or taller than this share of the frame are background, not a subject. */
const MAX_EXTENT = 0.6;
const MIN_CELLS = 3;

export class SaliencyDetector {
  private readonly gw: number;
  private readonly gh: number;
  private readonly bins: Uint16Array;
  private readonly sal: Float32Array;
  private readonly mask: Uint8Array;
  private readonly n = new Float64Array(BINS);
  private readonly sx = new Float64Array(BINS);
  private readonly sy = new Float64Array(BINS);
  private readonly sxx = new Float64Array(BINS);
  private readonly syy = new Float64Array(BINS);
  private readonly score = new Float32Array(BINS);
  private readonly finder: RegionFinder;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const grid = sampleGrid(width, height);
    this.gw = grid.gw;
    this.gh = grid.gh;
    this.finder = new RegionFinder(grid.gw, grid.gh);
    this.bins = new Uint16Array(grid.gw * grid.gh);
    this.sal = new Float32Array(this.bins.length);
    this.mask = new Uint8Array(this.bins.length);
  }

  /**
   * `rgb`: the frame, packed rgb24 (width × height); `luma`: its luma plane. The `keep` most
   * salient regions, strongest first, in the frame's pixels.
   */
  detect(rgb: ArrayLike<number>, luma: ArrayLike<number>, keep = 1): SubjectDetection[] {
    const { width: w, gw, gh, bins, sal, mask, n: cnt, sx, sy, sxx, syy, score } = this;
    cnt.fill(0);
    sx.fill(0);
    sy.fill(0);
    sxx.fill(0);
    syy.fill(0);
    for (let gy = 0; gy < gh; gy++) {
      const y = 2 * gy + 1;
      for (let gx = 0; gx < gw; gx++) {
        const x = 2 * gx + 1;
        const i = y * w + x;
        const k = 3 * i;
        const color = ((rgb[k] >> 5) * LEVELS + (rgb[k + 1] >> 5)) * LEVELS + (rgb[k + 2] >> 5);
        const grad = Math.abs(luma[i + 1] - luma[i - 1]) + Math.abs(luma[i + w] - luma[i - w]);
        const bin = color * 2 + (grad > GRADIENT ? 1 : 0);
        bins[gy * gw + gx] = bin;
        cnt[bin]++;
        sx[bin] += gx;
        sy[bin] += gy;
        sxx[bin] += gx * gx;
        syy[bin] += gy * gy;
      }
    }
    const cells = gw * gh;
    const uniform = (gw * gw + gh * gh) / 12;
    for (let b = 0; b < BINS; b++) {
      const c = cnt[b];
      if (c === 0 || c > MAX_SHARE * cells) {
        score[b] = 0;
        continue;
      }
      const mx = sx[b] / c;
      const my = sy[b] / c;
      const variance = sxx[b] / c - mx * mx + (syy[b] / c - my * my);
      score[b] = Math.max(0, 1 - variance / uniform / COMPACT);
    }
    for (let c = 0; c < cells; c++) {
      const s = score[bins[c]];
      sal[c] = s;
      mask[c] = s > 0.5 ? 1 : 0;
    }
    const { regions, total } = this.finder.regions(mask, sal, keep + 2);
    const out: SubjectDetection[] = [];
    for (const r of regions) {
      if (out.length >= keep) break;
      const rw = r.maxX - r.minX + 1;
      const rh = r.maxY - r.minY + 1;
      if (r.count < MIN_CELLS || rw > MAX_EXTENT * gw || rh > MAX_EXTENT * gh) continue;
      out.push({
        cx: 2 * (r.sx / r.weight) + 1,
        cy: 2 * (r.sy / r.weight) + 1,
        w: 2 * rw,
        h: 2 * rh,
        strength: Math.min(1, (r.weight / total) * (r.weight / r.count)),
      });
    }
    return out;
  }
}
