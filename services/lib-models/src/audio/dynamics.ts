import type { LoudnessSummary } from "./loudness.js";
import { percentileSorted } from "./loudness.js";

/**
 * Dynamics descriptors and the compression / bass / loudness models.
 *
 * A compression ratio cannot be read back from the output alone (the same output can come from a
 * dynamic source squashed hard or a flat source left alone). What compression changes is
 * measurable: it narrows the spread of 100 ms levels (a compressor with a 5-100 ms attack/release
 * works at that scale) and, on material with sections at different levels, the loudness range
 * (LRA). The model turns both into a compression index c (log2 units, 0 = reference dynamics):
 *
 *   c = (0.7 log2(24 dB / spread) + 0.3 min(0, log2(3 LU / LRA))) / (0.7 + 0.3)
 *   compression_ratio = (1 + 2^(4 * GAIN * c))^(1/4),  GAIN = 1.6
 *
 * i.e. about 2^(GAIN*c) once c > 0.3, and smoothly (never below) 1 for dynamic material; it is
 * strictly increasing in c. LRA only ever lowers c: a steady track (a kick loop, a monologue) has
 * an LRA near 0 whether compressed or not, so a small LRA is no evidence of compression, while a
 * large one is evidence against it. (The previous model scored LRA against 12 LU and read 20, its
 * cap, on a plain kick loop and on plain speech.) The crest factor is reported but not used:
 * transients faster than the attack escape any compressor, so it barely moves. GAIN is
 * calibrated on ffmpeg `acompressor` (threshold -30 dB, attack 5 ms, release 100 ms) at ratios
 * 1/2/4/8/20 on a kick loop, a drum-and-chords track and espeak-ng speech (audio-accuracy.test.ts
 * prints the readings); speech saturates from ratio 4 on, where its pauses dominate the spread.
 */
export interface DynamicsDescriptors {
  /** Sample peak over RMS of the whole track, dB. */
  crestFactorDb: number | null;
  /** True peak minus integrated loudness, dB (peak-to-loudness ratio). */
  plrDb: number | null;
  /** Loudness range, LU. */
  lraLu: number | null;
  /** P95 - P10 of the 100 ms RMS levels of active audio, dB ("envelope spread"). */
  envelopeSpreadDb: number | null;
  /** Median over active 100 ms blocks of peak-to-RMS, dB (short-term crest). */
  shortCrestDb: number | null;
}

/** Descriptors of typical uncompressed (lightly mastered) material. */
export const REFERENCE: Readonly<Record<"envelopeSpreadDb" | "plrDb" | "lraLu" | "crestFactorDb", number>> = {
  envelopeSpreadDb: 24,
  plrDb: 20,
  lraLu: 12,
  crestFactorDb: 20,
};
const SPREAD_WEIGHT = 0.7;
const LRA_WEIGHT = 0.3;
/** An LRA at or under this is no evidence either way (steady material). */
const STEADY_LRA_LU = 3;
export const COMPRESSION_GAIN = 1.6;

export function dynamicsDescriptors(
  summary: LoudnessSummary,
  sub: { meanSquare: readonly number[]; peak: readonly number[]; kMeanSquare: readonly number[] },
): DynamicsDescriptors {
  const levels: number[] = [];
  const crests: number[] = [];
  const gate = summary.integratedLufs !== null ? summary.integratedLufs - 30 : -70;
  for (let i = 0; i < sub.meanSquare.length; i++) {
    const kl = -0.691 + 10 * Math.log10(sub.kMeanSquare[i] + 1e-20);
    if (kl < -70 || kl < gate) continue;
    const ms = sub.meanSquare[i];
    if (ms <= 0) continue;
    const l = 10 * Math.log10(ms);
    levels.push(l);
    if (sub.peak[i] > 0) crests.push(20 * Math.log10(sub.peak[i]) - l);
  }
  levels.sort((a, b) => a - b);
  crests.sort((a, b) => a - b);
  const crest =
    summary.samplePeakDbfs !== null && summary.rmsDbfs !== null
      ? summary.samplePeakDbfs - summary.rmsDbfs
      : null;
  const plr =
    summary.truePeakDbtp !== null && summary.integratedLufs !== null
      ? summary.truePeakDbtp - summary.integratedLufs
      : null;
  return {
    crestFactorDb: crest,
    plrDb: plr,
    lraLu: summary.rangeLu,
    envelopeSpreadDb:
      levels.length >= 5 ? percentileSorted(levels, 0.95) - percentileSorted(levels, 0.1) : null,
    shortCrestDb: crests.length > 0 ? percentileSorted(crests, 0.5) : null,
  };
}

