import { AnalysisCache } from "@clipzy/media/analysis-cache";
import { analyzeAudio, emptyAudioAnalysis } from "@clipzy/media/analyze-audio";
import { AudioAnalysisSchema } from "@clipzy/models/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { analyzeInputs } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";

/**
 * Analyses the task's input's audio (or each input's, side by side) once; an input whose bytes
 * were analysed before is read from the cache.
 */
export function audioAnalysisStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const cache = new AnalysisCache(store, task.tenantId);
    return analyzeInputs(store, task, "audio_analysis", ctx.progress, async ({ role, ref }, progress) => {
      // A video without an audio stream passes this stage with an empty result.
      if (!ref.hasAudio) {
        progress(1);
        return emptyAudioAnalysis();
      }
      const key = await cache.key(ref.contentSha256, "audio.json");
      const { value, reused } = await cache.json(key, AudioAnalysisSchema, async () =>
        analyzeAudio(await store.readableLocation(ref.storageKey), {
          signal: ctx.signal,
          durationSeconds: ref.durationSeconds,
          onProgress: progress,
        }),
      );
      if (reused) ctx.reused(role);
      progress(1);
      return value;
    });
  };
}
