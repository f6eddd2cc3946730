import { describe, expect, it } from "vitest";
import { measureTools, runTool, type ToolUsage } from "./process.js";

// ~1 s of real ffmpeg work (encode a test pattern), so its CPU time is well above the 10 ms tick.
const encode = ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "4"];
const args = [...encode, "-c:v", "libx264", "-preset", "medium", "-f", "null", "-"];

describe("tool usage accounting", () => {
  it("adds every ffmpeg run inside measureTools, however deep, with its wall and CPU time", async () => {
    const usage: ToolUsage = { runs: 0, wallMs: 0, cpuMs: 0 };
    const outside: ToolUsage = { runs: 0, wallMs: 0, cpuMs: 0 };
    const t0 = performance.now();
    await measureTools(usage, async () => {
      await runTool("ffmpeg", args);
      await Promise.all([
        runTool("ffprobe", ["-version"]),
        Promise.resolve().then(() => runTool("ffmpeg", args)),
      ]);
    });
    const wall = performance.now() - t0;
    await measureTools(outside, async () => {});
    await runTool("ffprobe", ["-version"]); // outside any scope: counted nowhere
    expect(usage.runs).toBe(3);
    expect(usage.wallMs).toBeGreaterThan(0);
    expect(usage.wallMs).toBeLessThanOrEqual(wall * 2 + 50); // two ran side by side at most
    expect(usage.cpuMs).toBeGreaterThan(100); // two x264 encodes of 100 frames
    expect(outside).toEqual({ runs: 0, wallMs: 0, cpuMs: 0 });
  });
});
