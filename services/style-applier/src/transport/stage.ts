import { type Quality, storageKeys } from "@clipzy/contracts";
import type { AudioAnalysisArtifact, StyleExtractionArtifact } from "@clipzy/models/artifacts";
import { audioFilterChain } from "@clipzy/models/audio/render-model";
import { gradeToCube } from "@clipzy/models/video/grade-model";
import { readJson, writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import type { StageHandler } from "@clipzy/platform/stage-worker";
import { planRender } from "../domain/plan.js";

export function styleApplicationStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const key = (stage: string) => storageKeys.artifact(task.jobId, stage);
    const [style, audio] = await Promise.all([
      readJson<StyleExtractionArtifact>(store, key("style_extraction")),
      readJson<AudioAnalysisArtifact>(store, key("audio_analysis")),
    ]);
    ctx.progress(0.2);
    const src = task.source!;
    const plan = planRender({
      target: style.style_json,
      sourceStyle: style.source_style,
      foreign: Boolean(task.template || task.styleJson),
      source: {
        width: src.width,
        height: src.height,
        frame_rate: src.frameRate,
        duration_seconds: src.durationSeconds,
        has_audio: src.hasAudio,
      },
      inputKey: src.storageKey,
      quality: task.quality as Quality,
      lutKey: storageKeys.artifactBlob(task.jobId, "grade.cube"),
      audioFilters: (target) =>
        target.audio_style ? audioFilterChain(target.audio_style, audio.source) : null,
    });
    if (plan.grade_delta && plan.lut_key) {
      await store.putBytes(plan.lut_key, gradeToCube(plan.grade_delta), { contentType: "text/plain" });
    }
    ctx.progress(0.8);
    return writeJson(store, key("style_application"), plan);
  };
}
