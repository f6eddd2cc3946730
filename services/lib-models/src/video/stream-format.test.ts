import { expect, it } from "vitest";
import { aspectRatioString, frameRateNumber } from "./stream-format.js";

it("reports aspect ratio and frame rate as the docs show", () => {
  expect(aspectRatioString(1920, 1080)).toBe("16:9");
  expect(aspectRatioString(1080, 1920)).toBe("9:16");
  expect(aspectRatioString(640, 480)).toBe("4:3");
  expect(aspectRatioString(854, 480)).toBe("16:9");
  expect(frameRateNumber(30)).toBe(30);
  expect(frameRateNumber(30000 / 1001)).toBe(29.97);
});
