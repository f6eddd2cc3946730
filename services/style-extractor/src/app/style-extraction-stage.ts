import { storageKeys } from "@clipzy/contracts";
import {
  AnalyzedInputSchema,
  AudioAnalysisSchema,
  MotionAnalysisSchema,
  type StyleExtractionArtifact,
} from "@clipzy/models/artifacts";
import { audioStyleFields, withSourceMatch } from "@clipzy/models/style/audio-style";
import { completeSuppliedStyle, composeStyle } from "@clipzy/models/style/compose";
import { pacingOf } from "@clipzy/models/style/pacing";
import { visualStyleFields } from "@clipzy/models/style/visual-style";
import { writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { readInputArtifacts } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";

export function styleExtractionStage(store: ObjectStore, now: () => Date = () => new Date()): StageHandler {
  return async (task, ctx) => {
    const key = (stage: string) => storageKeys.artifact(task.jobId, stage);
    const [video, audio, motion] = await Promise.all([
      readInputArtifacts(store, task, "video_analysis", AnalyzedInputSchema),
      readInputArtifacts(store, task, "audio_analysis", AudioAnalysisSchema),
      readInputArtifacts(store, task, "motion_analysis", MotionAnalysisSchema),
    ]);
    ctx.progress(0.3);
    const created = now();
    const sourceStyle = composeStyle(
      visualStyleFields(video.source.analysis, motion.source),
      audioStyleFields(audio.source),
      created,
      { pacing: pacingOf(video.source.analysis, audio.source) },
    );
    let style = sourceStyle;
    if (task.styleJson)
      style = completeSuppliedStyle(JSON.parse(task.styleJson) as Record<string, unknown>, created);
    else if (video.template && audio.template) {
      style = composeStyle(
        visualStyleFields(video.template.analysis, motion.template),
        audioStyleFields(audio.template),
        created,
        { pacing: pacingOf(video.template.analysis, audio.template) },
      );
    }
    // A foreign style (template or supplied) says whether the source carries the same music.
    if (style !== sourceStyle && style.audio_fingerprint)
      style = { ...style, audio_fingerprint: withSourceMatch(style.audio_fingerprint, audio.source) };
    ctx.progress(0.9);
    const artifact: StyleExtractionArtifact = { style_json: style, source_style: sourceStyle };
    return writeJson(store, key("style_extraction"), artifact);
  };
}
