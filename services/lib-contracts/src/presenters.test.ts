import { describe, expect, it } from "vitest";
import { estimateEtaSeconds, isoSeconds } from "./presenters.js";

describe("presenters", () => {
  it("formats timestamps as the docs do", () => {
    expect(isoSeconds(new Date("2024-04-05T10:30:00.123Z"))).toBe("2024-04-05T10:30:00Z");
  });
  it("estimates the time left from the rate so far", () => {
    const start = new Date("2024-01-01T00:00:00Z");
    const at = (s: number) => new Date(start.getTime() + s * 1000);
    expect(estimateEtaSeconds(51, start, at(10))).toBe(10); // 50 points in 10 s, 49 left
    expect(estimateEtaSeconds(2, start, at(10))).toBeNull(); // too early to say
    expect(estimateEtaSeconds(50, null, at(10))).toBeNull();
    expect(estimateEtaSeconds(100, start, at(10))).toBeNull();
  });
});
