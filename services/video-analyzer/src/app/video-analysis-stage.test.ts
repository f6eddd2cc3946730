import { create } from "@bufbuild/protobuf";
import { storageKeys } from "@clipzy/contracts";
import { recordingContext, stageFixture } from "@clipzy/media/stage-fixtures";
import { AnalyzedInputSchema } from "@clipzy/models/artifacts";
import { decodeEstimates, PAIR_STRIDE } from "@clipzy/models/video/motion-features";
import { readArtifact } from "@clipzy/platform/artifacts";
import { StageTaskSchema } from "@clipzy/proto";
import { afterAll, describe, expect, it } from "vitest";
import { videoAnalysisStage } from "./video-analysis-stage.js";

const f = await stageFixture("video_analysis", { seconds: 2, fps: 15 });
afterAll(() => f.cleanup());

describe("video analysis stage (real ffmpeg, filesystem store)", () => {
  it("stores the source's analysis and its motion estimates, then reads them back from the cache", async () => {
    const task = create(StageTaskSchema, f.task);
    const first = recordingContext();
    const key = await videoAnalysisStage(f.store)(task, first.ctx);
    expect(key).toBe(storageKeys.inputArtifact(task.jobId, "video_analysis", "source"));
    const artifact = await readArtifact(f.store, key, AnalyzedInputSchema);
    expect(artifact.motion).toMatchObject({ width: expect.any(Number), fps: 15, count: 30 });
    const motion = decodeEstimates(await f.store.getBytes(artifact.motion.key));
    expect(motion.length).toBe((artifact.motion.count - 1) * PAIR_STRIDE);
    expect(first.progress.at(-1)).toBe(1);
    expect(first.reused).toEqual([]);

    const again = recordingContext();
    await videoAnalysisStage(f.store)(task, again.ctx);
    expect(again.reused).toEqual(["source"]); // the same bytes: the cached analysis
    expect(await readArtifact(f.store, key, AnalyzedInputSchema)).toEqual(artifact);
  });
});
