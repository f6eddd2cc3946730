import { intermediateSize } from "@clipzy/models/closed-loop";
import { type EditDecisionList, EdlSchema } from "@clipzy/models/edit/edl";
import { fidelityReport } from "@clipzy/models/fidelity";
import { completeSuppliedStyle } from "@clipzy/models/style/compose";
import { profileOfPoints } from "@clipzy/models/video/lab";
import { describe, expect, it } from "vitest";
import { PROXY, proxyEdl, unreachableEdit } from "./proxy.js";

/** A 1080p EDL cropped to 9:16 with one zooming segment. */
const edl = EdlSchema.parse({
  version: 1,
  input_key: "videos/v/source.mp4",
  fps: 30,
  fps_fraction: "30/1",
  source: { width: 1920, height: 1080, frames: 60 },
  crop: { width: 606, height: 1080 },
  output: { width: 606, height: 1080, frames: 60 },
  segments: [
    {
      source_in: 0,
      source_out: 60,
      out_start: 0,
      zoom: { from: 1, to: 1.3, cx: 0.4, cy: 0.5 },
      pre: { source: 0, hold: 0 },
      post: { source: 0, hold: 0 },
      score: null,
    },
  ],
  boundaries: [],
  beats_ms: [],
  beat_source: "none",
  audio: { mode: "continuous", crossfade_ms: 0, filters: "volume=3dB", bitrate_kbps: 192 },
  colour: { transfer: null, filter: null, lut_key: "artifacts/j/grade.cube" },
  encode: { crf: 20, preset: "medium", max_height: 1080 },
  applied: ["aspect_ratio 9:16", "zoom"],
});

describe("the closed loop's proxy", () => {
  it("renders a tall source from a 288-line intermediate, a small one from itself", () => {
    expect(intermediateSize(1920, 1080)).toEqual({ width: 512, height: 288 });
    expect(intermediateSize(320, 180)).toBeNull();
  });

  it("is the same edit at low resolution with a fast preset", () => {
    const p = proxyEdl(edl, { width: 512, height: 288 });
    expect(p.source).toEqual({ width: 512, height: 288, frames: 60 });
    // the 9:16 crop scaled with the source, the output at most PROXY.maxHeight with its aspect
    expect(p.crop).toEqual({ width: 162, height: 288 });
    expect(p.output).toEqual({ width: 80, height: 144, frames: 60 });
    expect(p.encode).toEqual({ crf: PROXY.crf, preset: "ultrafast", max_height: 144 });
    // everything that makes the edit is unchanged: segments, zooms (normalised), audio, colour
    expect(p.segments).toEqual(edl.segments);
    expect(p.audio).toEqual(edl.audio);
    expect(p.colour).toEqual(edl.colour);
    expect(EdlSchema.safeParse(p).success).toBe(true);
  });
});

const NOW = new Date("2026-01-01T00:00:00Z");
const profile = profileOfPoints([[0.5, 0.5, 0.5]]);
const cutsReport = (requested: number, achieved: number) =>
  fidelityReport({
    requested: completeSuppliedStyle({ cut_frequency: requested }, NOW),
    achieved: completeSuppliedStyle({ cut_frequency: achieved }, NOW),
    applied: ["cuts"],
    colour: null,
    profiles: { source: profile, output: profile, template: null },
    outputLufs: null,
    measuredOn: { width: 128, height: 72, frames: 60 },
  });
const withCuts = (frames: number, cuts: { at: number; kind: "punch_in" | "source_cut" | "jump" }[]) =>
  ({
    ...edl,
    fps: 25,
    output: { ...edl.output, frames },
    boundaries: cuts.map((c) => ({
      ...c,
      transition: { type: "cut", frames: 0, easing: "linear" },
      beat_offset_ms: null,
    })),
  }) as EditDecisionList;
const noZoom = { ownShare: null, measurableShare: null, outputMeasurable: null };

describe("what the loop cannot reach in the edit, and why", () => {
  it("a cut frequency no whole number of cuts meets on an output this short", () => {
    // 62 frames at 25 fps: one cut reads 4.03 per 10 s, none 0; 3.33 ± 0.67 is neither
    const r = unreachableEdit(
      cutsReport(3.33, 4.03),
      withCuts(62, [{ at: 31, kind: "source_cut" }]),
      null,
      noZoom,
    );
    expect(r.unreachable.cut_frequency).toMatch(/2\.48 s long.*4\.03 per 10 s/);
  });

  it("names the planned cuts the proxy's analysis did not detect", () => {
    const plan = withCuts(75, [
      { at: 25, kind: "punch_in" },
      { at: 50, kind: "source_cut" },
    ]);
    const edits = [{ start_seconds: 2, duration_seconds: 0 }];
    const r = unreachableEdit(cutsReport(6.67, 3.33), plan, null, noZoom, edits);
    expect(r.unreachable.cut_frequency).toMatch(/^1 of the 2 planned cuts do not show .*punch-in at 1\.00 s/);
    // both detected yet read short: not the read-back's fault, no reason
    const both = [...edits, { start_seconds: 1, duration_seconds: 0 }];
    expect(unreachableEdit(cutsReport(6.67, 3.33), plan, null, noZoom, both).unreachable).toEqual({});
    // too few planned: a planning miss, not unreachable
    const one = withCuts(75, [{ at: 25, kind: "punch_in" }]);
    expect(unreachableEdit(cutsReport(6.67, 0), one, null, noZoom, []).unreachable).toEqual({});
  });
});
