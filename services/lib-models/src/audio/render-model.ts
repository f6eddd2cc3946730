import type { AudioStyle } from "@clipzy/contracts";
import type { AudioAnalysis } from "./analyzer.js";
import { deltaFromBassBoost, lufsFromNormalizationLevel } from "./dynamics.js";
import { LIMITER_CURVE_MAX_DB, limitedGainFilters, limiterLoss } from "./limiter.js";

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
 * - normalization_level n -> target loudness L_t = -30 + 24 n LUFS, in two passes as loudnorm's
 *   linear mode does: the analysis pass measured the source's integrated loudness and true peak
 *   (over its channels, as ffmpeg's ebur128 does); the render applies one linear gain
 *   G = L_t - L_measured - (shelf's expected change). When that gain would put the true peak over
 *   RENDER_CEILING_DBTP, a look-ahead limiter at the ceiling follows it and G is raised by what the
 *   limiter is predicted to cost (audio/limiter.ts, from the source's measured 10 ms peaks), so the
 *   output still lands on L_t. This works for clips of any length (loudnorm leaves clips under 3 s
 *   alone). Unmeasured (no analysis), it ends in single-pass `loudnorm` at L_t.
 * - enhance_speech -> a gentle presence band (`highpass` 80 Hz + 3 dB peak at 3 kHz) when true and
 *   the source has speech (a measured source without speech gets none: there is nothing to enhance).
 *
 * Each stage is added only when the target asks for a change: a null field, a bass change under
 * 0.5 dB or a target no more compressed than the source adds nothing.
 */

/**
 * True-peak ceiling the render aims for: 2 dB under the -1 dBTP limit, because the AAC encoder
 * overshoots. Measured: ffmpeg's aac at 192k raised the true peak of limited material by up to
 * 1.4 dB (a 2 s music clip limited at -2.5 dBFS over ten gains read -2.5 to -1.1 dBTP).
 */
export const RENDER_CEILING_DBTP = -3;

export function audioFilterChain(style: AudioStyle, measured?: AudioAnalysis, trimDb = 0): string {
  return audioPlan(style, measured, trimDb).chain;
}

/** The chain and, when it sets a loudness by a measured gain, that gain and whether it reaches. */
export interface AudioPlan {
  chain: string;
  loudness: { gainDb: number; limit: boolean; reachable: boolean } | null;
}

/**
 * The chain of audioFilterChain, with the closed loop's trim: `trimDb` is added to the gain the
 * model chose, what rendered proxies measured short of the target (the loop steps it by the
 * measured response, which a limiter flattens), so the next render lands on the target however
 * the chain's stages (shelf, compressor, limiter) moved it. `reachable` is false when the gain
 * would need more limiting than the engine allows (LIMITER_CURVE_MAX_DB over the ceiling).
 */
export function audioPlan(style: AudioStyle, measured?: AudioAnalysis, trimDb = 0): AudioPlan {
  let loudness: AudioPlan["loudness"] = null;
  const m = measured && !measured.empty && measured.loudness.integrated_lufs !== null ? measured : undefined;
  const filters: string[] = [];
  let predictedGainDb = 0;
  let peakRiseDb = 0;

  if (style.enhance_speech && (!m || m.speech.present)) {
    filters.push("highpass=f=80", "equalizer=f=3000:t=q:w=1:g=3");
    peakRiseDb += 3;
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
      peakRiseDb += Math.max(0, g);
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
      // the makeup restores the body's level; transients faster than the attack keep it on top
      peakRiseDb += 20 * Math.log10(makeup);
    }
  }

  if (style.normalization_level !== null) {
    const target = lufsFromNormalizationLevel(style.normalization_level);
    if (m && m.loudness.integrated_lufs !== null) {
      const planned = loudnessGain(target, m, predictedGainDb, peakRiseDb);
      const gainDb = clamp(planned.gainDb + trimDb, -40, 40);
      const excess = loudnessPeak(m, peakRiseDb) + gainDb - RENDER_CEILING_DBTP;
      const limit = excess > 0;
      const reachable = trimDb === 0 ? planned.reachable : excess <= LIMITER_CURVE_MAX_DB;
      loudness = { gainDb, limit, reachable };
      filters.push(
        ...(limit ? limitedGainFilters(fmt(gainDb), RENDER_CEILING_DBTP) : [`volume=${fmt(gainDb)}dB`]),
      );
    } else {
      filters.push(`loudnorm=I=${fmt(target)}:TP=-1.5:LRA=20`);
    }
  }
  return { chain: filters.length ? filters.join(",") : "anull", loudness };
}

/**
 * The linear gain that lands the source on `targetLufs`, and whether a limiter must follow it:
 * the smallest G with G - loss(peak + G - ceiling) >= the gain needed without a limiter, found by
 * bisection (the predicted loudness is non-decreasing in G while the loss grows slower than the
 * excess). Limiting is bounded by the loss curve's range (LIMITER_CURVE_MAX_DB): a target that
 * would need more lands short of it rather than being squashed further (`reachable` false).
 */
export function loudnessGain(
  targetLufs: number,
  m: AudioAnalysis,
  predictedGainDb = 0,
  peakRiseDb = 0,
): { gainDb: number; limit: boolean; reachable: boolean } {
  const measuredLufs = m.loudness.integrated_lufs ?? targetLufs;
  const peak = loudnessPeak(m, peakRiseDb);
  const base = clamp(targetLufs - measuredLufs - predictedGainDb, -40, 40);
  const excess = (g: number) => peak + g - RENDER_CEILING_DBTP;
  const reached = (g: number) => g - limiterLoss(m.loudness.limiter_loss_db, excess(g)) >= base;
  let gain = base;
  let reachable = true;
  if (excess(base) > 0 && !reached(base)) {
    let lo = base;
    let hi = Math.min(40, RENDER_CEILING_DBTP - peak + LIMITER_CURVE_MAX_DB);
    if (hi > lo && reached(hi)) {
      for (let i = 0; i < 40; i++) {
        const mid = (lo + hi) / 2;
        if (reached(mid)) hi = mid;
        else lo = mid;
      }
    } else reachable = false;
    gain = Math.max(base, hi);
  }
  return { gainDb: gain, limit: excess(gain) > 0, reachable };
}

/** The source's true peak (sample peak without it) plus what the chain's stages raise it by. */
const loudnessPeak = (m: AudioAnalysis, rise: number) =>
  (m.loudness.true_peak_dbtp ?? m.loudness.sample_peak_dbfs ?? -60) + rise;

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));
const fmt = (x: number) => String(Math.round(x * 100) / 100);
