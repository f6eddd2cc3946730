import { create } from "@bufbuild/protobuf";
import { storageKeys } from "@clipzy/contracts";
import { recordingContext, stageFixture } from "@clipzy/media/stage-fixtures";
import { AudioAnalysisSchema } from "@clipzy/models/artifacts";
import { readArtifact } from "@clipzy/platform/artifacts";
import { StageTaskSchema } from "@clipzy/proto";
import { afterAll, describe, expect, it } from "vitest";
import { audioAnalysisStage } from "./audio-analysis-stage.js";

const f = await stageFixture("audio_analysis", { seconds: 3 });
afterAll(() => f.cleanup());

describe("audio analysis stage (real ffmpeg, filesystem store)", () => {
  it("stores the source's audio analysis through its schema, reused from the cache the second time", async () => {
    const task = create(StageTaskSchema, f.task);
    const first = recordingContext();
    const key = await audioAnalysisStage(f.store)(task, first.ctx);
    expect(key).toBe(storageKeys.inputArtifact(task.jobId, "audio_analysis", "source"));
    const a = await readArtifact(f.store, key, AudioAnalysisSchema);
    expect(a.empty).toBe(false);
    expect(a.duration_seconds).toBeCloseTo(3, 0);
    expect(a.loudness.integrated_lufs).not.toBeNull();
    expect(first.progress.at(-1)).toBe(1);
    const again = recordingContext();
    await audioAnalysisStage(f.store)(task, again.ctx);
    expect(again.reused).toEqual(["source"]);
  });

  it("passes a video without audio with an empty analysis", async () => {
    const task = create(StageTaskSchema, {
      ...f.task,
      jobId: "job_noaudio000001",
      source: { ...f.task.source, hasAudio: false },
    });
    const r = recordingContext();
    const key = await audioAnalysisStage(f.store)(task, r.ctx);
    const a = await readArtifact(f.store, key, AudioAnalysisSchema);
    expect(a.empty).toBe(true);
    expect(a.beats).toEqual([]);
    expect(r.progress).toEqual([1]);
  });
});
