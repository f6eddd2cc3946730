import type { AudioFingerprintField, AudioStyle, Beat } from "@clipzy/contracts";
import type { AudioAnalysis } from "../audio/analyzer.js";
import { compareFingerprints, SAME_MUSIC_THRESHOLD } from "../audio/fingerprint.js";

/**
 * The audio half of StyleJSON. `confidence` is the analysis' evidence-based confidence (0 for an
 * empty analysis); AudioStyle fields follow the documented mappings in audio/dynamics.ts.
 */
export function audioStyleFields(a: AudioAnalysis): {
  audio_style: AudioStyle | null;
  detected_beats: Beat[];
  tempo_bpm: number | null;
  music_genre: string | null;
  audio_fingerprint: AudioFingerprintField | null;
  confidence: number;
} {
  if (a.empty || a.loudness.integrated_lufs === null) {
    return {
      audio_style: null,
      detected_beats: [],
      tempo_bpm: null,
      music_genre: null,
      audio_fingerprint: null,
      confidence: 0,
    };
  }
  const audio_style: AudioStyle = {
    normalization_level: a.normalization_level,
    compression_ratio:
      a.dynamics.compression_ratio === null ? null : Math.max(1, a.dynamics.compression_ratio),
    bass_boost:
      a.spectrum.bass_boost === null
        ? null
        : Math.max(-100, Math.min(100, Math.round(a.spectrum.bass_boost))),
    enhance_speech: a.speech.present,
  };
  return {
    audio_style,
    detected_beats: a.beats.map((b) => ({
      timestamp_ms: Math.round(b.time_s * 1000),
      confidence: Math.max(0, Math.min(1, b.confidence)),
      frequency: b.band,
    })),
    tempo_bpm: a.tempo_bpm !== null && a.tempo_bpm > 0 ? a.tempo_bpm : null,
    music_genre: a.genre.label,
    audio_fingerprint: a.fingerprint,
    confidence: Math.max(0, Math.min(1, a.confidence)),
  };
}

/**
 * The style's fingerprint with how alike the job's source audio is; null when the style carries
 * none. Silent or missing source audio gives a null similarity, not a zero.
 */
export function withSourceMatch(
  fingerprint: AudioFingerprintField | null | undefined,
  source: AudioAnalysis,
): AudioFingerprintField | null {
  if (!fingerprint) return null;
  const similarity = compareFingerprints(fingerprint, source.fingerprint);
  return {
    ...fingerprint,
    source_match: {
      similarity,
      same_music: similarity === null ? null : similarity >= SAME_MUSIC_THRESHOLD,
    },
  };
}
