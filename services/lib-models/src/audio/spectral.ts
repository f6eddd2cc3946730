import { hannWindow, RealFft } from "./fft.js";
import { BASS_MAX_HZ, type MelBand, MID_MAX_HZ, melFilterbank } from "./filterbank.js";
import { FloatSeries } from "./series.js";

/**
 * Streaming STFT front end. PCM blocks of any size go in; per frame (hop = 10 ms) it keeps only
 * a handful of numbers: the log-mel spectral flux of each band group, the linear energy increase
 * of each group (for the beat's band), frame energy, spectral centroid, a voicing (pitch
 * periodicity) strength and the speech-band energy share. The samples themselves are dropped,
 * so memory is a few floats per frame whatever the length of the track.
 *
 * Frames are centred: frame t covers [t*hop - N/2, t*hop + N/2), i.e. its time is t*hop/fs.
 */
export interface SpectralConfig {
  sampleRate: number;
  /** FFT/window size (power of two). */
  nFft: number;
  hop: number;
  nMels: number;
  fMin: number;
  fMax: number;
  /** Frames between the spectra compared by the flux (2 x 10 ms: about half the window). */
  fluxLag: number;
}

export function defaultSpectralConfig(sampleRate: number): SpectralConfig {
  const nFft = sampleRate > 32000 ? 2048 : 1024;
  return {
    sampleRate,
    nFft,
    hop: Math.round(sampleRate / 100),
    nMels: 64,
    fMin: 27.5,
    fMax: 16000,
    fluxLag: 2,
  };
}

/** dB floor of the log-mel spectrum (relative to a full-scale sine in one band). */
const FLOOR_DB = -100;
const F0_MIN = 70;
const F0_MAX = 400;
const SPEECH_LO = 300;
const SPEECH_HI = 3400;

export interface SpectralFeatures {
  readonly fps: number;
  readonly frames: number;
  /** Mean positive log-mel flux (dB) over the bands of each group: bass, mid, high. */
  readonly flux: [Float32Array, Float32Array, Float32Array];
  /** Positive linear power increase summed over the bins of each group. */
  readonly energyRise: [Float32Array, Float32Array, Float32Array];
  /** Frame power (dB re full-scale sine). */
  readonly energyDb: Float32Array;
  /** Spectral centroid (Hz). */
  readonly centroidHz: Float32Array;
  /** Normalised autocorrelation peak in the 70-400 Hz pitch range (0..1). */
  readonly voicing: Float32Array;
  /** Pitch (Hz) at that peak. */
  readonly pitchHz: Float32Array;
  /** Share of frame power in 300-3400 Hz. */
  readonly speechBandShare: Float32Array;
  /** Long-term power per group summed over all frames (bass, mid, high), bins 20 Hz..16 kHz. */
  readonly groupEnergy: [number, number, number];
}

export class SpectralAnalyzer {
  readonly fps: number;
  private readonly fft: RealFft;
  private readonly acFft: RealFft;
  private readonly window: Float64Array;
  private readonly bands: MelBand[];
  private readonly buf: Float64Array;
  private fill: number;
  private readonly frame: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly acIn: Float64Array;
  private readonly acRe: Float64Array;
  private readonly acIm: Float64Array;
  private power: Float64Array;
  private prevPower: Float64Array;
  private melDb: Float64Array;
  /** log-mel spectra of the previous `fluxLag` frames (ring). */
  private readonly history: Float64Array[];
  private frameIndex = 0;
  private first = true;
  private readonly scale: number;
  private readonly binHz: number;
  private readonly groupBins: [number, number, number, number];
  private readonly groupBandCount: [number, number, number];
  private readonly lagMin: number;
  private readonly lagMax: number;
  private readonly acRate: number;
  private readonly windowAc: Float64Array;
  private readonly speechBins: [number, number];
  private readonly s = {
    flux: [new FloatSeries(), new FloatSeries(), new FloatSeries()],
    rise: [new FloatSeries(), new FloatSeries(), new FloatSeries()],
    energyDb: new FloatSeries(),
    centroid: new FloatSeries(),
    voicing: new FloatSeries(),
    pitch: new FloatSeries(),
    speech: new FloatSeries(),
  };
  private readonly groupEnergy: [number, number, number] = [0, 0, 0];

