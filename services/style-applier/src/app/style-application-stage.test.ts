import { create } from "@bufbuild/protobuf";
import { EditSummaryArtifactSchema, storageKeys } from "@clipzy/contracts";
import { recordingContext, stageFixture, writeAnalyses, writeOwnStyle } from "@clipzy/media/stage-fixtures";
import { EdlSchema, editSummary } from "@clipzy/models/edit/edl";
import { readArtifact } from "@clipzy/platform/artifacts";
import { StageInputError } from "@clipzy/platform/stage-worker";
import { StageTaskSchema } from "@clipzy/proto";
import { afterAll, describe, expect, it } from "vitest";
import { styleApplicationStage } from "./style-application-stage.js";

const f = await stageFixture("style_application", { seconds: 3 });
afterAll(() => f.cleanup());

describe("style application stage (filesystem store, upstream artifacts from the shared models)", () => {
  it("stores the EDL, its edit summary for the job's result, and the grade as a .cube LUT", async () => {
    await writeOwnStyle(f, await writeAnalyses(f));
    const task = create(StageTaskSchema, f.task);
    const r = recordingContext();
    const key = await styleApplicationStage(f.store)(task, r.ctx);
    expect(key).toBe(storageKeys.artifact(task.jobId, "style_application"));
    const edl = await readArtifact(f.store, key, EdlSchema);
    expect(edl.input_key).toBe(f.task.source.storageKey);
    expect(edl.output.frames / edl.fps).toBeCloseTo(3, 0);
    const summary = await readArtifact(
      f.store,
      storageKeys.artifact(task.jobId, "edit_summary"),
      EditSummaryArtifactSchema,
    );
    expect(summary).toEqual({ version: 1, edit: editSummary(edl) });
    expect(summary.edit.segments.length).toBeGreaterThan(0);
    expect(edl.colour.lut_key).toBe(storageKeys.gradeLut(task.jobId));
    const cube = (await f.store.getBytes(edl.colour.lut_key)).toString("utf8");
    expect(cube).toMatch(/^LUT_3D_SIZE \d+$/m);
    expect(r.progress).toEqual([0.2, 0.25, 0.97]);
  });

  it("fails at once (StageInputError) without a readable style artifact", async () => {
    const task = create(StageTaskSchema, f.task); // its analyses are stored, its style is not readable
    await f.store.putBytes(storageKeys.artifact(task.jobId, "style_extraction"), '{"style_json":{}}');
    await expect(styleApplicationStage(f.store)(task, recordingContext().ctx)).rejects.toBeInstanceOf(
      StageInputError,
    );
  });
});
