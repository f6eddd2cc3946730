import { EDIT_SUMMARY_VERSION, type EditSummaryArtifact, type Quality, storageKeys } from "@clipzy/contracts";
import {
  AnalyzedInputSchema,
  AudioAnalysisSchema,
  MotionAnalysisSchema,
  StyleExtractionArtifactSchema,
} from "@clipzy/models/artifacts";
import { audioPlan } from "@clipzy/models/audio/render-model";
import {
  CLOSED_LOOP_VERSION,
  type ClosedLoopArtifact,
  type Corrections,
  unreachableColour,
} from "@clipzy/models/closed-loop";
import { editSummary } from "@clipzy/models/edit/edl";
import { curvesToCube, IDENTITY_CURVES } from "@clipzy/models/video/color-transfer";
import { readArtifact, writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { readInputArtifacts } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";
import { zoomReads } from "../domain/edit.js";
import { editSource } from "../domain/edit-source.js";
import { type PlanInput, planEdl } from "../domain/plan.js";
import { unreachableEdit, withCorrections } from "../domain/proxy.js";
import { closedLoop } from "./closed-loop.js";

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
    const input: PlanInput = {
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
        target.audio_style ? audioPlan(target.audio_style, audio.source).chain : null,
    };
    const planned = planEdl(input);
    ctx.progress(0.25);
    const requested = style.style_json;
    const audioFor = (c: Corrections) =>
      requested.audio_style ? audioPlan(requested.audio_style, audio.source, c.trimDb) : null;
    // Each round's EDL: re-planned when the edit's counts change, the colour and audio patched.
    const plan = (c: Corrections) => {
      const base =
        c.zoomUsage === null && c.cutFrequency === null
          ? planned
          : planEdl({
              ...input,
              transfer: planned.colour.transfer,
              editCounts: { zoom_usage: c.zoomUsage, cut_frequency: c.cutFrequency },
            });
      return withCorrections(base, c, audioFor(c)?.chain ?? null);
    };
    const loopable = input.foreign && planned.applied.length > 0;
    const loop = loopable
      ? await closedLoop({
          store,
          jobId: task.jobId,
          signal: ctx.signal,
          progress: (f) => ctx.progress(0.25 + 0.7 * f),
          edl: planned,
          requested,
          profiles: { source: va.colour_profile, template: requested.color_profile ?? null },
          sourceSample: Buffer.from(va.colour_sample, "base64"),
          sourceGrade: style.source_style.color_grade,
          plan,
          intermediate: video.source.intermediate ?? null,
        })
      : null;
    const edl = loop?.edl ?? planned;
    const edit = loop
      ? unreachableEdit(
          loop.report,
          loop.edl,
          audioFor(loop.corrections)?.loudness ?? null,
          {
            ...zoomReads(
              loop.edl.segments,
              loop.edl.boundaries.map((b) => b.transition.frames),
              input.edit(loop.edl.fps).motion,
            ),
            outputMeasurable: loop.motionMeasurable,
          },
          loop.edits,
        )
      : { unreachable: {}, unmeasurable: {} };
    const closed: ClosedLoopArtifact = {
      version: CLOSED_LOOP_VERSION,
      chosen: loop?.chosen ?? 0,
      rounds: loop?.rounds ?? [],
      unreachable: {
        ...(loop ? unreachableColour(loop.report, loop.predicted, requested) : {}),
        ...edit.unreachable,
      },
      unmeasurable: edit.unmeasurable,
      seconds: loop?.seconds ?? { intermediate: 0, total: 0 },
    };
    await writeJson(store, key("closed_loop"), closed);
    const cube = curvesToCube(
      edl.colour.transfer?.curves ?? IDENTITY_CURVES,
      `clipzy ${task.jobId} colour transfer`,
    );
    await store.putBytes(edl.colour.lut_key, cube, { contentType: "text/plain" });
    ctx.progress(0.97);
    // What the job's result says of the edit, so the jobs service never reads the EDL's format.
    const summary: EditSummaryArtifact = { version: EDIT_SUMMARY_VERSION, edit: editSummary(edl) };
    await writeJson(store, key("edit_summary"), summary);
    return writeJson(store, key("style_application"), edl);
  };
}
