import type { BandName } from "./filterbank.js";
import { BAND_NAMES } from "./filterbank.js";

/**
 * Onset envelope, tempo and beat tracking over per-frame features (pure, no I/O).
 *
 * Envelope: the log-mel spectral flux averaged over bands (a mean, never a median, so a
 * bass-only onset is not voted away by the silent upper bands). The three band groups are first
 * put on an equal footing (each divided by the typical height of its own onset peaks) because a
 * kick occupies 4 of 64 mel bands and a hi-hat 20: without it the hats dominate the mean and the
 * tracker locks onto them. Hats then weigh `highWeight` (0.35): hats usually subdivide the beat,
 * kick and snare carry it.
 *
 * Tempo: autocorrelation of the envelope over lags for minBpm..maxBpm, weighted by a log-normal
 * prior (centre 120 BPM, sigma 1 octave, as librosa), then a metrical-level check on the tracked
 * beats (see `trackBeats`) that settles octave errors from evidence rather than the prior alone.
 *
 * Beats: Ellis (2007) dynamic programming, as in librosa: local score = envelope smoothed by a
 * Gaussian of sd period/32, transition cost tightness * log(interval/period)^2 over intervals of
 * period/2..2*period, backtracking from the last strong cumulative-score peak.
 */
export interface RhythmConfig {
  minBpm: number;
  maxBpm: number;
  priorBpm: number;
  priorOctaves: number;
  tightness: number;
  highWeight: number;
  /** Sub-beat positions at least this strong relative to beats mean the beat is twice as fast. */
  fastRatio: number;
  /** Alternate beats weaker than this relative to the others mean the beat is half as fast. */
  slowRatio: number;
  /** Seconds the envelope peak precedes/follows the onset (added to beat times). */
  latencySeconds: number;
}

export const DEFAULT_RHYTHM: RhythmConfig = {
  minBpm: 40,
  maxBpm: 240,
  priorBpm: 120,
  priorOctaves: 1,
  tightness: 100,
  highWeight: 0.35,
  fastRatio: 0.7,
  slowRatio: 0.67,
  latencySeconds: 0.005,
};

export interface TrackedBeat {
  timeSeconds: number;
  confidence: number;
  band: BandName;
  strength: number;
}

export interface RhythmResult {
  bpm: number | null;
  /** Tempo before the linear-fit refinement (from the envelope period). */
  periodBpm: number | null;
  /** Normalised autocorrelation at the beat period (0..1): periodicity clarity. */
  clarity: number;
  beats: TrackedBeat[];
  /** Mean beat confidence. */
  beatStrength: number;
  /** Metrical-level moves made: "x2" (faster) / "/2" (slower). */
  levelMoves: string[];
}

/**
 * Typical height of a series' onset peaks: the 90th percentile of its local maxima above 5 % of
 * the largest. Not the largest itself: the start of a track, where every band rises from silence
 * by 70 dB while later onsets over a sustained chord rise by 10, would set the scale of the whole
 * group. Not the median of the peaks either: a sustained bass or chord layer adds many small flux
 * peaks (the beating of its partials, its retriggers on the off-beats of the drums) that would
 * pull it down to their height and make every real onset of the group read twice as strong as
 * those of the other groups.
 */
export function peakScale(x: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  if (max <= 0) return 0;
  const peaks: number[] = [];
  for (let i = 1; i + 1 < x.length; i++) {
    const v = x[i];
    if (v >= 0.05 * max && v >= x[i - 1] && v > x[i + 1]) peaks.push(v);
  }
  if (peaks.length === 0) return max;
  peaks.sort((a, b) => b - a);
  return peaks[Math.floor(0.1 * peaks.length)];
}

type Flux3 = readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];

/** 1 / typical onset height of each group (floored at 15 % of the largest, so an empty group stays quiet). */
function groupGains(flux: Flux3): number[] | null {
  const scales = flux.map(peakScale);
  const maxScale = Math.max(...scales);
  if (maxScale <= 0) return null;
  return scales.map((s) => 1 / Math.max(s, 0.15 * maxScale));
}