  constructor(readonly config: SpectralConfig) {
    const { nFft, sampleRate, hop } = config;
    this.fps = sampleRate / hop;
    this.fft = new RealFft(nFft);
    this.window = hannWindow(nFft);
    this.bands = melFilterbank(nFft, sampleRate, config.nMels, config.fMin, config.fMax);
    this.buf = new Float64Array(nFft + 65536);
    this.fill = nFft / 2; // centre padding: the first frame is centred on sample 0
    this.frame = new Float64Array(nFft);
    this.re = new Float64Array(nFft / 2 + 1);
    this.im = new Float64Array(nFft / 2 + 1);
    this.power = new Float64Array(nFft / 2 + 1);
    this.prevPower = new Float64Array(nFft / 2 + 1);
    this.melDb = new Float64Array(this.bands.length);
    this.history = Array.from({ length: config.fluxLag }, () => new Float64Array(this.bands.length));
    // Hann-windowed full-scale sine: peak bin magnitude = N/4
    this.scale = 1 / (nFft / 4) ** 2;
    this.binHz = sampleRate / nFft;
    const bin = (hz: number) => Math.min(nFft / 2, Math.round(hz / this.binHz));
    this.groupBins = [
      Math.max(1, bin(20)),
      bin(BASS_MAX_HZ),
      bin(MID_MAX_HZ),
      bin(Math.min(16000, sampleRate / 2)),
    ];
    this.groupBandCount = [0, 0, 0];
    for (const b of this.bands) this.groupBandCount[b.group]++;
    // voicing: autocorrelation from the power spectrum below ~6 kHz via a small FFT
    const acN = 512;
    this.acFft = new RealFft(acN);
    this.acIn = new Float64Array(acN);
    this.acRe = new Float64Array(acN / 2 + 1);
    this.acIm = new Float64Array(acN / 2 + 1);
    this.acRate = acN * this.binHz; // lag unit = 1/acRate seconds
    this.lagMin = Math.floor(this.acRate / F0_MAX);
    this.lagMax = Math.ceil(this.acRate / F0_MIN);
    // the Hann window's own autocorrelation, to undo its taper at each lag
    this.windowAc = new Float64Array(this.lagMax + 2);
    const w = this.window;
    let w0 = 0;
    for (let i = 0; i < nFft; i++) w0 += w[i] * w[i];
    for (let l = 0; l <= this.lagMax + 1; l++) {
      const d = Math.round((l * sampleRate) / this.acRate);
      let s = 0;
      for (let i = 0; i + d < nFft; i++) s += w[i] * w[i + d];
      this.windowAc[l] = s / w0;
    }
    this.speechBins = [bin(SPEECH_LO), bin(SPEECH_HI)];
    if (hop > nFft) throw new RangeError("hop larger than the window");
  }

  private samplesIn = 0;

  push(block: Float32Array): void {
    this.samplesIn += block.length;
    let off = 0;
    const { nFft, hop } = this.config;
    while (off < block.length) {
      const take = Math.min(block.length - off, this.buf.length - this.fill);
      for (let i = 0; i < take; i++) this.buf[this.fill + i] = block[off + i];
      this.fill += take;
      off += take;
      let start = 0;
      while (this.fill - start >= nFft) {
        this.processFrame(start);
        start += hop;
      }
      if (start > 0) {
        this.buf.copyWithin(0, start, this.fill);
        this.fill -= start;
      }
    }
  }

  /** Flushes the tail (zero padding so the last frames are centred on the last samples). */
  finish(): SpectralFeatures {
    const { nFft } = this.config;
    const pad = new Float32Array(nFft / 2);
    const total = this.samplesIn;
    this.push(pad);
    const s = this.s;
    // An abrupt end of the signal inside a window reads as a broadband click: no onsets in the
    // frames whose window reaches past the last sample.
    const firstTouching = Math.max(0, Math.ceil((total - nFft / 2) / this.config.hop));
    for (let t = firstTouching; t < s.energyDb.length; t++) {
      for (let g = 0; g < 3; g++) {
        s.flux[g].view()[t] = 0;
        s.rise[g].view()[t] = 0;
      }
    }
    return {
      fps: this.fps,
      frames: s.energyDb.length,
      flux: [s.flux[0].view(), s.flux[1].view(), s.flux[2].view()],
      energyRise: [s.rise[0].view(), s.rise[1].view(), s.rise[2].view()],
      energyDb: s.energyDb.view(),
      centroidHz: s.centroid.view(),
      voicing: s.voicing.view(),
      pitchHz: s.pitch.view(),
      speechBandShare: s.speech.view(),
      groupEnergy: [...this.groupEnergy] as [number, number, number],
    };
  }

