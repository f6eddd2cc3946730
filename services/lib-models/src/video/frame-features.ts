/**
 * Per-frame features computed from one small rgb24 frame (pure, O(pixels)).
 * Luma is BT.601 on the gamma-encoded values, the same definition the grade model uses.
 */
export const LUMA_BINS = 32;
export const CHROMA_BINS = 8; // per axis → 64 cells
export const THUMB_W = 16;

export interface FrameSignature {
  /** Block-mean luma thumbnail, THUMB_W × thumbH. */
  thumb: Uint8Array;
  /** Block-mean rgb thumbnail (for blend models), 3 × THUMB_W × thumbH. */
  thumbRgb: Uint8Array;
  lumaHist: Float32Array;
  chromaHist: Float32Array;
  meanLuma: number; // 0..1
}

export function thumbHeight(width: number, height: number): number {
  return Math.max(1, Math.round((THUMB_W * height) / width));
}

/** BT.601 luma of a packed rgb24 frame into `out` (0..255). */
export function rgbToLuma(rgb: Uint8Array, out: Uint8Array): Uint8Array {
  const n = out.length;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = (77 * rgb[j] + 150 * rgb[j + 1] + 29 * rgb[j + 2] + 128) >> 8;
  }
  return out;
}

export function computeSignature(
  rgb: Uint8Array,
  luma: Uint8Array,
  width: number,
  height: number,
): FrameSignature {
  const th = thumbHeight(width, height);
  const tw = THUMB_W;
  const sum = new Float64Array(tw * th);
  const sumRgb = new Float64Array(tw * th * 3);
  const cnt = new Float64Array(tw * th);
  const lumaHist = new Float32Array(LUMA_BINS);
  const chromaHist = new Float32Array(CHROMA_BINS * CHROMA_BINS);
  const colOf = new Int32Array(width);
  for (let x = 0; x < width; x++) colOf[x] = Math.min(tw - 1, Math.floor((x * tw) / width));
  let total = 0;
  for (let y = 0; y < height; y++) {
    const row = Math.min(th - 1, Math.floor((y * th) / height)) * tw;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const j = i * 3;
      const l = luma[i];
      const r = rgb[j];
      const g = rgb[j + 1];
      const b = rgb[j + 2];
      const c = row + colOf[x];
      sum[c] += l;
      sumRgb[c * 3] += r;
      sumRgb[c * 3 + 1] += g;
      sumRgb[c * 3 + 2] += b;
      cnt[c]++;
      total += l;
      lumaHist[l >> 3]++;
      // chroma (B−Y, R−Y) in −255..255 → 8 bins each over ±128
      let cb = ((b - l + 128) >> 5) | 0;
      let cr = ((r - l + 128) >> 5) | 0;
      cb = cb < 0 ? 0 : cb > 7 ? 7 : cb;
      cr = cr < 0 ? 0 : cr > 7 ? 7 : cr;
      chromaHist[cr * CHROMA_BINS + cb]++;
    }
  }
  const n = width * height;
  const thumb = new Uint8Array(tw * th);
  const thumbRgb = new Uint8Array(tw * th * 3);
  for (let c = 0; c < tw * th; c++) {
    const k = cnt[c] || 1;
    thumb[c] = Math.round(sum[c] / k);
    thumbRgb[c * 3] = Math.round(sumRgb[c * 3] / k);
    thumbRgb[c * 3 + 1] = Math.round(sumRgb[c * 3 + 1] / k);
    thumbRgb[c * 3 + 2] = Math.round(sumRgb[c * 3 + 2] / k);
  }
  for (let i = 0; i < LUMA_BINS; i++) lumaHist[i] /= n;
  for (let i = 0; i < chromaHist.length; i++) chromaHist[i] /= n;
  return { thumb, thumbRgb, lumaHist, chromaHist, meanLuma: total / n / 255 };
}

export interface PairDiff {
  /** Mean absolute luma difference, 0..1. */
  mad: number;
  /** Share of pixels whose luma changed by more than 48/255. */
  largeFrac: number;
}

export function pairDiff(prev: Uint8Array, cur: Uint8Array): PairDiff {
  let s = 0;
  let large = 0;
  const n = cur.length;
  for (let i = 0; i < n; i++) {
    const d = cur[i] - prev[i];
    const a = d < 0 ? -d : d;
    s += a;
    if (a > 48) large++;
  }
  return { mad: s / n / 255, largeFrac: large / n };
}

function l1Half(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / 2;
}

/** Histogram distance 0..1: mean of the luma and chroma histogram half-L1 distances. */
export function histDistance(a: FrameSignature, b: FrameSignature): number {
  return 0.5 * (l1Half(a.lumaHist, b.lumaHist) + l1Half(a.chromaHist, b.chromaHist));
}

/** Thumbnail mean absolute luma difference, 0..1. */
export function thumbDistance(a: FrameSignature, b: FrameSignature): number {
  let s = 0;
  for (let i = 0; i < a.thumb.length; i++) s += Math.abs(a.thumb[i] - b.thumb[i]);
  return s / a.thumb.length / 255;
}

/** Content distance between any two frames, 0..1 (used for flash rejection and transition endpoints). */
export function contentDistance(a: FrameSignature, b: FrameSignature): number {
  return Math.max(histDistance(a, b), 2 * thumbDistance(a, b));
}
