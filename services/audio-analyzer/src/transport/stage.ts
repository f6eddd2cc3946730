import { storageKeys } from "@clipzy/contracts";
import { AnalysisCache } from "@clipzy/media/analysis-cache";
import { analyzeAudio, emptyAudioAnalysis } from "@clipzy/media/analyze-audio";
import type { AudioAnalysisArtifact } from "@clipzy/models/artifacts";
import { writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { analyseInputs } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";

/**
 * Analyses each input's audio once, the source and the template side by side; an input whose
 * bytes were analysed before is read from the cache.
 */
export function audioAnalysisStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const cache = new AnalysisCache(store, task.tenantId);
    const artifact: AudioAnalysisArtifact = await analyseInputs(
      task,
      ctx.progress,
      async ({ role, ref }, progress) => {
        // A video without an audio stream passes this stage with an empty result.
        if (!ref.hasAudio) {
          progress(1);
          return emptyAudioAnalysis();
        }
        const key = await cache.key(ref.contentSha256, "audio.json");
        const { value, reused } = await cache.json(key, async () =>
          analyzeAudio(await store.readableLocation(ref.storageKey), {
            signal: ctx.signal,
            durationSeconds: ref.durationSeconds,
            onProgress: progress,
          }),
        );
        if (reused) ctx.reused(role);
        progress(1);
        return value;
      },
    );
    return writeJson(store, storageKeys.artifact(task.jobId, "audio_analysis"), artifact);
  };
}
