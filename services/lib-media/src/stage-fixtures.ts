/**
 * Test-only fixtures for the stage handlers' unit tests (never imported by production code): a
 * small generated clip in a filesystem object store, a task naming it, a StageContext that records
 * what the handler reports, and the upstream artifacts a later stage reads, made with the same
 * shared analysis code the analysers run (so no service imports another's).
 */

import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { storageKeys } from "@clipzy/contracts";
import type { AnalyzedInput, StyleExtractionArtifact } from "@clipzy/models/artifacts";
import { analyzeMotion } from "@clipzy/models/motion/analyze-motion";
import { audioStyleFields } from "@clipzy/models/style/audio-style";
import { composeStyle } from "@clipzy/models/style/compose";
import { pacingOf } from "@clipzy/models/style/pacing";
import { visualStyleFields } from "@clipzy/models/style/visual-style";
import { encodeEstimates } from "@clipzy/models/video/motion-features";
import { writeJson } from "@clipzy/platform/artifacts";
import { createLogger } from "@clipzy/platform/log";
import { FsObjectStore } from "@clipzy/platform/objectstore/fs";
import type { StageContext } from "@clipzy/platform/stage-worker";
import type { StageTaskSchema } from "@clipzy/proto";
import { analyzeAudio } from "./analyze-audio.js";
import { analyzeVideo } from "./analyze-video.js";
import { ENCODE, ffmpeg, tempDir } from "./test-media.js";

export interface ClipOptions {
  seconds?: number;
  fps?: number;
  /** A 440 Hz tone beeping four times a second when true. */
  audio?: boolean;
}

/** The fields of a StageTask for the fixture's clip (the test makes the message). */
export type TaskFields = MessageInitShape<typeof StageTaskSchema>;

/** What a handler reported through its StageContext. */
export interface RecordingContext {
  progress: number[];
  reused: string[];
  ctx: StageContext;
}

/** A StageContext that records what the handler reports. */
export function recordingContext(
  signal: StageContext["signal"] = new AbortController().signal,
): RecordingContext {
  const progress: number[] = [];
  const reused: string[] = [];
  return {
    progress,
    reused,
    ctx: {
      signal,
      progress: (f: number) => progress.push(f),
      log: createLogger("stage-test", "silent"),
      attempt: 0,
      reused: (input: string) => reused.push(input),
    },
  };
}

/** A filesystem object store in a temp folder holding one generated clip, and a task for it. */
export async function stageFixture(stage: string, o: ClipOptions = {}) {
  const { seconds = 2, fps = 15, audio = true } = o;
  const [width, height] = [160, 90];
  const tmp = tempDir("clipzy-stage-");
  const file = join(tmp.dir, "clip.mp4");
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${width}x${height}:rate=${fps}`,
    ...(audio ? ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:beep_factor=4"] : []),
    "-t",
    String(seconds),
    ...ENCODE,
    ...(audio ? ["-c:a", "aac", "-shortest"] : []),
    file,
  ]);
  const store = new FsObjectStore({ root: join(tmp.dir, "store") });
  const storageKey = storageKeys.video("vid_stagefixture01", "clip.mp4");
  await store.put(storageKey, createReadStream(file), { contentType: "video/mp4" });
  const task = {
    jobId: "job_stagefixture01",
    tenantId: "tenant-stage",
    stage,
    quality: "low",
    mode: "full",
    source: {
      videoId: "vid_stagefixture01",
      storageKey,
      durationSeconds: seconds,
      frameRate: fps,
      width,
      height,
      hasAudio: audio,
      contentSha256: createHash("sha256").update(readFileSync(file)).digest("hex"),
    },
  } satisfies TaskFields;
  return { store, task, file, cleanup: tmp.cleanup };
}

type Fixture = Awaited<ReturnType<typeof stageFixture>>;

/**
 * Writes the source's three analysis artifacts (video, audio, motion), as the analysers store
 * them for a job without a template, and returns them.
 */
export async function writeAnalyses(f: Fixture) {
  const { store, task } = f;
  const { analysis, frames } = await analyzeVideo(f.file, { durationSeconds: task.source.durationSeconds });
  const key = storageKeys.motionFeatures(task.jobId, "source");
  await store.putBytes(key, encodeEstimates(frames.motion), { contentType: "application/octet-stream" });
  const { width, height, fps, count } = frames;
  const video: AnalyzedInput = { analysis, motion: { key, width, height, fps, count } };
  const audio = await analyzeAudio(f.file);
  const motion = await analyzeMotion(
    { width, height, fps, count, motion: frames.motion },
    { transitions: analysis.transitions },
  );
  const at = (stage: string) => storageKeys.inputArtifact(task.jobId, stage, "source");
  await writeJson(store, at("video_analysis"), video);
  await writeJson(store, at("audio_analysis"), audio);
  await writeJson(store, at("motion_analysis"), motion);
  return { video, audio, motion };
}

/** Writes a style_extraction artifact whose target is the source's own style. */
export async function writeOwnStyle(f: Fixture, analyses: Awaited<ReturnType<typeof writeAnalyses>>) {
  const { video, audio, motion } = analyses;
  const style = composeStyle(
    visualStyleFields(video.analysis, motion),
    audioStyleFields(audio),
    new Date("2026-01-01T00:00:00Z"),
    { pacing: pacingOf(video.analysis, audio) },
  );
  const artifact: StyleExtractionArtifact = { style_json: style, source_style: style };
  await writeJson(f.store, storageKeys.artifact(f.task.jobId, "style_extraction"), artifact);
  return artifact;
}