/** The onset envelope: weighted mean of the group-equalised band-mean flux. */
export function onsetEnvelope(flux: Flux3, highWeight = DEFAULT_RHYTHM.highWeight): Float32Array {
  const n = flux[0].length;
  const env = new Float32Array(n);
  const gains = groupGains(flux);
  if (!gains) return env;
  const w = [1, 1, highWeight];
  const wsum = w[0] + w[1] + w[2];
  const k = gains.map((g, i) => (g * w[i]) / wsum);
  for (let t = 0; t < n; t++) env[t] = flux[0][t] * k[0] + flux[1][t] * k[1] + flux[2][t] * k[2];
  return env;
}

/**
 * Beat salience for the metrical-level decision: the strongest group-equalised onset at each
 * frame (hats weighted down). Unlike the mean, a kick-only and a snare-only beat score alike here,
 * so "kick, snare, kick, snare" reads as four equal beats and "kick, hat, kick, hat" as beat and
 * sub-beat.
 */
export function normalisedGroups(flux: Flux3): [Float32Array, Float32Array, Float32Array] {
  const n = flux[0].length;
  const out: [Float32Array, Float32Array, Float32Array] = [
    new Float32Array(n),
    new Float32Array(n),
    new Float32Array(n),
  ];
  const gains = groupGains(flux);
  if (!gains) return out;
  for (let g = 0; g < 3; g++) for (let t = 0; t < n; t++) out[g][t] = flux[g][t] * gains[g];
  return out;
}

export function beatSalience(flux: Flux3, highWeight = DEFAULT_RHYTHM.highWeight): Float32Array {
  const n = flux[0].length;
  const sal = new Float32Array(n);
  const gains = groupGains(flux);
  if (!gains) return sal;
  for (let t = 0; t < n; t++)
    sal[t] = Math.max(flux[0][t] * gains[0], flux[1][t] * gains[1], flux[2][t] * gains[2] * highWeight);
  return sal;
}

export interface PeriodEstimate {
  periodFrames: number;
  clarity: number;
}

/** Beat period (frames) by autocorrelation of the envelope, weighted by the log-normal tempo prior. */
export function estimatePeriod(
  env: ArrayLike<number>,
  fps: number,
  cfg: RhythmConfig = DEFAULT_RHYTHM,
): PeriodEstimate | null {
  const n = env.length;
  const lMin = Math.max(2, Math.floor((60 * fps) / cfg.maxBpm));
  const lMax = Math.min(n - 2, Math.ceil((60 * fps) / cfg.minBpm));
  if (lMax <= lMin + 2) return null;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += env[i];
  mean /= n;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = env[i] - mean;
  let r0 = 0;
  for (let i = 0; i < n; i++) r0 += x[i] * x[i];
  r0 /= n;
  if (r0 <= 0) return null;
  const acf = new Float64Array(lMax + 2);
  for (let l = lMin - 1; l <= lMax + 1; l++) {
    let s = 0;
    for (let i = 0; i + l < n; i++) s += x[i] * x[i + l];
    acf[l] = s / (n - l) / r0;
  }
  let best = -1;
  let bestScore = 0;
  for (let l = lMin; l <= lMax; l++) {
    if (acf[l] <= 0 || acf[l] < acf[l - 1] || acf[l] < acf[l + 1]) continue;
    const bpm = (60 * fps) / l;
    const z = Math.log2(bpm / cfg.priorBpm) / cfg.priorOctaves;
    const score = acf[l] * Math.exp(-0.5 * z * z);
    if (score > bestScore) {
      bestScore = score;
      best = l;
    }
  }
  if (best < 0) return null;
  const a = acf[best - 1];
  const b = acf[best];
  const c = acf[best + 1];
  const den = a - 2 * b + c;
  const delta = den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den)) : 0;
  return { periodFrames: best + delta, clarity: Math.max(0, Math.min(1, b)) };
}