/** Compression index c (log2 units; 0 = reference dynamics). Null when nothing is measurable. */
export function compressionIndex(d: DynamicsDescriptors, durationSeconds = 60): number | null {
  let sum = 0;
  let wsum = 0;
  if (d.envelopeSpreadDb !== null && Number.isFinite(d.envelopeSpreadDb)) {
    sum += SPREAD_WEIGHT * Math.log2(REFERENCE.envelopeSpreadDb / Math.max(0.5, d.envelopeSpreadDb));
    wsum += SPREAD_WEIGHT;
  }
  if (d.lraLu !== null && Number.isFinite(d.lraLu)) {
    // LRA needs a few 3 s windows to mean anything: full weight from 12 s on
    const w = LRA_WEIGHT * Math.max(0, Math.min(1, (durationSeconds - 3) / 9));
    sum += w * Math.min(0, Math.log2(STEADY_LRA_LU / Math.max(0.5, d.lraLu)));
    wsum += w;
  }
  return wsum > 0 ? sum / wsum : null;
}

/**
 * compression_ratio from the index (see the model above): >= 1, increasing, and capped at 20,
 * acompressor's largest ratio: material with no dynamics at all (a steady tone) would otherwise
 * read as thousands to one, which no renderer can reproduce.
 */
export const MAX_COMPRESSION_RATIO = 20;

export function compressionRatioFromIndex(c: number): number {
  return Math.min(MAX_COMPRESSION_RATIO, (1 + 2 ** (4 * COMPRESSION_GAIN * c)) ** 0.25);
}

/** Inverse of compressionRatioFromIndex (for R > 1). */
export function indexFromCompressionRatio(r: number): number {
  return Math.log2(Math.max(1e-9, r ** 4 - 1)) / (4 * COMPRESSION_GAIN);
}

/**
 * Bass balance: share of power below 200 Hz against the rest (20 Hz..16 kHz), in dB relative to
 * pink noise (equal power per octave: ln(200/20)/ln(16000/200) = 0.5254), the neutral reference.
 * bass_boost = 100 * tanh(deltaDb / 12): +-12 dB of shelf reads as +-76.
 */
export const PINK_LOW_TO_REST = Math.log(200 / 20) / Math.log(16000 / 200);

export function bassDeltaDb(groupEnergy: readonly [number, number, number]): number | null {
  const [low, mid, high] = groupEnergy;
  if (low <= 0 || mid + high <= 0) return null;
  return 10 * Math.log10(low / (mid + high) / PINK_LOW_TO_REST);
}

export function bassBoostFromDelta(deltaDb: number): number {
  return Math.max(-100, Math.min(100, 100 * Math.tanh(deltaDb / 12)));
}

export function deltaFromBassBoost(boost: number): number {
  const x = Math.max(-0.99, Math.min(0.99, boost / 100));
  return 12 * Math.atanh(x);
}

/**
 * normalization_level: integrated loudness mapped linearly, -30 LUFS -> 0, -6 LUFS -> 1
 * (so -23 LUFS broadcast = 0.29, -14 LUFS streaming = 0.67, -9 LUFS loud master = 0.875).
 */
export function normalizationLevelFromLufs(lufs: number): number {
  return Math.max(0, Math.min(1, (lufs + 30) / 24));
}

export function lufsFromNormalizationLevel(level: number): number {
  return -30 + 24 * Math.max(0, Math.min(1, level));
}
