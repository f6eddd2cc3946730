import type { SpectralFeatures } from "./spectral.js";

/**
 * Speech presence from features over time (no model weights): speech alternates short voiced
 * stretches (syllable nuclei, harmonic, pitch 70-400 Hz, energy in 300-3400 Hz) with unvoiced
 * consonants and pauses, at a syllabic rate of about 2-8 per second, with a pitch contour that
 * glides. Music is either continuously voiced with steady pitches (tonal) or not voiced (drums).
 */
export interface SpeechEvidence {
  /** 0..1, >= 0.5 means speech is present. */
  score: number;
  voicedFraction: number;
  /** Voiced segments per second of active audio (syllabic rate). */
  syllableRate: number;
  /** Median voiced-segment length, s. */
  medianSegmentSeconds: number;
  /** Fraction of active time in pauses (low energy). */
  pauseFraction: number;
  /** Median absolute pitch change between consecutive voiced frames, semitones per 10 ms. */
  pitchGlide: number;
  /** Share of the speech-band envelope's modulation energy at 2-8 Hz. */
  syllabicModulation: number;
  activeSeconds: number;
}

const VOICING_THRESHOLD = 0.45;

/** Membership: 1 inside [lo, hi], falling linearly to 0 at lo/2 and 2*hi. */
function band(x: number, lo: number, hi: number): number {
  if (x >= lo && x <= hi) return 1;
  if (x < lo) return Math.max(0, (x - lo / 2) / (lo / 2));
  return Math.max(0, 1 - (x - hi) / hi);
}

export function speechEvidence(f: SpectralFeatures): SpeechEvidence {
  const n = f.frames;
  const none: SpeechEvidence = {
    score: 0,
    voicedFraction: 0,
    syllableRate: 0,
    medianSegmentSeconds: 0,
    pauseFraction: 0,
    pitchGlide: 0,
    syllabicModulation: 0,
    activeSeconds: 0,
  };
  if (n < 10) return none;
  let maxE = Number.NEGATIVE_INFINITY;
  for (let t = 0; t < n; t++) if (f.energyDb[t] > maxE) maxE = f.energyDb[t];
  const activeThr = Math.max(-75, maxE - 50);
  let first = -1;
  let last = -1;
  for (let t = 0; t < n; t++) {
    if (f.energyDb[t] > activeThr) {
      if (first < 0) first = t;
      last = t;
    }
  }
  if (first < 0 || last - first < 20) return none;
  const span = last - first + 1;
  const voiced = new Uint8Array(n);
  let pauses = 0;
  let voicedCount = 0;
  for (let t = first; t <= last; t++) {
    if (f.energyDb[t] < maxE - 30) pauses++;
    if (
      f.energyDb[t] > maxE - 35 &&
      f.voicing[t] >= VOICING_THRESHOLD &&
      f.speechBandShare[t] >= 0.25 &&
      f.pitchHz[t] > 0
    ) {
      voiced[t] = 1;
      voicedCount++;
    }
  }
  // voiced segments: runs of >= 3 frames, gaps <= 2 frames bridged
  const segs: number[] = [];
  let start = -1;
  let gap = 0;
  for (let t = first; t <= last + 3; t++) {
    const v = t <= last && voiced[t] === 1;
    if (v) {
      if (start < 0) start = t;
      gap = 0;
    } else if (start >= 0) {
      gap++;
      if (gap > 2) {
        const len = t - gap - start + 1;
        if (len >= 3) segs.push(len);
        start = -1;
        gap = 0;
      }
    }
  }
  // pitch glide inside voiced runs
  const glides: number[] = [];
  for (let t = first + 1; t <= last; t++) {
    if (voiced[t] && voiced[t - 1]) glides.push(Math.abs(12 * Math.log2(f.pitchHz[t] / f.pitchHz[t - 1])));
  }
  glides.sort((a, b) => a - b);
  const segSorted = [...segs].sort((a, b) => a - b);
  const activeSeconds = span / f.fps;
  const syllableRate = segs.length / activeSeconds;
  const voicedFraction = voicedCount / span;
  const medianSegmentSeconds = segSorted.length ? segSorted[segSorted.length >> 1] / f.fps : 0;
  const pitchGlide = glides.length ? glides[glides.length >> 1] : 0;
  const pauseFraction = pauses / span;
  const syllabicModulation = modulationShare(f.energyDb, f.speechBandShare, first, last, f.fps);

  // evidence, each 0..1
  const eRate = band(syllableRate, 2, 7);
  const eVoiced = band(voicedFraction, 0.15, 0.7);
  const eSeg = band(medianSegmentSeconds, 0.06, 0.35);
  const ePause = band(pauseFraction, 0.05, 0.6);
  const eGlide = pitchGlide > 0 ? band(pitchGlide, 0.15, 3) : 0;
  const eMod = Math.min(1, syllabicModulation / 0.4);
  const score = Math.min(
    1,
    Math.max(0, 0.3 * eRate + 0.2 * eVoiced + 0.15 * eSeg + 0.1 * ePause + 0.1 * eGlide + 0.15 * eMod) *
      (segs.length >= 3 ? 1 : 0.3),
  );
  return {
    score,
    voicedFraction,
    syllableRate,
    medianSegmentSeconds,
    pauseFraction,
    pitchGlide,
    syllabicModulation,
    activeSeconds,
  };
}

/** Share of the speech-band log-energy envelope's modulation energy in 2-8 Hz (of 0.5-20 Hz). */
function modulationShare(
  energyDb: Float32Array,
  share: Float32Array,
  a: number,
  b: number,
  fps: number,
): number {
  const n = b - a + 1;
  if (n < fps) return 0;
  const x = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const s = share[a + i];
    x[i] = Math.max(-80, energyDb[a + i] + 10 * Math.log10(s + 1e-6));
    mean += x[i];
  }
  mean /= n;
  for (let i = 0; i < n; i++) x[i] -= mean;
  // direct DFT at a few modulation frequencies (0.5..20 Hz in 0.5 Hz steps)
  let inBand = 0;
  let total = 0;
  for (let fm = 0.5; fm <= 20; fm += 0.5) {
    let re = 0;
    let im = 0;
    const w = (2 * Math.PI * fm) / fps;
    for (let i = 0; i < n; i++) {
      re += x[i] * Math.cos(w * i);
      im -= x[i] * Math.sin(w * i);
    }
    const p = re * re + im * im;
    total += p;
    if (fm >= 2 && fm <= 8) inBand += p;
  }
  return total > 0 ? inBand / total : 0;
}
