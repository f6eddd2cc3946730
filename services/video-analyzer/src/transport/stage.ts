import { storageKeys } from "@clipzy/contracts";
import { writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { type InputRole, stageInputs } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";
import { analyzeVideo, type VideoAnalysis } from "../app/analyze-video.js";

export interface FramesRef {
  key: string;
  width: number;
  height: number;
  fps: number;
  count: number;
}

export interface AnalyzedInput {
  analysis: VideoAnalysis;
  /** Low-resolution frames kept for motion analysis, so it does not decode the file again. */
  frames: FramesRef;
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
      const key = storageKeys.artifactBlob(task.jobId, `frames-${role}.bin`);
      await store.putBytes(key, frames.data, { contentType: "application/octet-stream" });
      result[role] = {
        analysis,
        frames: { key, width: frames.width, height: frames.height, fps: frames.fps, count: frames.count },
      };
    }
    const artifact: VideoAnalysisArtifact = { source: result.source!, template: result.template ?? null };
    return writeJson(store, storageKeys.artifact(task.jobId, "video_analysis"), artifact);
  };
}