/** Ellis (2007) DP beat tracker. Returns beat frame indices. */
export function dpBeats(env: ArrayLike<number>, period: number, tightness: number): number[] {
  const n = env.length;
  if (n < 3 || period < 2) return [];
  let mean = 0;
  for (let i = 0; i < n; i++) mean += env[i];
  mean /= n;
  let sd = 0;
  for (let i = 0; i < n; i++) sd += (env[i] - mean) ** 2;
  sd = Math.sqrt(sd / n) || 1;
  // local score: Gaussian-smoothed, std-normalised envelope
  const half = Math.round(period);
  const win: number[] = [];
  for (let k = -half; k <= half; k++) win.push(Math.exp(-0.5 * ((k * 32) / period) ** 2));
  const local = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = -half; k <= half; k++) {
      const j = i + k;
      if (j >= 0 && j < n) s += (env[j] / sd) * win[k + half];
    }
    local[i] = s;
  }
  const cum = new Float64Array(n);
  const back = new Int32Array(n).fill(-1);
  const lo = Math.round(2 * period);
  const hi = Math.max(1, Math.round(period / 2));
  const txwt = new Float64Array(lo + 1);
  for (let d = hi; d <= lo; d++) txwt[d] = -tightness * Math.log(d / period) ** 2;
  let maxLocal = 0;
  for (let i = 0; i < n; i++) if (local[i] > maxLocal) maxLocal = local[i];
  let firstBeat = true;
  for (let i = 0; i < n; i++) {
    let best = Number.NEGATIVE_INFINITY;
    let arg = -1;
    for (let d = hi; d <= lo; d++) {
      const j = i - d;
      // a predecessor before the start of the track is virtual: score 0, no backlink (librosa)
      const s = (j >= 0 ? cum[j] : 0) + txwt[d];
      if (s > best) {
        best = s;
        arg = j;
      }
    }
    cum[i] = local[i] + best;
    back[i] = arg >= 0 && !(firstBeat && local[i] < 0.01 * maxLocal) ? arg : -1;
    if (firstBeat && local[i] >= 0.01 * maxLocal) firstBeat = false;
  }
  // last beat: the global maximum of the cumulative score (later beats only add weak evidence
  // minus transition cost; the trailing weak ones are trimmed below)
  let last = 0;
  for (let i = 1; i < n; i++) if (cum[i] > cum[last]) last = i;
  const beats: number[] = [];
  for (let i = last; i >= 0; i = back[i]) beats.push(i);
  beats.reverse();
  // trim weak leading/trailing beats (librosa: below half the RMS of the smoothed local score)
  let rms = 0;
  for (const b of beats) rms += local[b] ** 2;
  rms = Math.sqrt(rms / Math.max(1, beats.length));
  let s = 0;
  let e = beats.length;
  while (s < e && local[beats[s]] < 0.5 * rms) s++;
  while (e > s && local[beats[e - 1]] < 0.5 * rms) e--;
  return beats.slice(s, e);
}

function strengthAt(env: ArrayLike<number>, f: number, radius: number): number {
  let m = 0;
  const a = Math.max(0, Math.round(f) - radius);
  const b = Math.min(env.length - 1, Math.round(f) + radius);
  for (let i = a; i <= b; i++) if (env[i] > m) m = env[i];
  return m;
}

/** Band-mean log flux (dB per 20 ms) below which a group has no onsets at all. */
const MIN_ONSET_DB = 3;

/**
 * A position whose linear energy rise is mostly bass but whose group-equalised bass flux is below
 * this fraction of its mid or high flux has no bass onset: the rise is the beating of a sustained
 * bass or chord tone (large in linear power, small in dB), and the onset is the mid or high one.
 */
const NO_BASS_ONSET = 0.5;

/** Below this relative salience a position has no onset worth classifying. */
const SIGNIFICANT = 0.15;

