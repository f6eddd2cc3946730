import {
  bassBoostFromDelta,
  bassDeltaDb,
  compressionIndex,
  compressionRatioFromIndex,
  dynamicsDescriptors,
  normalizationLevelFromLufs,
} from "./dynamics.js";
import type { BandName } from "./filterbank.js";
import type { AudioFingerprint } from "./fingerprint.js";
import { classifyGenre } from "./genre.js";
import { limiterLossCurve } from "./limiter.js";
import { LoudnessMeter } from "./loudness.js";
import { DEFAULT_RHYTHM, type RhythmConfig, trackBeats } from "./rhythm.js";
import { defaultSpectralConfig, SpectralAnalyzer } from "./spectral.js";
import { speechEvidence } from "./speech.js";

/** Fixed analysis rate: full band for loudness (K-weighting, true peak), 10 ms STFT hop. */
export const ANALYSIS_RATE = 48000;

/** The audio_analysis artifact (JSON-serialisable: numbers are finite or null). */
export interface AudioAnalysis {
  version: 1;
  /** Chromaprint fingerprint of the track (audio/fingerprint.ts), null when there is no audio. */
  fingerprint: AudioFingerprint | null;
  /** True when the input had no audio stream (or no samples): every measure is null/empty. */
  empty: boolean;
  sample_rate: number;
  duration_seconds: number;
  tempo_bpm: number | null;
  /** Periodicity clarity of the onset envelope at the beat period, 0..1. */
  tempo_clarity: number;
  beats: { time_s: number; confidence: number; band: BandName }[];
  /** Mean beat confidence, 0..1. */
  beat_strength: number;
  loudness: {
    integrated_lufs: number | null;
    range_lu: number | null;
    true_peak_dbtp: number | null;
    sample_peak_dbfs: number | null;
    momentary_max_lufs: number | null;
    short_term_max_lufs: number | null;
    rms_dbfs: number | null;
    /** Channels measured (1 or 2): loudness sums them as BS.1770 does; the rest of the analysis uses the mixdown. */
    channels: number;
    /** Loudness a peak limiter would cost, LU, per dB (index) of true peak over its ceiling (audio/limiter.ts). */
    limiter_loss_db: number[];
  };
  dynamics: {
    crest_factor_db: number | null;
    plr_db: number | null;
    lra_lu: number | null;
    envelope_spread_db: number | null;
    short_crest_db: number | null;
    /** log2 units, 0 = reference (uncompressed) dynamics. */
    compression_index: number | null;
    compression_ratio: number | null;
  };
  spectrum: {
    /** Power share of each band over the whole track (bass <200 Hz, mid <5 kHz, high). */
    band_share: { bass: number; mid: number; high: number } | null;
    /** Bass balance against pink noise, dB. */
    bass_delta_db: number | null;
    bass_boost: number | null;
    centroid_hz: number | null;
  };
  speech: {
    score: number;
    present: boolean;
    voiced_fraction: number;
    syllable_rate_hz: number;
    pitch_glide: number;
    syllabic_modulation: number;
  };
  genre: { label: string; confidence: number; music_presence: number };
  normalization_level: number | null;
  /** Overall confidence of the audio measurements, 0..1 (evidence-based). */
  confidence: number;
}

export function emptyAnalysis(): AudioAnalysis {
  return {
    version: 1,
    fingerprint: null,
    empty: true,
    sample_rate: ANALYSIS_RATE,
    duration_seconds: 0,
    tempo_bpm: null,
    tempo_clarity: 0,
    beats: [],
    beat_strength: 0,
    loudness: {
      integrated_lufs: null,
      range_lu: null,
      true_peak_dbtp: null,
      sample_peak_dbfs: null,
      momentary_max_lufs: null,
      short_term_max_lufs: null,
      rms_dbfs: null,
      channels: 1,
      limiter_loss_db: [],
    },
    dynamics: {
      crest_factor_db: null,
      plr_db: null,
      lra_lu: null,
      envelope_spread_db: null,
      short_crest_db: null,
      compression_index: null,
      compression_ratio: null,
    },
    spectrum: { band_share: null, bass_delta_db: null, bass_boost: null, centroid_hz: null },
    speech: {
      score: 0,
      present: false,
      voiced_fraction: 0,
      syllable_rate_hz: 0,
      pitch_glide: 0,
      syllabic_modulation: 0,
    },
    genre: { label: "unknown", confidence: 0, music_presence: 0 },
    normalization_level: null,
    confidence: 0,
  };
}

