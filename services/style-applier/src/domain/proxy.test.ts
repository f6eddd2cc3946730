import { intermediateSize } from "@clipzy/models/closed-loop";
import { EdlSchema } from "@clipzy/models/edit/edl";
import { describe, expect, it } from "vitest";
import { PROXY, proxyEdl } from "./proxy.js";

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
