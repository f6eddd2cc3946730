import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { parseRenderPart, storageKeys } from "@clipzy/contracts";
import { runFfmpeg, spawnFfmpeg } from "@clipzy/media/ffmpeg";
import { measureStyle } from "@clipzy/media/measure-style";
import {
  audioArgs,
  concatList,
  joinArgs,
  progressSeconds,
  renderArgs,
  videoArgs,
} from "@clipzy/media/render-graph";
import { AnalyzedInputSchema, StyleExtractionArtifactSchema } from "@clipzy/models/artifacts";
import { ClosedLoopArtifactSchema } from "@clipzy/models/closed-loop";
import { chunkEdl, firstSourceFrame, planChunks, rebaseSource } from "@clipzy/models/edit/chunks";
import { type EditDecisionList, EdlSchema } from "@clipzy/models/edit/edl";
import { fidelityReport } from "@clipzy/models/fidelity";
import { readArtifact, writeJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { readInputArtifacts } from "@clipzy/platform/stage-inputs";
import { type StageContext, type StageHandler, StageInputError } from "@clipzy/platform/stage-worker";
import type { StageTask } from "@clipzy/proto";

/**
 * Executes the edit decision list into the job's output, then re-extracts the output's style from
 * a low-resolution decode of it and writes the fidelity report (artifacts/<job_id>/fidelity.json).
 *
 * A job whose render is chunked (stageParts) runs as one task per chunk and then the join: a chunk
 * task (`chunk-<i>-of-<n>`) renders chunk i's video alone (planChunks/chunkEdl, the same render
 * graph, the source read from the chunk's first frame on) into its own key (storageKeys.renderChunk,
 * overwritten by a redelivery); the join (`join-of-<n>`) renders the audio once over the whole
 * timeline, concatenates the chunks without re-encoding and muxes the audio in, then measures the
 * output as a whole render does. A task without a part renders everything in one ffmpeg run.
 */
export function renderingStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const part = task.part ? parseRenderPart(task.part) : null;
    if (task.part && !part) throw new StageInputError(`the rendering stage has no part ${task.part}`);
    const edl = await readArtifact(store, storageKeys.artifact(task.jobId, "style_application"), EdlSchema);
    if (part?.kind === "chunk") return renderChunk(store, task, ctx, edl, part.index, part.count);
    return withTemp(task, async (dir) => {
      const out = join(dir, "output.mp4");
      if (part?.kind !== "join") {
        await renderWhole(store, ctx, edl, out);
        return publishOutput(store, task, ctx, edl, out);
      }
      // the join is serial after every chunk: its phases are logged (bench/chunked.ts reads them)
      const phases = await joinChunks(store, task, ctx, edl, part.count, dir, out);
      const t = performance.now();
      const key = await publishOutput(store, task, ctx, edl, out);
      const publish_seconds = (performance.now() - t) / 1000;
      ctx.log.info({ job_id: task.jobId, ...phases, publish_seconds }, "join phases");
      return key;
    });
  };
}

/** Share of a whole render's progress the encode has; the measure of the output takes the rest. */
const RENDER_SHARE = 0.85;
/** Share of the join's own progress its concat and audio take; the measure takes the rest. */
const JOIN_MUX_SHARE = 0.15;

