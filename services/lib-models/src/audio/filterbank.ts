/**
 * Mel-like triangular filterbank over the bins of a real FFT, and the three coarse bands the
 * product reports ("bass" | "mid" | "high").
 */
export type BandName = "bass" | "mid" | "high";
export const BAND_NAMES: readonly BandName[] = ["bass", "mid", "high"];
/** Upper edge of "bass" (kick drums, bass lines). */
export const BASS_MAX_HZ = 200;
/** Upper edge of "mid" (snare body and noise, voice, most instruments); above is "high" (cymbals, hats). */
export const MID_MAX_HZ = 5000;

export function bandOf(hz: number): 0 | 1 | 2 {
  return hz < BASS_MAX_HZ ? 0 : hz < MID_MAX_HZ ? 1 : 2;
}

export interface MelBand {
  /** First FFT bin with non-zero weight. */
  readonly start: number;
  readonly weights: Float64Array;
  readonly centerHz: number;
  /** 0 bass, 1 mid, 2 high (by centre frequency). */
  readonly group: 0 | 1 | 2;
}

const hzToMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const melToHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);

/**
 * `nBands` triangular filters equally spaced on the (HTK) mel scale between fMin and fMax.
 * A filter narrower than the bin spacing (the lowest bands) still gets its nearest bin, so no
 * band is empty.
 */
export function melFilterbank(
  nFft: number,
  sampleRate: number,
  nBands: number,
  fMin: number,
  fMax: number,
): MelBand[] {
  const binHz = sampleRate / nFft;
  const nBins = nFft / 2 + 1;
  const top = Math.min(fMax, sampleRate / 2);
  const mMin = hzToMel(fMin);
  const mMax = hzToMel(top);
  const edges: number[] = [];
  for (let i = 0; i < nBands + 2; i++) edges.push(melToHz(mMin + ((mMax - mMin) * i) / (nBands + 1)));
  const bands: MelBand[] = [];
  for (let b = 0; b < nBands; b++) {
    const lo = edges[b];
    const c = edges[b + 1];
    const hi = edges[b + 2];
    const first = Math.max(0, Math.ceil(lo / binHz));
    const last = Math.min(nBins - 1, Math.floor(hi / binHz));
    const w: number[] = [];
    for (let k = first; k <= last; k++) {
      const f = k * binHz;
      w.push(f <= c ? (f - lo) / (c - lo) : (hi - f) / (hi - c));
    }
    let start = first;
    let weights = Float64Array.from(w.map((x) => Math.max(0, x)));
    if (weights.length === 0 || weights.every((x) => x === 0)) {
      start = Math.min(nBins - 1, Math.round(c / binHz));
      weights = Float64Array.of(1);
    }
    bands.push({ start, weights, centerHz: c, group: bandOf(c) });
  }
  return bands;
}
