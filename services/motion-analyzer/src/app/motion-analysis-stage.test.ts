import { create } from "@bufbuild/protobuf";
import { storageKeys } from "@clipzy/contracts";
import { recordingContext, stageFixture, writeAnalyses } from "@clipzy/media/stage-fixtures";
import { MotionAnalysisSchema } from "@clipzy/models/artifacts";
import { readArtifact } from "@clipzy/platform/artifacts";
import { StageInputError } from "@clipzy/platform/stage-worker";
import { StageTaskSchema } from "@clipzy/proto";
import { afterAll, describe, expect, it } from "vitest";
import { motionAnalysisStage } from "./motion-analysis-stage.js";

const f = await stageFixture("motion_analysis", { seconds: 2, audio: false });
afterAll(() => f.cleanup());

describe("motion analysis stage (filesystem store, video analysis from the shared analysis code)", () => {
  it("derives the source's motion from the stored estimates, without decoding the file", async () => {
    const { motion: expected } = await writeAnalyses(f);
    await f.store.delete(f.task.source.storageKey); // the stage must not need the video
    const task = create(StageTaskSchema, f.task);
    const r = recordingContext();
    const key = await motionAnalysisStage(f.store)(task, r.ctx);
    expect(key).toBe(storageKeys.inputArtifact(task.jobId, "motion_analysis", "source"));
    const motion = await readArtifact(f.store, key, MotionAnalysisSchema);
    expect(motion).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(motion.fps).toBe(15);
  });

  it("fails at once (StageInputError) when the video analysis artifact is missing its fields", async () => {
    const task = create(StageTaskSchema, { ...f.task, jobId: "job_badmotion00001" });
    await f.store.putBytes(
      storageKeys.inputArtifact(task.jobId, "video_analysis", "source"),
      '{"analysis":{}}',
    );
    await expect(motionAnalysisStage(f.store)(task, recordingContext().ctx)).rejects.toBeInstanceOf(
      StageInputError,
    );
  });
});
