import { storageKeys } from "@clipzy/contracts";
import { AnalysisCache } from "@clipzy/media/analysis-cache";
import { analyzeVideo } from "@clipzy/media/analyze-video";
import { AnalyzedInputSchema } from "@clipzy/models/artifacts";
import { encodeEstimates } from "@clipzy/models/video/motion-features";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { analyzeInputs } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";

/**
 * Decodes the task's input (or each input, side by side) once at analysis resolution, unless the
 * content-hash cache already holds that input's analysis (the same bytes analysed for an earlier
 * job of the tenant): then neither the video nor its motion estimates are computed again, and the
 * stage reports the input as reused.
 */
export function videoAnalysisStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const cache = new AnalysisCache(store, task.tenantId);
    return analyzeInputs(store, task, "video_analysis", ctx.progress, async ({ role, ref }, progress) => {
      const entry = await cache.key(ref.contentSha256, "video.json");
      const motionKey =
        (await cache.key(ref.contentSha256, "motion.bin")) ?? storageKeys.motionFeatures(task.jobId, role);
      const { value, reused } = await cache.json(entry, AnalyzedInputSchema, async () => {
        const { analysis, frames } = await analyzeVideo(await store.readableLocation(ref.storageKey), {
          signal: ctx.signal,
          durationSeconds: ref.durationSeconds,
          frameRate: ref.frameRate,
          onProgress: progress,
        });
        await store.putBytes(motionKey, encodeEstimates(frames.motion), {
          contentType: "application/octet-stream",
        });
        const { width, height, fps, count } = frames;
        return { analysis, motion: { key: motionKey, width, height, fps, count } };
      });
      if (reused) ctx.reused(role);
      progress(1);
      return value;
    });
  };
}