const r2 = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 100) / 100);
const r3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0);

/**
 * Streaming analyser: push PCM blocks at `sampleRate` (interleaved when `channels` is 2), then
 * `finish()`. Holds features (a few floats per 10 ms frame and per 100 ms loudness block), never
 * the samples. Loudness is measured over the channels; everything else on their mixdown.
 */
export class AudioAnalyzer {
  private readonly spectral: SpectralAnalyzer;
  private readonly loudness: LoudnessMeter;
  private samples = 0;

  constructor(
    readonly sampleRate = ANALYSIS_RATE,
    private readonly rhythm: RhythmConfig = DEFAULT_RHYTHM,
    readonly channels = 1,
  ) {
    this.spectral = new SpectralAnalyzer(defaultSpectralConfig(sampleRate));
    this.loudness = new LoudnessMeter(sampleRate, channels);
  }

  push(block: Float32Array): void {
    const ch = this.channels;
    const n = Math.floor(block.length / ch);
    if (n === 0) return;
    this.samples += n;
    this.loudness.push(block);
    if (ch === 1) {
      this.spectral.push(block);
      return;
    }
    const mix = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < ch; c++) s += block[i * ch + c];
      mix[i] = s / ch;
    }
    this.spectral.push(mix);
  }

  get secondsAnalyzed(): number {
    return this.samples / this.sampleRate;
  }

  finish(): AudioAnalysis {
    if (this.samples === 0) return emptyAnalysis();
    const f = this.spectral.finish();
    const ls = this.loudness.summary();
    const rhythm = trackBeats(f, this.rhythm);
    const dyn = dynamicsDescriptors(ls, this.loudness.subblocks());
    const cIndex = compressionIndex(dyn, this.samples / this.sampleRate);
    const bassDelta = bassDeltaDb(f.groupEnergy);
    const speech = speechEvidence(f);
    const hasSignal = ls.integratedLufs !== null;

    // mean centroid and tonal fraction over active frames
    let maxE = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < f.frames; t++) if (f.energyDb[t] > maxE) maxE = f.energyDb[t];
    let cSum = 0;
    let cN = 0;
    let tonal = 0;
    for (let t = 0; t < f.frames; t++) {
      if (f.energyDb[t] < maxE - 40 || f.energyDb[t] < -80) continue;
      cSum += f.centroidHz[t];
      cN++;
      if (f.voicing[t] >= 0.6) tonal++;
    }
    const centroid = cN > 0 ? cSum / cN : null;
    const tonalFraction = cN > 0 ? tonal / cN : 0;
    const bassBeats = rhythm.beats.filter((b) => b.band === "bass").length;
    let hasRhythm = hasSignal && rhythm.beats.length >= 4;
    const genre = classifyGenre({
      bpm: hasRhythm ? rhythm.bpm : null,
      clarity: rhythm.clarity,
      beatStrength: rhythm.beatStrength,
      bassDeltaDb: bassDelta,
      centroidHz: centroid ?? 0,
      bassBeatShare: rhythm.beats.length ? bassBeats / rhythm.beats.length : 0,
      speechScore: speech.score,
      lraLu: ls.rangeLu,
      hasSignal,
      tonalFraction,
    });
    // tempo and beats are reported for music; speech or noise alone gets none
    if (genre.musicPresence < 0.35) hasRhythm = false;
    const totalE = f.groupEnergy[0] + f.groupEnergy[1] + f.groupEnergy[2];
    // Confidence: loudness is solid whenever there is signal (more so with more gated audio);
    // the rhythm part (tempo/beats) counts by its periodicity clarity and beat strength.
    const seconds = this.samples / this.sampleRate;
    const loudnessEvidence = hasSignal ? Math.min(1, seconds / 10) : 0;
    const rhythmEvidence = hasRhythm ? Math.sqrt(rhythm.clarity * rhythm.beatStrength) : 0;
    const confidence = hasSignal
      ? genre.musicPresence >= 0.35
        ? 0.35 * loudnessEvidence + 0.65 * rhythmEvidence
        : 0.5 * loudnessEvidence + 0.3 * Math.abs(speech.score - 0.5) * 2
      : 0;
    return {
      version: 1,
      // filled in by whoever decoded the audio (the fingerprint comes from ffmpeg's chromaprint muxer)
      fingerprint: null,
      empty: false,
      sample_rate: this.sampleRate,
      duration_seconds: r3(seconds),
      tempo_bpm: hasRhythm && rhythm.bpm !== null ? r2(rhythm.bpm) : null,
      tempo_clarity: r3(rhythm.clarity),
      beats: hasRhythm
        ? rhythm.beats.map((b) => ({ time_s: r3(b.timeSeconds), confidence: r3(b.confidence), band: b.band }))
        : [],
      beat_strength: r3(hasRhythm ? rhythm.beatStrength : 0),
      loudness: {
        integrated_lufs: r2(ls.integratedLufs),
        range_lu: r2(ls.rangeLu),
        true_peak_dbtp: r2(ls.truePeakDbtp),
        sample_peak_dbfs: r2(ls.samplePeakDbfs),
        momentary_max_lufs: r2(ls.momentaryMaxLufs),
        short_term_max_lufs: r2(ls.shortTermMaxLufs),
        rms_dbfs: r2(ls.rmsDbfs),
        channels: this.channels,
        limiter_loss_db: hasSignal ? limiterLossCurve(this.loudness.fine()) : [],
      },
      dynamics: {
        crest_factor_db: r2(dyn.crestFactorDb),
        plr_db: r2(dyn.plrDb),
        lra_lu: r2(dyn.lraLu),
        envelope_spread_db: r2(dyn.envelopeSpreadDb),
        short_crest_db: r2(dyn.shortCrestDb),
        compression_index: cIndex === null || !hasSignal ? null : r3(cIndex),
        compression_ratio: cIndex === null || !hasSignal ? null : r2(compressionRatioFromIndex(cIndex)),
      },
      spectrum: {
        band_share:
          totalE > 0
            ? {
                bass: r3(f.groupEnergy[0] / totalE),
                mid: r3(f.groupEnergy[1] / totalE),
                high: r3(f.groupEnergy[2] / totalE),
              }
            : null,
        bass_delta_db: hasSignal ? r2(bassDelta) : null,
        bass_boost: hasSignal && bassDelta !== null ? r2(bassBoostFromDelta(bassDelta)) : null,
        centroid_hz: r2(centroid),
      },
      speech: {
        score: r3(speech.score),
        present: hasSignal && speech.score >= 0.5,
        voiced_fraction: r3(speech.voicedFraction),
        syllable_rate_hz: r3(speech.syllableRate),
        pitch_glide: r3(speech.pitchGlide),
        syllabic_modulation: r3(speech.syllabicModulation),
      },
      genre: { label: genre.label, confidence: genre.confidence, music_presence: genre.musicPresence },
      normalization_level:
        hasSignal && ls.integratedLufs !== null ? r3(normalizationLevelFromLufs(ls.integratedLufs)) : null,
      confidence: r3(Math.max(0, Math.min(1, confidence))),
    };
  }
}
