import {
  ANALYSIS_RATE,
  type AudioAnalysis,
  AudioAnalyzer,
  emptyAnalysis,
} from "@clipzy/models/audio/analyzer";
import { fingerprintFromRaw } from "@clipzy/models/audio/fingerprint";
import { probeMedia } from "./ffmpeg.js";
import { decodePcm, NoAudioStreamError } from "./pcm-decoder.js";
import { audioStreamInfo } from "./probe.js";

export type { AudioAnalysis } from "@clipzy/models/audio/analyzer";
export { ANALYSIS_RATE } from "@clipzy/models/audio/analyzer";

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
 * audio_analysis: one streamed ffmpeg decode to f32 PCM at ANALYSIS_RATE, mono or stereo as the
 * source (more channels are mixed down to stereo by ffmpeg, an approximation of BS.1770's
 * surround weights), analysed block by block (memory flat in track length), which also yields the
 * track's Chromaprint fingerprint. `input` is a local path or any URL ffmpeg reads.
 */
export async function analyzeAudio(input: string, opts: AnalyzeAudioOptions = {}): Promise<AudioAnalysis> {
  const probe = audioStreamInfo(await probeMedia(input, opts.signal));
  if (!probe.hasAudio) return emptyAudioAnalysis();
  const duration =
    opts.durationSeconds && opts.durationSeconds > 0 ? opts.durationSeconds : probe.durationSeconds;
  const channels = Math.min(2, Math.max(1, probe.channels));
  const analyzer = new AudioAnalyzer(ANALYSIS_RATE, undefined, channels);
  let fingerprint: Uint8Array | null = null;
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
      channels,
      blockSamples: 16384,
      signal: opts.signal,
      onFingerprint: (raw) => {
        fingerprint = raw;
      },
    })) {
      analyzer.push(block);
      // keep the last 1 % for the analysis itself
      if (duration && duration > 0) report(Math.min(0.99, analyzer.secondsAnalyzed / duration));
    }
  } catch (e) {
    if (e instanceof NoAudioStreamError) return emptyAudioAnalysis();
    throw e;
  }
  const result = analyzer.finish();
  // Silence fingerprints as a run of identical words that would "match" any other silence.
  const audible = !result.empty && result.loudness.integrated_lufs !== null;
  result.fingerprint = audible && fingerprint ? fingerprintFromRaw(fingerprint) : null;
  report(1);
  return result;
}
