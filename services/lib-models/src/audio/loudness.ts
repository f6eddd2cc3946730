import { Biquad, kWeightingCoefficients } from "./biquad.js";

/**
 * Streaming EBU R128 / ITU-R BS.1770-4 meter (mono or stereo).
 *
 * Keeps one record per 10 ms (K-weighted mean square, plain mean square, sample peak) and one per
 * 100 ms sub-block, never the samples, so memory grows by about 0.3 KB per second of audio. Momentary (400 ms) and
 * short-term (3 s) loudness are sums of consecutive sub-blocks, exactly the 75 %-overlap block
 * grid of the recommendation. True peak uses 4x polyphase oversampling (BS.1770-4 Annex 2 style,
 * a 48-tap windowed-sinc interpolator).
 */
export const SUBBLOCK_SECONDS = 0.1;
const ABS_GATE_LUFS = -70;

export function msToLufs(ms: number): number {
  return ms > 0 ? -0.691 + 10 * Math.log10(ms) : Number.NEGATIVE_INFINITY;
}
const lufsToMs = (l: number) => 10 ** ((l + 0.691) / 10);

export interface LoudnessSummary {
  /** Integrated loudness (gated), LUFS; null if nothing passes the absolute gate. */
  integratedLufs: number | null;
  /** Loudness range (EBU Tech 3342), LU. */
  rangeLu: number | null;
  /** Short-term loudness distribution percentiles used by LRA (LUFS). */
  shortTermP10: number | null;
  shortTermP95: number | null;
  momentaryMaxLufs: number | null;
  shortTermMaxLufs: number | null;
  samplePeakDbfs: number | null;
  truePeakDbtp: number | null;
  /** RMS level of the whole signal (dBFS, full-scale sine = -3.01 dBFS). */
  rmsDbfs: number | null;
}

/** Phases 1..3 of the 4x interpolator (phase 0 is the identity: h[24] = 1, h[24 ± 4m] = 0). */
function truePeakPhases(): Float64Array[] {
  const L = 48;
  const c = 24;
  const h = new Float64Array(L);
  for (let n = 0; n < L; n++) {
    const t = (n - c) / 4;
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
    const w = 0.5 + 0.5 * Math.cos((Math.PI * (n - c)) / (c + 1)); // Hann over the span
    h[n] = sinc * w;
  }
  const phases: Float64Array[] = [];
  for (let p = 1; p < 4; p++) {
    const taps = new Float64Array(12);
    let sum = 0;
    for (let m = 0; m < 12; m++) {
      taps[m] = h[4 * m + p];
      sum += taps[m];
    }
    for (let m = 0; m < 12; m++) taps[m] /= sum; // unity DC gain per phase
    phases.push(taps);
  }
  return phases;
}

/** 4x-oversampled peak of one channel, carried across blocks. */
class TruePeakTracker {
  private readonly phases = truePeakPhases();
  private hist = new Float64Array(11 + 4096);
  peak = 0;

  push(x: Float32Array, n: number): void {
    if (this.hist.length < n + 11) {
      const h = new Float64Array(n + 11);
      h.set(this.hist.subarray(0, 11));
      this.hist = h;
    }
    const hist = this.hist;
    for (let i = 0; i < n; i++) hist[11 + i] = x[i];
    let tp = this.peak;
    const [p1, p2, p3] = this.phases;
    // the interpolated point between x[j-6] and x[j-5] uses x[j-11..j]; bound: |y| <= 1.3 max|x|
    for (let j = 11; j < n + 11; j++) {
      const a = hist[j - 5];
      const b = hist[j - 6];
      const near = Math.max(a < 0 ? -a : a, b < 0 ? -b : b);
      if (near > tp) tp = near;
      if (near * 1.5 < tp) continue;
      let y1 = 0;
      let y2 = 0;
      let y3 = 0;
      for (let m = 0; m < 12; m++) {
        const v = hist[j - m];
        y1 += p1[m] * v;
        y2 += p2[m] * v;
        y3 += p3[m] * v;
      }
      const m1 = Math.max(Math.abs(y1), Math.abs(y2), Math.abs(y3));
      if (m1 > tp) tp = m1;
    }
    this.peak = tp;
    hist.copyWithin(0, n, n + 11);
  }
}

/** Sub-blocks are made of FINE_PER_SUBBLOCK records of 10 ms (the limiter model's resolution). */
export const FINE_SECONDS = 0.01;
const FINE_PER_SUBBLOCK = 10;

