import { storageKeys } from "@clipzy/contracts";
import { AnalysisCache } from "@clipzy/media/analysis-cache";
import { type AudioAnalysis, analyzeAudio, emptyAudioAnalysis } from "@clipzy/media/analyze-audio";
import type { AudioAnalysisArtifact } from "@clipzy/models/artifacts";
import { writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { type InputRole, stageInputs } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";

/** Analyses each input's audio once; an input whose bytes were analysed before is read from the cache. */
export function audioAnalysisStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const cache = new AnalysisCache(store, task.tenantId);
    const result: Partial<Record<InputRole, AudioAnalysis>> = {};
    for (const { role, ref, from, span } of stageInputs(task)) {
      // A video without an audio stream passes this stage with an empty result.
      if (!ref.hasAudio) {
        result[role] = emptyAudioAnalysis();
        ctx.progress(from + span);
        continue;
      }
      const { value, reused } = await cache.json(await cache.key(ref.contentSha256, "audio.json"), async () =>
        analyzeAudio(await store.readableLocation(ref.storageKey), {
          signal: ctx.signal,
          durationSeconds: ref.durationSeconds,
          onProgress: (f) => ctx.progress(from + f * span),
        }),
      );
      if (reused) ctx.reused(role);
      ctx.progress(from + span);
      result[role] = value;
    }
    const artifact: AudioAnalysisArtifact = { source: result.source!, template: result.template ?? null };
    return writeJson(store, storageKeys.artifact(task.jobId, "audio_analysis"), artifact);
  };
}