function majority(labels: number[]): number {
  const c = [0, 0, 0];
  for (const l of labels) c[l]++;
  return c[0] >= c[1] && c[0] >= c[2] ? 0 : c[1] >= c[2] ? 1 : 2;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/**
 * Strength of the positions halfway between beats relative to the beats (sub-beat evidence).
 * When `bandAt` is given, midpoints whose onsets are mostly bass or mid and of another band than
 * the beats (kicks between snares) are beats whatever their height: the ratio is then 1.
 */
export function midpointRatio(
  sal: ArrayLike<number>,
  beats: number[],
  radius: number,
  bandAt?: (frame: number) => 0 | 1 | 2,
): number {
  if (beats.length < 3) return 0;
  const on: number[] = [];
  const mid: number[] = [];
  for (let i = 0; i + 1 < beats.length; i++) {
    on.push(beats[i]);
    mid.push(0.5 * (beats[i] + beats[i + 1]));
  }
  const med = (x: ArrayLike<number>, set: number[]) => median(set.map((b) => strengthAt(x, b, radius)));
  const m = med(sal, on);
  if (m <= 0) return 0;
  const ratio = med(sal, mid) / m;
  if (bandAt && ratio >= SIGNIFICANT) {
    const mb = majority(mid.map(bandAt));
    const ob = majority(on.map(bandAt));
    if (mb === 2 && ob !== 2) return 0; // hats between kicks/snares subdivide the beat
    if (mb !== ob) return 1; // kicks between snares (or the reverse) are beats
  }
  return ratio;
}

/**
 * Weaker over stronger of the medians of alternate beats (1 = all beats alike). When `bandAt` is
 * given, a weaker set whose onsets are mostly bass or mid and of another band than the stronger
 * set (a kick masked by a bass line against a snare) is not a sub-beat: the ratio is then 1.
 */
export function alternationRatio(
  sal: ArrayLike<number>,
  beats: number[],
  radius: number,
  bandAt?: (frame: number) => 0 | 1 | 2,
): number {
  if (beats.length < 4) return 1;
  const sets: [number[], number[]] = [
    beats.filter((_, i) => i % 2 === 0),
    beats.filter((_, i) => i % 2 === 1),
  ];
  const med = (x: ArrayLike<number>, set: number[]) => median(set.map((b) => strengthAt(x, b, radius)));
  const a = med(sal, sets[0]);
  const b = med(sal, sets[1]);
  const hi = Math.max(a, b);
  if (hi <= 0) return 1;
  const weak = a < b ? 0 : 1;
  const ratio = Math.min(a, b) / hi;
  if (bandAt && ratio >= SIGNIFICANT) {
    const wb = majority(sets[weak].map(bandAt));
    const sb = majority(sets[1 - weak].map(bandAt));
    if (wb === 2 && sb !== 2) return 0; // hats against kicks/snares: sub-beats
    if (wb !== sb) return 1; // kick against snare: both beats
  }
  return ratio;
}

export interface RhythmInput {
  fps: number;
  flux: readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];
  energyRise: readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];
}

