/**
 * A deliberately coarse genre label from tempo and a few spectral/rhythmic features, with its own
 * confidence (never above 0.6: a handful of hand-set prototypes cannot know genre better than
 * that). "unknown" when there is no music (silence, speech only, no periodic rhythm and no tone).
 */
export interface GenreInput {
  bpm: number | null;
  /** Periodicity clarity of the onset envelope at the beat period (0..1). */
  clarity: number;
  /** Mean beat confidence (0..1). */
  beatStrength: number;
  /** Bass balance vs pink noise, dB. */
  bassDeltaDb: number | null;
  /** Mean spectral centroid of active frames, Hz. */
  centroidHz: number;
  /** Fraction of beats whose onset is in the bass band. */
  bassBeatShare: number;
  speechScore: number;
  /** Loudness range, LU. */
  lraLu: number | null;
  /** Active audio (above the R128 absolute gate)? */
  hasSignal: boolean;
  /** Fraction of active frames that are pitched (tonal music without drums). */
  tonalFraction: number;
}

export interface GenreResult {
  label: string;
  confidence: number;
  /** How sure we are that there is music at all (0..1). */
  musicPresence: number;
}

interface Prototype {
  label: string;
  bpm: [number, number];
  /** minimum bass delta dB */
  bass?: number;
  centroid?: [number, number];
  fourOnFloor?: boolean;
}

const PROTOTYPES: Prototype[] = [
  { label: "electronic", bpm: [115, 140], bass: 0, fourOnFloor: true },
  { label: "drum-and-bass", bpm: [160, 185], bass: 0 },
  { label: "hip-hop", bpm: [70, 100], bass: 3 },
  { label: "rock", bpm: [100, 160], centroid: [1200, 6000] },
  { label: "pop", bpm: [90, 130], centroid: [800, 4000] },
  { label: "downtempo", bpm: [55, 95] },
];

const inRange = (x: number, [lo, hi]: [number, number], soft: number) =>
  x >= lo && x <= hi ? 1 : Math.max(0, 1 - Math.min(Math.abs(x - lo), Math.abs(x - hi)) / soft);

export function classifyGenre(g: GenreInput): GenreResult {
  const rhythm = Math.min(1, g.clarity * 1.2) * Math.min(1, g.beatStrength * 1.5);
  const tonal = Math.min(1, g.tonalFraction * 1.5);
  let musicPresence = g.hasSignal ? Math.max(rhythm, tonal * 0.8) : 0;
  if (g.speechScore >= 0.5) musicPresence *= 1 - 0.8 * g.speechScore * (1 - rhythm);
  if (musicPresence < 0.35 || g.bpm === null) {
    if (musicPresence >= 0.35 && tonal > 0.5)
      return {
        label: "ambient",
        confidence: round(0.3 * musicPresence),
        musicPresence: round(musicPresence),
      };
    return {
      label: "unknown",
      confidence: round(Math.min(0.6, 1 - musicPresence)),
      musicPresence: round(musicPresence),
    };
  }
  const scores = PROTOTYPES.map((p) => {
    let s = inRange(g.bpm as number, p.bpm, 15);
    if (p.bass !== undefined)
      s *= g.bassDeltaDb === null ? 0.5 : Math.max(0, Math.min(1, 0.5 + (g.bassDeltaDb - p.bass) / 10));
    if (p.centroid) s *= inRange(g.centroidHz, p.centroid, 1500);
    if (p.fourOnFloor) s *= 0.3 + 0.7 * g.bassBeatShare;
    return s;
  });
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  const total = scores.reduce((a, b) => a + b, 0);
  const share = total > 0 ? scores[best] / total : 0;
  if (scores[best] <= 0.05) return { label: "unknown", confidence: 0.2, musicPresence: round(musicPresence) };
  return {
    label: PROTOTYPES[best].label,
    confidence: round(Math.min(0.6, share * musicPresence)),
    musicPresence: round(musicPresence),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
