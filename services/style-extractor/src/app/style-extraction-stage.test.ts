import { create } from "@bufbuild/protobuf";
import { storageKeys } from "@clipzy/contracts";
import { recordingContext, stageFixture, writeAnalyses, writeOwnStyle } from "@clipzy/media/stage-fixtures";
import { StyleExtractionArtifactSchema } from "@clipzy/models/artifacts";
import { readArtifact } from "@clipzy/platform/artifacts";
import { StageTaskSchema } from "@clipzy/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { styleExtractionStage } from "./style-extraction-stage.js";

const f = await stageFixture("style_extraction", { seconds: 3 });
const created = new Date("2026-01-01T00:00:00Z"); // writeOwnStyle's date
let own: Awaited<ReturnType<typeof writeOwnStyle>>;
beforeAll(async () => {
  own = await writeOwnStyle(f, await writeAnalyses(f)); // the source's style, composed by the shared models
});
afterAll(() => f.cleanup());

describe("style extraction stage (filesystem store, analyses from the shared analysis code)", () => {
  it("without a template or a supplied style, applies the source's own style", async () => {
    const task = create(StageTaskSchema, f.task);
    const r = recordingContext();
    const key = await styleExtractionStage(f.store, () => created)(task, r.ctx);
    expect(key).toBe(storageKeys.artifact(task.jobId, "style_extraction"));
    const artifact = await readArtifact(f.store, key, StyleExtractionArtifactSchema);
    expect(artifact).toEqual(JSON.parse(JSON.stringify(own)));
    expect(r.progress).toEqual([0.3, 0.9]);
  });

  it("applies a supplied style, completed, and keeps the source's as the baseline", async () => {
    const supplied = {
      version: "1.0",
      color_grade: { temperature: 0, tint: 0, saturation: 40, contrast: 0, highlights: 0, shadows: 0 },
      tempo_bpm: 100,
    };
    const task = create(StageTaskSchema, { ...f.task, styleJson: JSON.stringify(supplied) });
    const key = await styleExtractionStage(f.store, () => created)(task, recordingContext().ctx);
    const artifact = await readArtifact(f.store, key, StyleExtractionArtifactSchema);
    expect(artifact.style_json.color_grade.saturation).toBe(40);
    expect(artifact.style_json.tempo_bpm).toBe(100);
    expect(artifact.source_style).toEqual(JSON.parse(JSON.stringify(own.source_style)));
  });
});
