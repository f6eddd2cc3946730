/**
 * Real-input FFT of a power-of-two size N, computed as one complex FFT of size N/2 plus a split
 * step (the standard "two real halves" trick). Allocation-free after construction.
 */
export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly rev: Uint32Array;
  private readonly twRe: Float64Array;
  private readonly twIm: Float64Array;
  private readonly spRe: Float64Array;
  private readonly spIm: Float64Array;
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;

  constructor(size: number) {
    if (size < 4 || (size & (size - 1)) !== 0)
      throw new RangeError(`FFT size must be a power of two >= 4, got ${size}`);
    this.size = size;
    const m = size / 2;
    this.half = m;
    this.rev = new Uint32Array(m);
    const bits = Math.log2(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.twRe = new Float64Array(m / 2);
    this.twIm = new Float64Array(m / 2);
    for (let k = 0; k < m / 2; k++) {
      this.twRe[k] = Math.cos((-2 * Math.PI * k) / m);
      this.twIm[k] = Math.sin((-2 * Math.PI * k) / m);
    }
    this.spRe = new Float64Array(m + 1);
    this.spIm = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.spRe[k] = Math.cos((-2 * Math.PI * k) / size);
      this.spIm[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    this.zr = new Float64Array(m);
    this.zi = new Float64Array(m);
  }

  /**
   * Forward transform of `input` (length N, real). Writes bins 0..N/2 (inclusive) to outRe/outIm
   * (each at least N/2+1 long). X[k] = sum_n x[n] e^{-2 pi i k n / N}.
   */
  forward(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    const m = this.half;
    const zr = this.zr;
    const zi = this.zi;
    const rev = this.rev;
    for (let i = 0; i < m; i++) {
      const r = rev[i];
      zr[r] = input[2 * i];
      zi[r] = input[2 * i + 1];
    }
    // iterative radix-2 complex FFT of size m
    for (let len = 2; len <= m; len <<= 1) {
      const halfLen = len >> 1;
      const step = m / len;
      for (let start = 0; start < m; start += len) {
        for (let j = 0; j < halfLen; j++) {
          const wr = this.twRe[j * step];
          const wi = this.twIm[j * step];
          const a = start + j;
          const b = a + halfLen;
          const xr = zr[b] * wr - zi[b] * wi;
          const xi = zr[b] * wi + zi[b] * wr;
          zr[b] = zr[a] - xr;
          zi[b] = zi[a] - xi;
          zr[a] += xr;
          zi[a] += xi;
        }
      }
    }
    // split: X[k] = E[k] + W^k O[k]
    for (let k = 0; k <= m; k++) {
      const k1 = k === m ? 0 : k;
      const k2 = k === 0 ? 0 : m - k;
      const ar = zr[k1];
      const ai = zi[k1];
      const br = zr[k2];
      const bi = -zi[k2]; // conj(Z[m-k])
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      // O = (A - B) / (2i) = (ai - bi)/2 - i (ar - br)/2
      const or = 0.5 * (ai - bi);
      const oi = -0.5 * (ar - br);
      const wr = this.spRe[k];
      const wi = this.spIm[k];
      outRe[k] = er + (or * wr - oi * wi);
      outIm[k] = ei + (or * wi + oi * wr);
    }
  }
}

/** Periodic Hann window of length n (the STFT convention). */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}
