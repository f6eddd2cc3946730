import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storageKeys } from "@clipzy/contracts";
import { spawnFfmpeg } from "@clipzy/media/ffmpeg";
import { measureStyle } from "@clipzy/media/measure-style";
import { progressSeconds, renderArgs } from "@clipzy/media/render-graph";
import { AnalyzedInputSchema, StyleExtractionArtifactSchema } from "@clipzy/models/artifacts";
import { ClosedLoopArtifactSchema } from "@clipzy/models/closed-loop";
import { EdlSchema } from "@clipzy/models/edit/edl";
import { fidelityReport } from "@clipzy/models/fidelity";
import { readArtifact, writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { readInputArtifacts } from "@clipzy/platform/stage-inputs";
import type { StageHandler } from "@clipzy/platform/stage-worker";

/**
 * Executes the edit decision list in one ffmpeg run into a temp file and stores it as the job's
 * output; meanwhile re-extracts the output's style from a low-resolution decode of that file and
 * writes the fidelity report (artifacts/<job_id>/fidelity.json).
 */
export function renderingStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const key = (stage: string) => storageKeys.artifact(task.jobId, stage);
    const [edl, style, video, loop] = await Promise.all([
      readArtifact(store, key("style_application"), EdlSchema),
      readArtifact(store, key("style_extraction"), StyleExtractionArtifactSchema),
      readInputArtifacts(store, task, "video_analysis", AnalyzedInputSchema),
      // the closed loop's rounds (style application writes it; absent for an EDL written alone)
      store
        .stat(key("closed_loop"))
        .then((s) => s && readArtifact(store, key("closed_loop"), ClosedLoopArtifactSchema)),
    ]);
    const seconds = edl.output.frames / edl.fps;
    const dir = await mkdtemp(join(tmpdir(), `clipzy-render-${task.jobId}-`));
    try {
      const out = join(dir, "output.mp4");
      const input = await store.readableLocation(edl.input_key);
      const ff = spawnFfmpeg(renderArgs(edl, input, out), { signal: ctx.signal });
      ff.stdout.setEncoding("utf8");
      ff.stdout.on("data", (chunk: string) => {
        const t = progressSeconds(chunk);
        if (t !== null && seconds > 0) ctx.progress(0.85 * Math.min(1, t / seconds));
      });
      await ff.done;
      const outputKey = storageKeys.output(task.jobId);
      const [, measured] = await Promise.all([
        store.put(outputKey, createReadStream(out), { contentType: "video/mp4" }),
        measureStyle(out, {
          signal: ctx.signal,
          hasAudio: edl.audio.mode !== "none",
          onProgress: (f) => ctx.progress(0.85 + 0.14 * f),
        }),
      ]);
      const report = fidelityReport({
        requested: style.style_json,
        achieved: measured.style,
        applied: edl.applied,
        colour: edl.colour.transfer,
        profiles: {
          source: video.source.analysis.colour_profile,
          output: measured.profile,
          template: style.style_json.color_profile ?? null,
        },
        outputLufs: measured.lufs,
        measuredOn: measured.measuredOn,
        rounds: loop?.rounds,
        unreachable: loop?.unreachable,
        unmeasurable: loop?.unmeasurable,
      });
      await writeJson(store, key("fidelity"), report);
      ctx.progress(1);
      return outputKey;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
