import { storageKeys } from "@clipzy/contracts";
import { type AudioAnalysis, analyzeAudio, emptyAudioAnalysis } from "@clipzy/media/analyze-audio";
import type { AudioAnalysisArtifact } from "@clipzy/models/artifacts";
import { writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { type InputRole, stageInputs } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";

export function audioAnalysisStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const result: Partial<Record<InputRole, AudioAnalysis>> = {};
    for (const { role, ref, from, span } of stageInputs(task)) {
      // A video without an audio stream passes this stage with an empty result.
      result[role] = ref.hasAudio
        ? await analyzeAudio(await store.readableLocation(ref.storageKey), {
            signal: ctx.signal,
            durationSeconds: ref.durationSeconds,
            onProgress: (f) => ctx.progress(from + f * span),
          })
        : emptyAudioAnalysis();
      ctx.progress(from + span);
    }
    const artifact: AudioAnalysisArtifact = { source: result.source!, template: result.template ?? null };
    return writeJson(store, storageKeys.artifact(task.jobId, "audio_analysis"), artifact);
  };
}