/**
 * `channels` interleaved channels (mono or stereo; BS.1770 weights L, R and C by 1, so loudness
 * is the sum of the channels' K-weighted mean squares, the figure ffmpeg's `ebur128` reads).
 * The plain mean square and sample peak per block, which the dynamics descriptors use, are over
 * the channels (mean of squares, max of magnitudes).
 */
export class LoudnessMeter {
  private readonly filters: { shelf: Biquad; hp: Biquad; tp: TruePeakTracker }[] = [];
  private readonly fineLen: number;
  private lane = new Float32Array(0);
  private kw = new Float64Array(0);
  private kwSum = new Float64Array(0);
  private rawSum = new Float64Array(0);
  private peakMax = new Float64Array(0);
  private accK = 0;
  private accRaw = 0;
  private accPeak = 0;
  private accN = 0;
  private fineK: number[] = [];
  private fineRaw: number[] = [];
  private finePeak: number[] = [];
  private subK: number[] = [];
  private subRaw: number[] = [];
  private subPeak: number[] = [];
  private totalRaw = 0;
  private totalN = 0;

  constructor(
    readonly sampleRate: number,
    readonly channels = 1,
  ) {
    for (let c = 0; c < channels; c++) {
      const [a, b] = kWeightingCoefficients(sampleRate);
      this.filters.push({ shelf: new Biquad(a), hp: new Biquad(b), tp: new TruePeakTracker() });
    }
    this.fineLen = Math.round(sampleRate * FINE_SECONDS);
  }

  /** Interleaved samples, `channels` per frame. */
  push(block: Float32Array): void {
    const ch = this.channels;
    const n = Math.floor(block.length / ch);
    if (this.lane.length < n) {
      this.lane = new Float32Array(n);
      this.kw = new Float64Array(n);
    }
    const { lane, kw } = this;
    // per-sample sums over channels: K-weighted power, raw power, and the largest magnitude
    if (this.kwSum.length < n) {
      this.kwSum = new Float64Array(n);
      this.rawSum = new Float64Array(n);
      this.peakMax = new Float64Array(n);
    }
    const { kwSum, rawSum, peakMax } = this;
    kwSum.fill(0, 0, n);
    rawSum.fill(0, 0, n);
    peakMax.fill(0, 0, n);
    for (let c = 0; c < ch; c++) {
      for (let i = 0; i < n; i++) lane[i] = block[i * ch + c];
      const f = this.filters[c];
      f.tp.push(lane, n);
      f.shelf.process(lane, kw, n);
      f.hp.process(kw, kw, n);
      for (let i = 0; i < n; i++) {
        const x = lane[i];
        kwSum[i] += kw[i] * kw[i];
        rawSum[i] += x * x;
        const ax = x < 0 ? -x : x;
        if (ax > peakMax[i]) peakMax[i] = ax;
      }
    }
    let accK = this.accK;
    let accRaw = this.accRaw;
    let accPeak = this.accPeak;
    let accN = this.accN;
    for (let i = 0; i < n; i++) {
      accK += kwSum[i];
      accRaw += rawSum[i] / ch;
      if (peakMax[i] > accPeak) accPeak = peakMax[i];
      if (++accN === this.fineLen) {
        this.closeFine(accK / accN, accRaw / accN, accPeak, accRaw);
        accK = 0;
        accRaw = 0;
        accPeak = 0;
        accN = 0;
      }
    }
    this.accK = accK;
    this.accRaw = accRaw;
    this.accPeak = accPeak;
    this.accN = accN;
  }

  private closeFine(k: number, raw: number, peak: number, rawSum: number): void {
    this.fineK.push(k);
    this.fineRaw.push(raw);
    this.finePeak.push(peak);
    this.totalRaw += rawSum;
    this.totalN += this.fineLen;
    const len = this.fineK.length;
    if (len % FINE_PER_SUBBLOCK !== 0) return;
    let sk = 0;
    let sr = 0;
    let sp = 0;
    for (let i = len - FINE_PER_SUBBLOCK; i < len; i++) {
      sk += this.fineK[i];
      sr += this.fineRaw[i];
      if (this.finePeak[i] > sp) sp = this.finePeak[i];
    }
    this.subK.push(sk / FINE_PER_SUBBLOCK);
    this.subRaw.push(sr / FINE_PER_SUBBLOCK);
    this.subPeak.push(sp);
  }

