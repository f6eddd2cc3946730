import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storageKeys } from "@clipzy/contracts";
import { AnalysisCache } from "@clipzy/media/analysis-cache";
import { analyzeVideo } from "@clipzy/media/analyze-video";
import { type AnalyzedInput, AnalyzedInputSchema } from "@clipzy/models/artifacts";
import { intermediateSize } from "@clipzy/models/closed-loop";
import { encodeEstimates } from "@clipzy/models/video/motion-features";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { analyzeInputs } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";

/**
 * Decodes the task's input (or each input, side by side) once at analysis resolution, unless the
 * content-hash cache already holds that input's analysis (the same bytes analysed for an earlier
 * job of the tenant): then neither the video nor its motion estimates are computed again, and the
 * stage reports the input as reused. For a source taller than the closed loop's intermediate, the
 * same decode also writes that intermediate (a second ffmpeg output), stored beside the motion
 * estimates, so style application's loop never decodes the full-resolution source again.
 */
export function videoAnalysisStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const cache = new AnalysisCache(store, task.tenantId);
    return analyzeInputs(store, task, "video_analysis", ctx.progress, async ({ role, ref }, progress) => {
      const entry = await cache.key(ref.contentSha256, "video.json");
      const motionKey =
        (await cache.key(ref.contentSha256, "motion.bin")) ?? storageKeys.motionFeatures(task.jobId, role);
      const intermediateKey =
        role === "source"
          ? ((await cache.key(ref.contentSha256, "intermediate.mov")) ??
            storageKeys.loopIntermediate(task.jobId, role))
          : null;
      const { value, reused } = await cache.json(entry, AnalyzedInputSchema, async () => {
        const dir = intermediateKey ? await mkdtemp(join(tmpdir(), "clipzy-intermediate-")) : null;
        try {
          const file = dir ? join(dir, "intermediate.mov") : "";
          const { analysis, frames, intermediate } = await analyzeVideo(
            await store.readableLocation(ref.storageKey),
            {
              signal: ctx.signal,
              durationSeconds: ref.durationSeconds,
              frameRate: ref.frameRate,
              onProgress: progress,
              intermediate: dir ? { path: file, sizeFor: intermediateSize } : undefined,
            },
          );
          await store.putBytes(motionKey, encodeEstimates(frames.motion), {
            contentType: "application/octet-stream",
          });
          if (intermediate && intermediateKey)
            await store.put(intermediateKey, createReadStream(file), { contentType: "video/quicktime" });
          const { width, height, fps, count } = frames;
          const out: AnalyzedInput = { analysis, motion: { key: motionKey, width, height, fps, count } };
          if (intermediate && intermediateKey) out.intermediate = { key: intermediateKey, ...intermediate };
          return out;
        } finally {
          if (dir) await rm(dir, { recursive: true, force: true });
        }
      });
      if (reused) ctx.reused(role);
      progress(1);
      return value;
    });
  };
}