  get bytesHeld(): number {
    let b = this.buf.byteLength;
    for (const x of [...this.s.flux, ...this.s.rise]) b += x.bytes;
    b += this.s.energyDb.bytes * 5;
    return b;
  }

  private processFrame(start: number): void {
    const { nFft } = this.config;
    const frame = this.frame;
    const w = this.window;
    const buf = this.buf;
    for (let i = 0; i < nFft; i++) frame[i] = buf[start + i] * w[i];
    this.fft.forward(frame, this.re, this.im);
    const half = nFft / 2;
    const P = this.power;
    const scale = this.scale;
    let total = 0;
    let centroidNum = 0;
    for (let k = 0; k <= half; k++) {
      const p = (this.re[k] * this.re[k] + this.im[k] * this.im[k]) * scale;
      P[k] = p;
      total += p;
      centroidNum += p * k;
    }
    // log-mel bands and their flux, averaged (mean, not median) within each group
    const fluxSum = [0, 0, 0];
    const lag = this.config.fluxLag;
    const ref = this.history[this.frameIndex % lag]; // the frame `lag` steps back
    const haveRef = this.frameIndex >= lag;
    for (let b = 0; b < this.bands.length; b++) {
      const band = this.bands[b];
      let e = 0;
      const wts = band.weights;
      for (let j = 0; j < wts.length; j++) e += wts[j] * P[band.start + j];
      const db = 10 * Math.log10(e + 1e-10);
      this.melDb[b] = Math.max(db, FLOOR_DB);
      if (haveRef) {
        const d = this.melDb[b] - ref[b];
        if (d > 0) fluxSum[band.group] += d;
      }
    }
    const g = this.groupBins;
    for (let grp = 0; grp < 3; grp++) {
      this.s.flux[grp].push(this.groupBandCount[grp] > 0 ? fluxSum[grp] / this.groupBandCount[grp] : 0);
      let rise = 0;
      let energy = 0;
      for (let k = g[grp]; k < g[grp + 1]; k++) {
        energy += P[k];
        if (!this.first) {
          const d = P[k] - this.prevPower[k];
          if (d > 0) rise += d;
        }
      }
      this.s.rise[grp].push(rise);
      this.groupEnergy[grp] += energy;
    }
    this.s.energyDb.push(10 * Math.log10(total + 1e-12));
    this.s.centroid.push(total > 1e-12 ? (centroidNum / total) * this.binHz : 0);
    let speech = 0;
    for (let k = this.speechBins[0]; k < this.speechBins[1]; k++) speech += P[k];
    this.s.speech.push(total > 1e-12 ? speech / total : 0);
    this.voicingOf(P);
    ref.set(this.melDb);
    this.frameIndex++;
    const t = this.prevPower;
    this.prevPower = P;
    this.power = t;
    this.first = false;
  }

  /** Pitch periodicity: autocorrelation = inverse transform of the (compressed) spectrum. */
  private voicingOf(P: Float64Array): void {
    const acN = this.acIn.length;
    const h = acN / 2;
    const a = this.acIn;
    // magnitude (|X|, i.e. power^0.5) spectrum: a "generalised autocorrelation", less formant-dominated
    for (let k = 0; k <= h; k++) {
      const m = Math.sqrt(P[k]);
      a[k] = m;
      if (k > 0 && k < h) a[acN - k] = m;
    }
    this.acFft.forward(a, this.acRe, this.acIm);
    const r0 = this.acRe[0];
    let best = 0;
    let bestLag = 0;
    if (r0 > 1e-9) {
      for (let l = this.lagMin; l <= this.lagMax; l++) {
        const r = this.acRe[l] / r0 / this.windowAc[l];
        if (r > best && this.acRe[l] >= this.acRe[l - 1] && this.acRe[l] >= this.acRe[l + 1]) {
          best = r;
          bestLag = l;
        }
      }
    }
    this.s.voicing.push(Math.min(1, best));
    this.s.pitch.push(bestLag > 0 ? this.acRate / bestLag : 0);
  }
}
