import { storageKeys } from "@clipzy/contracts";
import { readJson, writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import type { StageHandler } from "@clipzy/platform/stage-worker";
import type { AnalyzedInput, VideoAnalysisArtifact } from "@clipzy/video-analyzer";
import { decodeEstimates } from "@clipzy/video-analyzer/domain/motion-features";
import { analyzeMotion, type MotionAnalysis } from "../app/analyze-motion.js";

export interface MotionAnalysisArtifact {
  source: MotionAnalysis;
  template: MotionAnalysis | null;
}

/**
 * Derives camera motion from the per-pair global-motion estimates video_analysis computed while it
 * decoded: neither the file nor its frames are decoded again.
 */
export function motionAnalysisStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const video = await readJson<VideoAnalysisArtifact>(
      store,
      storageKeys.artifact(task.jobId, "video_analysis"),
    );
    const inputs: AnalyzedInput[] = video.template ? [video.source, video.template] : [video.source];
    const results: MotionAnalysis[] = [];
    for (const [i, input] of inputs.entries()) {
      const { key, ...dims } = input.motion;
      const motion = decodeEstimates(await store.getBytes(key));
      results.push(
        await analyzeMotion(
          { ...dims, motion },
          {
            signal: ctx.signal,
            transitions: input.analysis.transitions,
            onProgress: (f) => ctx.progress((i + f) / inputs.length),
          },
        ),
      );
    }
    const artifact: MotionAnalysisArtifact = { source: results[0], template: results[1] ?? null };
    return writeJson(store, storageKeys.artifact(task.jobId, "motion_analysis"), artifact);
  };
}
