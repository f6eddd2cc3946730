import { AnalyzedInputSchema } from "@clipzy/models/artifacts";
import { analyzeMotion } from "@clipzy/models/motion/analyze-motion";
import { decodeEstimates } from "@clipzy/models/video/motion-features";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { analyzeInputs, readInputArtifact } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";

/**
 * Derives the task's input's camera motion (or each input's) from the per-pair global-motion
 * estimates video_analysis computed while it decoded: neither the file nor its frames are decoded
 * again.
 */
export function motionAnalysisStage(store: ObjectStore): StageHandler {
  return async (task, ctx) =>
    analyzeInputs(store, task, "motion_analysis", ctx.progress, async ({ role }, progress) => {
      const video = await readInputArtifact(store, task.jobId, "video_analysis", role, AnalyzedInputSchema);
      const { key, ...dims } = video.motion;
      const motion = decodeEstimates(await store.getBytes(key));
      return analyzeMotion(
        { ...dims, motion },
        { signal: ctx.signal, transitions: video.analysis.transitions, onProgress: progress },
      );
    });
}
