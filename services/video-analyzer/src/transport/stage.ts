import { storageKeys } from "@clipzy/contracts";
import { analyzeVideo } from "@clipzy/media/analyze-video";
import type { AnalyzedInput, VideoAnalysisArtifact } from "@clipzy/models/artifacts";
import { encodeEstimates } from "@clipzy/models/video/motion-features";
import { writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { type InputRole, stageInputs } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";

export function videoAnalysisStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const result: Partial<Record<InputRole, AnalyzedInput>> = {};
    for (const { role, ref, from, span } of stageInputs(task)) {
      const { analysis, frames } = await analyzeVideo(await store.readableLocation(ref.storageKey), {
        signal: ctx.signal,
        durationSeconds: ref.durationSeconds,
        frameRate: ref.frameRate,
        onProgress: (f) => ctx.progress(from + f * span),
      });
      const key = storageKeys.artifactBlob(task.jobId, `motion-${role}.bin`);
      await store.putBytes(key, encodeEstimates(frames.motion), { contentType: "application/octet-stream" });
      result[role] = {
        analysis,
        motion: { key, width: frames.width, height: frames.height, fps: frames.fps, count: frames.count },
      };
    }
    const artifact: VideoAnalysisArtifact = { source: result.source!, template: result.template ?? null };
    return writeJson(store, storageKeys.artifact(task.jobId, "video_analysis"), artifact);
  };
}
