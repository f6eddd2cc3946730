import type { StyleJson } from "@clipzy/contracts";
import { analyzeMotion } from "@clipzy/models/motion/analyze-motion";
import { audioStyleFields } from "@clipzy/models/style/audio-style";
import { composeStyle } from "@clipzy/models/style/compose";
import { visualStyleFields } from "@clipzy/models/style/visual-style";
import type { ColorProfile } from "@clipzy/models/video/lab";
import { analyzeAudio, emptyAudioAnalysis } from "./analyze-audio.js";
import { analyzeVideo } from "./analyze-video.js";

export interface MeasuredStyle {
  style: StyleJson;
  profile: ColorProfile;
  /** The analysis' pixel sample (packed rgb24), what a colour transfer is fitted on. */
  sample: Uint8Array;
  lufs: number | null;
  /** The edit points the analysis detected (what cut_frequency counts), seconds. */
  edits: { start_seconds: number; duration_seconds: number }[];
  /** Share of the pairs zoom_usage counts whose motion was measurable (too little texture: not). */
  motionMeasurable: number | null;
  measuredOn: { width: number; height: number; frames: number };
}

/**
 * A file's Style DNA by the same analysis and composition as a job's inputs: one low-resolution
 * video decode (motion estimated in the same pass) and one audio decode. Used on the render's
 * own output for the fidelity report, and on the closed loop's proxies.
 */
export async function measureStyle(
  input: string,
  opts: { signal?: AbortSignal; hasAudio: boolean; onProgress?: (f: number) => void },
): Promise<MeasuredStyle> {
  const [{ analysis, frames }, audio] = await Promise.all([
    analyzeVideo(input, { signal: opts.signal, onProgress: opts.onProgress }),
    opts.hasAudio ? analyzeAudio(input, { signal: opts.signal }) : Promise.resolve(emptyAudioAnalysis()),
  ]);
  const motion = await analyzeMotion(frames, { signal: opts.signal, transitions: analysis.transitions });
  const style = composeStyle(visualStyleFields(analysis, motion), audioStyleFields(audio), new Date());
  return {
    style,
    profile: analysis.colour_profile,
    sample: Buffer.from(analysis.colour_sample, "base64"),
    lufs: audio.empty ? null : audio.loudness.integrated_lufs,
    motionMeasurable: motion.evidence.measurable_share ?? null,
    edits: analysis.transitions.map((t) => ({
      start_seconds: t.start_seconds,
      duration_seconds: t.duration_seconds,
    })),
    measuredOn: analysis.analysis,
  };
}