async function withTemp<T>(task: StageTask, f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `clipzy-render-${task.jobId}-`));
  try {
    return await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs ffmpeg, reporting its written seconds of `seconds` as a fraction to `progress`. */
async function runWithProgress(
  args: string[],
  ctx: StageContext,
  seconds: number,
  progress: (f: number) => void,
): Promise<void> {
  const ff = spawnFfmpeg(args, { signal: ctx.signal });
  ff.stdout.setEncoding("utf8");
  ff.stdout.on("data", (chunk: string) => {
    const t = progressSeconds(chunk);
    if (t !== null && seconds > 0) progress(Math.min(1, t / seconds));
  });
  await ff.done;
}

async function renderWhole(store: ObjectStore, ctx: StageContext, edl: EditDecisionList, out: string) {
  const input = await store.readableLocation(edl.input_key);
  await runWithProgress(renderArgs(edl, input, out), ctx, edl.output.frames / edl.fps, (f) =>
    ctx.progress(RENDER_SHARE * f),
  );
}

/**
 * Renders chunk `index` of `count`'s video into its key. A source at the EDL's own rate is read
 * from the chunk's first source frame on (videoArgs' seek; one frame earlier, which the chunk
 * never shows); another rate is decoded from the start, as a whole render does, so that its
 * resampling cannot differ (see videoArgs). A chunk past the plan's last (an edit with too few
 * allowed boundaries) has no frames: nothing is stored.
 */
async function renderChunk(
  store: ObjectStore,
  task: StageTask,
  ctx: StageContext,
  edl: EditDecisionList,
  index: number,
  count: number,
): Promise<string> {
  const plan = planChunks(edl, count);
  if (index >= plan.length) return storageKeys.artifact(task.jobId, "style_application");
  const chunk = chunkEdl(edl, plan[index]);
  const sameRate = Math.abs((task.source?.frameRate ?? 0) - edl.fps) < 1e-3;
  const origin = sameRate ? Math.max(0, firstSourceFrame(chunk) - 1) : 0;
  const input = await store.readableLocation(edl.input_key);
  return withTemp(task, async (dir) => {
    const out = join(dir, `chunk-${index}.mp4`);
    const args = videoArgs(rebaseSource(chunk, origin), input, out, { seekFrame: origin });
    await runWithProgress(args, ctx, chunk.output.frames / edl.fps, (f) => ctx.progress(0.98 * f));
    const key = storageKeys.renderChunk(task.jobId, index, count);
    await store.put(key, createReadStream(out), { contentType: "video/mp4" });
    return key;
  });
}

/**
 * The join: every chunk of the plan fetched while the audio is rendered once, then concatenated
 * and muxed; returns the two phases' wall seconds.
 */
async function joinChunks(
  store: ObjectStore,
  task: StageTask,
  ctx: StageContext,
  edl: EditDecisionList,
  count: number,
  dir: string,
  out: string,
): Promise<{ fetch_audio_seconds: number; concat_seconds: number }> {
  const t0 = performance.now();
  const chunks = planChunks(edl, count).map((_, i) => join(dir, `chunk-${i}.mp4`));
  const hasAudio = edl.audio.mode !== "none";
  const audio = hasAudio ? join(dir, "audio.m4a") : null;
  const input = await store.readableLocation(edl.input_key);
  await Promise.all([
    ...chunks.map(async (file, i) => {
      const body = await store.get(storageKeys.renderChunk(task.jobId, i, count));
      await pipeline(body, createWriteStream(file), { signal: ctx.signal });
    }),
    audio ? runFfmpeg(audioArgs(edl, input, audio), { signal: ctx.signal }) : undefined,
  ]);
  ctx.progress(JOIN_MUX_SHARE / 2);
  const t1 = performance.now();
  const list = join(dir, "chunks.txt");
  await writeFile(list, concatList(chunks));
  await runFfmpeg(joinArgs(list, audio, out), { signal: ctx.signal });
  ctx.progress(JOIN_MUX_SHARE);
  return { fetch_audio_seconds: (t1 - t0) / 1000, concat_seconds: (performance.now() - t1) / 1000 };
}

/**
 * Stores the rendered output as the job's, and meanwhile measures its style for the fidelity
 * report: the one place the report is made, for a whole render and a join alike.
 */
async function publishOutput(
  store: ObjectStore,
  task: StageTask,
  ctx: StageContext,
  edl: EditDecisionList,
  out: string,
): Promise<string> {
  const key = (stage: string) => storageKeys.artifact(task.jobId, stage);
  const [style, video, loop] = await Promise.all([
    readArtifact(store, key("style_extraction"), StyleExtractionArtifactSchema),
    readInputArtifacts(store, task, "video_analysis", AnalyzedInputSchema),
    // the closed loop's rounds (style application writes it; absent for an EDL written alone)
    store
      .stat(key("closed_loop"))
      .then((s) => s && readArtifact(store, key("closed_loop"), ClosedLoopArtifactSchema)),
  ]);
  // the measure takes the share the encode (whole) or the concat (join) left
  const from = task.part ? JOIN_MUX_SHARE : RENDER_SHARE;
  const outputKey = storageKeys.output(task.jobId);
  const [, measured] = await Promise.all([
    store.put(outputKey, createReadStream(out), { contentType: "video/mp4" }),
    measureStyle(out, {
      signal: ctx.signal,
      hasAudio: edl.audio.mode !== "none",
      onProgress: (f) => ctx.progress(from + (0.99 - from) * f),
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
}
