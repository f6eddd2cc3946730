import type { AudioStyle } from "@clipzy/contracts";
import type { AudioAnalysis } from "./analyzer.js";
import { deltaFromBassBoost, lufsFromNormalizationLevel } from "./dynamics.js";

/**
 * The forward model the renderer uses: an ffmpeg `-af` chain that moves audio toward an
 * AudioStyle, built as the inverse of what the analyser measures (audio/dynamics.ts):
 *
 * - bass_boost b -> target bass balance D_t = 12 * atanh(b / 100) dB against pink noise. The
 *   chain applies a low shelf (`bass`, 120 Hz) of G = D_t - D_measured dB (D_t alone when the
 *   source is not measured, i.e. assumed neutral), clamped to +-15 dB. A shelf of G dB raises the
 *   power below 200 Hz by about G dB, which is what the analyser's balance reads.
 * - compression_ratio R_t -> `acompressor` with ratio R_t / R_measured (R_t when not measured)
 *   when that exceeds 1.05, threshold 10 dB below the measured loudness (-30 dBFS unknown),
 *   attack 5 ms, release 100 ms (the settings the analyser's model is calibrated on), and makeup
 *   gain for the expected gain reduction. A less compressed target than the source cannot be
 *   undone: no compressor is added then.
 * - normalization_level n -> target loudness L_t = -30 + 24 n LUFS. With a measured source the
 *   chain ends in a linear `volume` gain L_t - L_measured (corrected for the shelf's and the
 *   compressor's expected loudness change), plus, on request, a true-peak limiter at -1 dBTP;
 *   unmeasured, it ends in single-pass `loudnorm` at L_t.
 * - enhance_speech -> a gentle presence band (`highpass` 80 Hz + 3 dB peak at 3 kHz) when true.
 */
export interface FilterChainOptions {
  /**
   * Add a true-peak limiter at -1 dBTP when the predicted peak exceeds it. Off by default: a
   * limiter also compresses (it raises the measured compression ratio and costs loudness), and the
   * float pipeline does not clip before the encoder.
   */
  limitTruePeak?: boolean;
}

export function audioFilterChain(
  style: AudioStyle,
  measured?: AudioAnalysis,
  opts: FilterChainOptions = {},
): string {
  const m = measured && !measured.empty && measured.loudness.integrated_lufs !== null ? measured : undefined;
  const filters: string[] = [];
  let predictedGainDb = 0;

  if (style.enhance_speech) {
    filters.push("highpass=f=80", "equalizer=f=3000:t=q:w=1:g=3");
  }

  if (style.bass_boost !== null) {
    const target = deltaFromBassBoost(style.bass_boost);
    const current = m?.spectrum.bass_delta_db ?? 0;
    const g = clamp(target - current, -15, 15);
    if (Math.abs(g) >= 0.5) {
      filters.push(`bass=g=${fmt(g)}:f=120:t=q:w=0.7`);
      // K-weighting discounts lows: loudness moves by the K-weighted share of the bass band
      const share = m?.spectrum.band_share?.bass ?? 0.3;
      predictedGainDb += 10 * Math.log10(1 + 0.5 * share * (10 ** (g / 10) - 1));
    }
  }

  if (style.compression_ratio !== null && style.compression_ratio > 1) {
    const current = m?.dynamics.compression_ratio ?? 1;
    const ratio = clamp(style.compression_ratio / Math.max(1, current), 1, 20);
    if (ratio > 1.05) {
      const level = m?.loudness.integrated_lufs ?? -20;
      const threshold = clamp(level - 10, -50, -6);
      // expected gain reduction for programme 10 dB over threshold: 10 * (1 - 1/ratio)
      const reduction = 10 * (1 - 1 / ratio);
      const makeup = clamp(10 ** (reduction / 20), 1, 64);
      filters.push(
        `acompressor=threshold=${fmt(threshold)}dB:ratio=${fmt(ratio)}:attack=5:release=100:makeup=${fmt(makeup)}`,
      );
    }
  }

  if (style.normalization_level !== null) {
    const target = lufsFromNormalizationLevel(style.normalization_level);
    if (m && m.loudness.integrated_lufs !== null) {
      const gain = clamp(target - (m.loudness.integrated_lufs + predictedGainDb), -40, 40);
      filters.push(`volume=${fmt(gain)}dB`);
      const peak = (m.loudness.true_peak_dbtp ?? 0) + gain + Math.max(0, predictedGainDb);
      if (opts.limitTruePeak && peak > -1) filters.push("alimiter=limit=0.89:attack=1:release=50:level=0");
    } else {
      filters.push(`loudnorm=I=${fmt(target)}:TP=-1.5:LRA=20`);
    }
  }
  return filters.length ? filters.join(",") : "anull";
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));
const fmt = (x: number) => String(Math.round(x * 100) / 100);