  /** Per-100 ms records so far (K-weighted mean square). */
  get subblockCount(): number {
    return this.subK.length;
  }

  /** Loudness (LUFS) of each 400 ms momentary block, one per 100 ms step. */
  momentary(): Float64Array {
    return windowedLoudness(this.subK, 4);
  }

  /** Short-term loudness (LUFS) of 3 s windows, one per 100 ms step. */
  shortTerm(): Float64Array {
    return windowedLoudness(this.subK, 30);
  }

  /** Plain (unweighted) mean square and sample peak per 100 ms sub-block. */
  subblocks(): { meanSquare: readonly number[]; peak: readonly number[]; kMeanSquare: readonly number[] } {
    return { meanSquare: this.subRaw, peak: this.subPeak, kMeanSquare: this.subK };
  }

  /** The same per 10 ms (FINE_SECONDS) record. */
  fine(): { meanSquare: readonly number[]; peak: readonly number[]; kMeanSquare: readonly number[] } {
    return { meanSquare: this.fineRaw, peak: this.finePeak, kMeanSquare: this.fineK };
  }

  summary(): LoudnessSummary {
    const mom = this.momentary();
    const st = this.shortTerm();
    const integratedLufs = gatedLoudness(mom, -10);
    const stGated = gateForRange(st);
    let rangeLu: number | null = null;
    let p10: number | null = null;
    let p95: number | null = null;
    if (stGated.length > 0) {
      stGated.sort((a, b) => a - b);
      p10 = percentileSorted(stGated, 0.1);
      p95 = percentileSorted(stGated, 0.95);
      rangeLu = Math.max(0, p95 - p10);
    }
    const samplePeak = Math.max(this.accPeak, maxOf(this.finePeak));
    const totalN = this.totalN + this.accN;
    const rms = totalN > 0 ? Math.sqrt((this.totalRaw + this.accRaw) / totalN) : 0;
    const truePeak = Math.max(0, ...this.filters.map((f) => f.tp.peak));
    return {
      integratedLufs,
      rangeLu,
      shortTermP10: p10,
      shortTermP95: p95,
      momentaryMaxLufs: finiteOrNull(maxOf(mom)),
      shortTermMaxLufs: finiteOrNull(maxOf(st)),
      samplePeakDbfs: samplePeak > 0 ? 20 * Math.log10(samplePeak) : null,
      truePeakDbtp: truePeak > 0 ? 20 * Math.log10(truePeak) : null,
      rmsDbfs: rms > 0 ? 20 * Math.log10(rms) : null,
    };
  }
}

/** Loudness (LUFS) of windows of `len` consecutive mean-square records, one per record step. */
export function windowedLoudness(s: ArrayLike<number>, len: number): Float64Array {
  const count = Math.max(0, s.length - len + 1);
  const out = new Float64Array(count);
  let acc = 0;
  for (let i = 0; i < s.length; i++) {
    acc += s[i];
    if (i >= len) acc -= s[i - len];
    if (i >= len - 1) out[i - len + 1] = msToLufs(Math.max(0, acc / len));
  }
  return out;
}

function maxOf(a: ArrayLike<number>): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}
const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/** BS.1770 two-stage gating: absolute -70 LUFS, then relative `relLu` below the abs-gated mean. */
export function gatedLoudness(blocksLufs: ArrayLike<number>, relLu: number): number | null {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < blocksLufs.length; i++) {
    const l = blocksLufs[i];
    if (l > ABS_GATE_LUFS) {
      sum += lufsToMs(l);
      n++;
    }
  }
  if (n === 0) return null;
  const rel = msToLufs(sum / n) + relLu;
  sum = 0;
  n = 0;
  for (let i = 0; i < blocksLufs.length; i++) {
    const l = blocksLufs[i];
    if (l > ABS_GATE_LUFS && l > rel) {
      sum += lufsToMs(l);
      n++;
    }
  }
  return n > 0 ? msToLufs(sum / n) : null;
}

/** EBU Tech 3342 gating of short-term values for LRA: absolute -70, relative -20 LU. */
function gateForRange(st: Float64Array): number[] {
  const abs: number[] = [];
  for (const l of st) if (l > ABS_GATE_LUFS) abs.push(l);
  if (abs.length === 0) return [];
  let sum = 0;
  for (const l of abs) sum += lufsToMs(l);
  const rel = msToLufs(sum / abs.length) - 20;
  return abs.filter((l) => l > rel);
}

export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
