/**
 * Streaming colour statistics over every analysed pixel, constant memory: a 256-bin luma
 * histogram, chroma moments (for saturation and grey-world balance), per-frame mean colour, and a
 * fixed-size reservoir of pixels for the dominant-colour palette.
 */
export const RESERVOIR_SIZE = 16384;
const SAMPLES_PER_FRAME = 256;

export class ColorAccumulator {
  readonly lumaHist = new Float64Array(256);
  private sumC = [0, 0, 0];
  private sumC2 = 0;
  private sumCY = [0, 0, 0];
  private sumY2 = 0;
  private nC = 0;
  private pixels = 0;
  private seen = 0;
  private rng = 0x9e3779b9;
  readonly reservoir = new Uint8Array(RESERVOIR_SIZE * 3);
  reservoirCount = 0;
  private sumRgb = [0, 0, 0];

  private rand(): number {
    // xorshift32
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng / 4294967296;
  }

  add(rgb: Uint8Array, luma: Uint8Array): void {
    const n = luma.length;
    const hist = this.lumaHist;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let cc = 0;
    let k = 0;
    let cy0 = 0;
    let cy1 = 0;
    let cy2 = 0;
    let yy = 0;
    let sr = 0;
    let sg = 0;
    let sb = 0;
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      const r = rgb[j];
      const g = rgb[j + 1];
      const b = rgb[j + 2];
      sr += r;
      sg += g;
      sb += b;
      const y = 0.299 * r + 0.587 * g + 0.114 * b;
      hist[luma[i]]++;
      if (y < 8 || y > 247) continue;
      const dr = r - y;
      const dg = g - y;
      const db = b - y;
      c0 += dr;
      c1 += dg;
      c2 += db;
      cc += dr * dr + dg * dg + db * db;
      cy0 += dr * y;
      cy1 += dg * y;
      cy2 += db * y;
      yy += y * y;
      k++;
    }
    const s = 1 / 255;
    this.sumC[0] += c0 * s;
    this.sumC[1] += c1 * s;
    this.sumC[2] += c2 * s;
    this.sumC2 += cc * s * s;
    this.sumCY[0] += cy0 * s * s;
    this.sumCY[1] += cy1 * s * s;
    this.sumCY[2] += cy2 * s * s;
    this.sumY2 += yy * s * s;
    this.nC += k;
    this.pixels += n;
    this.sumRgb[0] += sr * s;
    this.sumRgb[1] += sg * s;
    this.sumRgb[2] += sb * s;
    for (let t = 0; t < SAMPLES_PER_FRAME; t++) {
      const i = Math.floor(this.rand() * n);
      this.seen++;
      let slot: number;
      if (this.reservoirCount < RESERVOIR_SIZE) slot = this.reservoirCount++;
      else {
        slot = Math.floor(this.rand() * this.seen);
        if (slot >= RESERVOIR_SIZE) continue;
      }
      this.reservoir[slot * 3] = rgb[i * 3];
      this.reservoir[slot * 3 + 1] = rgb[i * 3 + 1];
      this.reservoir[slot * 3 + 2] = rgb[i * 3 + 2];
    }
  }

  summary(): ColorSummary & { meanRgb: [number, number, number] } {
    const n = Math.max(1, this.nC);
    const m: [number, number, number] = [this.sumC[0] / n, this.sumC[1] / n, this.sumC[2] / n];
    const ms = this.sumC2 / n - (m[0] ** 2 + m[1] ** 2 + m[2] ** 2);
    const p = Math.max(1, this.pixels);
    return {
      lumaHist: this.lumaHist,
      chromaMean: m,
      chromaSlope: [0, 1, 2].map((c) => (this.sumY2 > 0 ? this.sumCY[c] / this.sumY2 : 0)) as [
        number,
        number,
        number,
      ],
      chromaRms: Math.sqrt(Math.max(0, ms)),
      pixels: this.pixels,
      meanRgb: [this.sumRgb[0] / p, this.sumRgb[1] / p, this.sumRgb[2] / p],
    };
  }
}

/** Colour statistics of a clip, accumulated over every analysed pixel (see color-stats.ts). */
export interface ColorSummary {
  /** Luma histogram, 256 bins (counts). */
  lumaHist: Float64Array;
  /** Mean chroma (R−Y, G−Y, B−Y) over pixels with luma in 0.03..0.97, 0..1 units. */
  chromaMean: [number, number, number];
  /** Least-squares slope of chroma against luma, Σ C·Y / Σ Y², over the same pixels. */
  chromaSlope: [number, number, number];
  /** RMS of |C − mean C| over the same pixels. */
  chromaRms: number;
  pixels: number;
}

export function histQuantile(hist: Float64Array, p: number): number {
  let total = 0;
  for (let i = 0; i < hist.length; i++) total += hist[i];
  const target = p * total;
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    if (acc + hist[i] >= target && hist[i] > 0) {
      const frac = (target - acc) / hist[i];
      return Math.min(1, Math.max(0, (i - 0.5 + frac) / (hist.length - 1)));
    }
    acc += hist[i];
  }
  return 1;
}
