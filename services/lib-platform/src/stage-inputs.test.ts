import type { VideoRef } from "@clipzy/proto";
import { describe, expect, it } from "vitest";
import { analyseInputs } from "./stage-inputs.js";

const ref = (videoId: string, durationSeconds: number) => ({ videoId, durationSeconds }) as VideoRef;
const tick = () => new Promise((r) => setTimeout(r, 5));

describe("analyseInputs", () => {
  it("starts the template's work before the source's ends, with monotonic combined progress", async () => {
    const events: string[] = [];
    const seen: number[] = [];
    const out = await analyseInputs(
      { source: ref("vid_s", 30), template: ref("vid_t", 10) },
      (f) => seen.push(f),
      async ({ role }, progress) => {
        events.push(`start ${role}`);
        for (let i = 1; i <= 4; i++) {
          await tick();
          progress(i / 4);
        }
        events.push(`end ${role}`);
        return role.toUpperCase();
      },
    );
    expect(out).toEqual({ source: "SOURCE", template: "TEMPLATE" });
    expect(events.slice(0, 2)).toEqual(["start source", "start template"]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    expect(seen.at(-1)).toBeCloseTo(1, 9);
    // weighted by duration: a quarter of the source is 0.25 * 30/40 of the stage, of the template 0.25 * 10/40
    expect(seen.slice(0, 2)).toEqual([0.1875, 0.25]);
  });
  it("has no template result without a template", async () => {
    const out = await analyseInputs(
      { source: ref("vid_s", 3) },
      () => {},
      async () => 1,
    );
    expect(out).toEqual({ source: 1, template: null });
  });
});
