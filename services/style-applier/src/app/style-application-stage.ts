import { EDIT_SUMMARY_VERSION, type EditSummaryArtifact, type Quality, storageKeys } from "@clipzy/contracts";
import {
  AnalyzedInputSchema,
  AudioAnalysisSchema,
  MotionAnalysisSchema,
  StyleExtractionArtifactSchema,
} from "@clipzy/models/artifacts";
import { audioFilterChain } from "@clipzy/models/audio/render-model";
import { editSummary } from "@clipzy/models/edit/edl";
import { curvesToCube, IDENTITY_CURVES } from "@clipzy/models/video/color-transfer";
import { readArtifact, writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { readInputArtifacts } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";
import { editSource } from "../domain/edit-source.js";
import { planEdl } from "../domain/plan.js";

export function styleApplicationStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const key = (stage: string) => storageKeys.artifact(task.jobId, stage);
    const [style, video, audio, motion] = await Promise.all([
      readArtifact(store, key("style_extraction"), StyleExtractionArtifactSchema),
      readInputArtifacts(store, task, "video_analysis", AnalyzedInputSchema),
      readInputArtifacts(store, task, "audio_analysis", AudioAnalysisSchema),
      readInputArtifacts(store, task, "motion_analysis", MotionAnalysisSchema),
    ]);
    ctx.progress(0.2);
    const src = task.source!;
    const va = video.source.analysis;
    const edl = planEdl({
      target: style.style_json,
      sourceStyle: style.source_style,
      foreign: Boolean(task.template || task.styleJson),
      source: {
        width: src.width,
        height: src.height,
        frame_rate: src.frameRate,
        fps_fraction: va.source.fps_fraction,
        duration_seconds: src.durationSeconds,
        has_audio: src.hasAudio,
      },
      edit: (fps) => editSource(va, audio.source, motion.source, fps, src.hasAudio),
      durationSeconds: task.durationSeconds ?? null,
      inputKey: src.storageKey,
      quality: task.quality as Quality,
      lutKey: storageKeys.gradeLut(task.jobId),
      sourceColor: { profile: va.colour_profile, sample: Buffer.from(va.colour_sample, "base64") },
      audioFilters: (target) =>
        target.audio_style ? audioFilterChain(target.audio_style, audio.source) : null,
    });
    const cube = curvesToCube(
      edl.colour.transfer?.curves ?? IDENTITY_CURVES,
      `clipzy ${task.jobId} colour transfer`,
    );
    await store.putBytes(edl.colour.lut_key, cube, { contentType: "text/plain" });
    ctx.progress(0.8);
    // What the job's result says of the edit, so the jobs service never reads the EDL's format.
    const summary: EditSummaryArtifact = { version: EDIT_SUMMARY_VERSION, edit: editSummary(edl) };
    await writeJson(store, key("edit_summary"), summary);
    return writeJson(store, key("style_application"), edl);
  };
}
