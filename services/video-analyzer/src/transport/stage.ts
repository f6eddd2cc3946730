import { storageKeys } from "@clipzy/contracts";
import { writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { type InputRole, stageInputs } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";
import { analyzeVideo, type VideoAnalysis } from "../app/analyze-video.js";
import { encodeEstimates } from "../domain/motion-features.js";

/**
 * The per-frame-pair global motion estimated during the decode (domain/motion-features), stored
 * as a blob of (count − 1) × PAIR_STRIDE float64 (little-endian), so motion analysis needs neither
 * the file nor its frames.
 */
export interface MotionFeaturesRef {
  key: string;
  /** Analysis resolution the estimates are in (pixels), frame rate and frame count. */
  width: number;
  height: number;
  fps: number;
  count: number;
}

export interface AnalyzedInput {
  analysis: VideoAnalysis;
  motion: MotionFeaturesRef;
}

/** The video_analysis artifact: one entry per input (the source, and the template when there is one). */
export interface VideoAnalysisArtifact {
  source: AnalyzedInput;
  template: AnalyzedInput | null;
}

export function videoAnalysisStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const result: Partial<Record<InputRole, AnalyzedInput>> = {};
    for (const { role, ref, from, span } of stageInputs(task)) {
      const { analysis, frames } = await analyzeVideo(await store.readableLocation(ref.storageKey), {
        signal: ctx.signal,
        durationSeconds: ref.durationSeconds,
        frameRate: ref.frameRate,
        onProgress: (f) => ctx.progress(from + f * span),
      });
      const key = storageKeys.artifactBlob(task.jobId, `motion-${role}.bin`);
      await store.putBytes(key, encodeEstimates(frames.motion), { contentType: "application/octet-stream" });
      result[role] = {
        analysis,
        motion: { key, width: frames.width, height: frames.height, fps: frames.fps, count: frames.count },
      };
    }
    const artifact: VideoAnalysisArtifact = { source: result.source!, template: result.template ?? null };
    return writeJson(store, storageKeys.artifact(task.jobId, "video_analysis"), artifact);
  };
}
