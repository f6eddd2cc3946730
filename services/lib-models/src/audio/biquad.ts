/** Direct-form-I biquad (b0,b1,b2,a1,a2 normalised by a0) with state, run in place over blocks. */
export interface BiquadCoefficients {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

export class Biquad {
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;
  constructor(readonly c: BiquadCoefficients) {}

  /** Filters `input` into `output` (may be the same array). */
  process(input: ArrayLike<number>, output: Float64Array | Float32Array, n = input.length): void {
    const { b0, b1, b2, a1, a2 } = this.c;
    let x1 = this.x1;
    let x2 = this.x2;
    let y1 = this.y1;
    let y2 = this.y2;
    for (let i = 0; i < n; i++) {
      const x = input[i];
      const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
      x2 = x1;
      x1 = x;
      y2 = y1;
      y1 = y;
      output[i] = y;
    }
    this.x1 = x1;
    this.x2 = x2;
    this.y1 = y1;
    this.y2 = y2;
  }
}

/**
 * The two ITU-R BS.1770 K-weighting stages at any sample rate: the +4 dB high shelf ("pre-filter",
 * head effects) and the RLB high-pass. The analog prototypes (f0, Q, gain) are the ones that
 * reproduce the 48 kHz coefficients of the recommendation exactly; they are mapped to `fs` by the
 * bilinear transform with pre-warping (the same derivation libebur128 uses).
 */
export function kWeightingCoefficients(fs: number): [BiquadCoefficients, BiquadCoefficients] {
  let f0 = 1681.974450955533;
  const G = 3.999843853973347;
  let Q = 0.7071752369554196;
  let K = Math.tan((Math.PI * f0) / fs);
  const Vh = 10 ** (G / 20);
  const Vb = Vh ** 0.4996667741545416;
  let a0 = 1 + K / Q + K * K;
  const shelf: BiquadCoefficients = {
    b0: (Vh + (Vb * K) / Q + K * K) / a0,
    b1: (2 * (K * K - Vh)) / a0,
    b2: (Vh - (Vb * K) / Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
  f0 = 38.13547087602444;
  Q = 0.5003270373238773;
  K = Math.tan((Math.PI * f0) / fs);
  a0 = 1 + K / Q + K * K;
  const highpass: BiquadCoefficients = {
    b0: 1,
    b1: -2,
    b2: 1,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
  return [shelf, highpass];
}

/** Magnitude response (linear) of a biquad at frequency f. */
export function biquadGain(c: BiquadCoefficients, f: number, fs: number): number {
  const w = (2 * Math.PI * f) / fs;
  const cr = Math.cos(w);
  const ci = -Math.sin(w);
  const c2r = Math.cos(2 * w);
  const c2i = -Math.sin(2 * w);
  const nr = c.b0 + c.b1 * cr + c.b2 * c2r;
  const ni = c.b1 * ci + c.b2 * c2i;
  const dr = 1 + c.a1 * cr + c.a2 * c2r;
  const di = c.a1 * ci + c.a2 * c2i;
  return Math.sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
}
