import { stagePercent } from "@clipzy/contracts";
import { describe, expect, it } from "vitest";
import { nextStage } from "./stage-order.js";

describe("stage progress mapping (seed 003)", () => {
  it("maps a stage's fraction onto its documented range", () => {
    expect(stagePercent("video_analysis", 0)).toBe(1);
    expect(stagePercent("video_analysis", 1)).toBe(20);
    expect(stagePercent("audio_analysis", 0)).toBe(21);
    expect(stagePercent("motion_analysis", 0.5)).toBe(45);
    expect(stagePercent("rendering", 1)).toBe(99);
    expect(stagePercent("rendering", 7)).toBe(99);
    expect(stagePercent("rendering", Number.NaN)).toBe(86);
  });
  it("orders stages, ending style_only jobs after style_extraction", () => {
    expect(nextStage("video_analysis", "full")).toBe("audio_analysis");
    expect(nextStage("style_extraction", "full")).toBe("style_application");
    expect(nextStage("style_extraction", "style_only")).toBeNull();
    expect(nextStage("rendering", "full")).toBeNull();
  });
});