export function trackBeats(input: RhythmInput, cfg: RhythmConfig = DEFAULT_RHYTHM): RhythmResult {
  const { fps } = input;
  const env = onsetEnvelope(input.flux, cfg.highWeight);
  const radius = Math.max(1, Math.round(0.02 * fps));
  const sal = beatSalience(input.flux, cfg.highWeight);
  const bandAt = (f: number): 0 | 1 | 2 => {
    const b = Math.round(f);
    const rise = [0, 0, 0];
    for (let j = Math.max(0, b - 2); j <= Math.min(env.length - 1, b + 3); j++)
      for (let g = 0; g < 3; g++) rise[g] += input.energyRise[g][j];
    return rise[0] >= rise[1] && rise[0] >= rise[2] ? 0 : rise[1] >= rise[2] ? 1 : 2;
  };
  // band of an onset for the metrical-level rules: the linear rise, unless a sustained tone's
  // beating made it read "bass" where the (dB) flux shows no bass onset (off-beat hats over chords)
  const ng = normalisedGroups(input.flux);
  const onsetGroup = (f: number): 0 | 1 | 2 => {
    const lin = bandAt(f);
    if (lin !== 0) return lin;
    const [b, m, h] = [0, 1, 2].map((g) => strengthAt(ng[g], f, radius));
    if (b >= NO_BASS_ONSET * Math.max(m, h)) return 0;
    return h >= m ? 2 : 1;
  };
  const empty: RhythmResult = {
    bpm: null,
    periodBpm: null,
    clarity: 0,
    beats: [],
    beatStrength: 0,
    levelMoves: [],
  };
  // no onsets worth the name (a steady tone, noise, silence): no rhythm
  const rawPeak = Math.max(peakScale(input.flux[0]), peakScale(input.flux[1]), peakScale(input.flux[2]));
  if (rawPeak < MIN_ONSET_DB) return empty;
  const est = estimatePeriod(env, fps, cfg);
  if (!est) return empty;
  let period = est.periodFrames;
  let beats = dpBeats(env, period, cfg.tightness);
  const moves: string[] = [];
  let dir: "" | "slow" | "fast" = "";
  for (let iter = 0; iter < 3; iter++) {
    if (
      dir !== "fast" &&
      (60 * fps) / (2 * period) >= cfg.minBpm &&
      alternationRatio(sal, beats, radius, onsetGroup) < cfg.slowRatio
    ) {
      period *= 2;
      beats = dpBeats(env, period, cfg.tightness);
      dir = "slow";
      moves.push("/2");
      continue;
    }
    if (
      dir !== "slow" &&
      (60 * fps) / (period / 2) <= cfg.maxBpm &&
      midpointRatio(sal, beats, radius, onsetGroup) >= cfg.fastRatio
    ) {
      period /= 2;
      beats = dpBeats(env, period, cfg.tightness);
      dir = "fast";
      moves.push("x2");
      continue;
    }
    break;
  }
  const clarity = acfAt(env, period);
  if (beats.length < 2) return { ...empty, periodBpm: (60 * fps) / period, clarity };

  // sub-frame beat times: parabolic peak of the envelope near each DP beat
  const times: number[] = [];
  const strengths: number[] = [];
  const search = Math.max(1, Math.round(0.03 * fps));
  for (const b of beats) {
    let p = b;
    for (let i = Math.max(1, b - search); i <= Math.min(env.length - 2, b + search); i++)
      if (env[i] > env[p]) p = i;
    let t = p;
    if (p > 0 && p + 1 < env.length) {
      const a = env[p - 1];
      const c = env[p + 1];
      const den = a - 2 * env[p] + c;
      if (den < 0) t = p + Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den));
    }
    times.push(t / fps + cfg.latencySeconds);
    strengths.push(env[p]);
  }

  // tempo: least-squares line through (beat index, time); gaps count as whole periods
  const T = period / fps;
  const idx: number[] = [0];
  for (let i = 1; i < times.length; i++)
    idx.push(idx[i - 1] + Math.max(1, Math.round((times[i] - times[i - 1]) / T)));
  const slope = fitSlope(idx, times);
  const bpm = slope > 0 && times.length >= 4 ? 60 / slope : 60 / T;

  // per-beat confidence from local evidence; band from where the onset energy rose
  const medStrength = median(strengths);
  const halfP = Math.max(2, Math.round(period / 2));
  const out: TrackedBeat[] = [];
  for (let i = 0; i < beats.length; i++) {
    const b = beats[i];
    const around: number[] = [];
    for (let j = Math.max(0, b - halfP); j <= Math.min(env.length - 1, b + halfP); j++) around.push(env[j]);
    const bg = median(around);
    const s = strengths[i];
    const contrast = s > 0 ? Math.max(0, (s - bg) / s) : 0;
    const rel = medStrength > 0 ? Math.min(1, s / (0.75 * medStrength)) : 0;
    const g = bandAt(b);
    out.push({
      timeSeconds: Math.max(0, times[i]),
      confidence: round3(Math.max(0, Math.min(1, contrast * rel))),
      band: BAND_NAMES[g],
      strength: s,
    });
  }
  const beatStrength = out.reduce((a, b) => a + b.confidence, 0) / out.length;
  return { bpm, periodBpm: (60 * fps) / period, clarity, beats: out, beatStrength, levelMoves: moves };
}

function acfAt(env: ArrayLike<number>, lag: number): number {
  const n = env.length;
  const l = Math.round(lag);
  if (l <= 0 || l >= n) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += env[i];
  mean /= n;
  let r0 = 0;
  let r = 0;
  for (let i = 0; i < n; i++) r0 += (env[i] - mean) ** 2;
  for (let i = 0; i + l < n; i++) r += (env[i] - mean) * (env[i + l] - mean);
  if (r0 <= 0) return 0;
  return Math.max(0, Math.min(1, ((r / (n - l)) * n) / r0));
}

export function fitSlope(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
