import type { AudioStyle, Beat } from "@clipzy/contracts";
import { decodePcm, NoAudioStreamError, probeAudio } from "../adapters/pcm-decoder.js";
import { ANALYSIS_RATE, type AudioAnalysis, AudioAnalyzer, emptyAnalysis } from "../domain/analyzer.js";

export type { AudioAnalysis } from "../domain/analyzer.js";
export { ANALYSIS_RATE } from "../domain/analyzer.js";

export interface AnalyzeAudioOptions {
  signal?: AbortSignal;
  /** Known duration (s) for progress; probed with ffprobe when absent. */
  durationSeconds?: number;
  /** Fractions 0..1 of decoded time over duration, monotonic. */
  onProgress?: (fraction: number) => void;
}

/** The audio result of an input that has no audio stream: the job goes on with it. */
export function emptyAudioAnalysis(): AudioAnalysis {
  return emptyAnalysis();
}

/**
 * audio_analysis: one streamed ffmpeg decode to mono f32 PCM at ANALYSIS_RATE, analysed block by
 * block (memory flat in track length). `input` is a local path or any URL ffmpeg reads.
 */
export async function analyzeAudio(input: string, opts: AnalyzeAudioOptions = {}): Promise<AudioAnalysis> {
  let duration = opts.durationSeconds ?? null;
  if (duration === null || !(duration > 0)) {
    const probe = await probeAudio(input, opts.signal);
    if (!probe.hasAudio) return emptyAudioAnalysis();
    duration = probe.durationSeconds;
  }
  const analyzer = new AudioAnalyzer(ANALYSIS_RATE);
  let lastFraction = 0;
  const report = (x: number) => {
    if (!opts.onProgress) return;
    const f = Math.max(lastFraction, Math.min(1, x));
    if (f > lastFraction || (f === 1 && lastFraction < 1)) {
      lastFraction = f;
      opts.onProgress(f);
    }
  };
  try {
    for await (const block of decodePcm(input, {
      sampleRate: ANALYSIS_RATE,
      blockSamples: 16384,
      signal: opts.signal,
    })) {
      analyzer.push(block);
      // keep the last 1 % for the analysis itself
      if (duration && duration > 0) report(Math.min(0.99, analyzer.secondsAnalysed / duration));
    }
  } catch (e) {
    if (e instanceof NoAudioStreamError) return emptyAudioAnalysis();
    throw e;
  }
  const result = analyzer.finish();
  report(1);
  return result;
}

/**
 * The audio half of StyleJSON. `confidence` is the analysis' evidence-based confidence (0 for an
 * empty analysis); AudioStyle fields follow the documented mappings in domain/dynamics.ts.
 */
export function audioStyleFields(a: AudioAnalysis): {
  audio_style: AudioStyle | null;
  detected_beats: Beat[];
  tempo_bpm: number | null;
  music_genre: string | null;
  confidence: number;
} {
  if (a.empty || a.loudness.integrated_lufs === null) {
    return { audio_style: null, detected_beats: [], tempo_bpm: null, music_genre: null, confidence: 0 };
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
    confidence: Math.max(0, Math.min(1, a.confidence)),
  };
}
