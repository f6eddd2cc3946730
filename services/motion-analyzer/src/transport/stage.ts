import { storageKeys } from "@clipzy/contracts";
import {
  type AnalyzedInput,
  type MotionAnalysisArtifact,
  VideoAnalysisArtifactSchema,
} from "@clipzy/models/artifacts";
import { analyzeMotion, type MotionAnalysis } from "@clipzy/models/motion/analyze-motion";
import { decodeEstimates } from "@clipzy/models/video/motion-features";
import { readArtifact, writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import type { StageHandler } from "@clipzy/platform/stage-worker";

/**
 * Derives camera motion from the per-pair global-motion estimates video_analysis computed while it
 * decoded: neither the file nor its frames are decoded again.
 */
export function motionAnalysisStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const video = await readArtifact(
      store,
      storageKeys.artifact(task.jobId, "video_analysis"),
      VideoAnalysisArtifactSchema,
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
