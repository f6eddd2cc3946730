import { describe, expect, it } from "vitest";
import { type EditDecisionList, EdlSchema } from "../edit/edl.js";
import { cmx3600 } from "./cmx3600.js";
import { fcpxmlDocument, rationalSeconds } from "./fcpxml.js";
import { framingAt, framingKeyframes, isUnframed, type TimelineMedia, transitionSplit } from "./model.js";
import { otioTimeline } from "./otio.js";

const media: TimelineMedia = {
  name: "job_test00000000",
  videoId: "vid_test00000000",
  url: "http://localhost/api/v1/videos/vid_test00000000/content",
  filename: "my clip & co.mp4",
  gradeUrl: "http://localhost/api/v1/jobs/job_test00000000/grade.cube",
};

const still = { from: 1, to: 1, cx: 0.5, cy: 0.5 };
const handle = (source: number, hold = 0) => ({ source, hold });

/** Three segments at 24 fps: a dissolve of 10 frames (5 + 5), then a cut into a punch-in that zooms. */
function edl(overrides: Partial<EditDecisionList> = {}): EditDecisionList {
  return EdlSchema.parse({
    version: 1,
    input_key: "videos/vid_test00000000/source.mp4",
    fps: 24,
    fps_fraction: "24/1",
    source: { width: 320, height: 180, frames: 240 },
    crop: { width: 320, height: 180 },
    output: { width: 320, height: 180, frames: 130 },
    segments: [
      {
        source_in: 10,
        source_out: 60,
        out_start: 0,
        zoom: still,
        pre: handle(0),
        post: handle(5),
        score: null,
      },
      {
        source_in: 80,
        source_out: 120,
        out_start: 50,
        zoom: still,
        pre: handle(5),
        post: handle(0),
        score: null,
      },
      {
        source_in: 120,
        source_out: 160,
        out_start: 90,
        zoom: { from: 1.4, to: 2, cx: 0.25, cy: 0.5 },
        pre: handle(0),
        post: handle(0),
        score: null,
      },
    ],
    boundaries: [
      { at: 50, transition: { type: "fade", frames: 10, easing: "linear" }, kind: "jump", beat_offset_ms: 0 },
      {
        at: 90,
        transition: { type: "cut", frames: 0, easing: "linear" },
        kind: "punch_in",
        beat_offset_ms: 0,
      },
    ],
    beats_ms: [0, 500, 1000, 2083.3, 6000],
    beat_source: "source_music",
    audio: { mode: "continuous", crossfade_ms: 0, filters: null, bitrate_kbps: 96 },
    colour: { transfer: null, filter: null, lut_key: "artifacts/job_test00000000/grade.cube" },
    encode: { crf: 20, preset: "medium", max_height: 1080 },
    applied: [],
    ...overrides,
  });
}

describe("framing", () => {
  it("a still full frame is unframed; a punch-in is framed", () => {
    const e = edl();
    expect(isUnframed(e, e.segments[0])).toBe(true);
    expect(framingAt(e, e.segments[0], 0)).toEqual({ scale: 1, cx: 0.5, cy: 0.5 });
    expect(isUnframed(e, e.segments[2])).toBe(false);
  });

  it("a zoom runs from `from` to `to` over the branch, its window clamped inside the frame", () => {
    const e = edl();
    const s = e.segments[2];
    const keys = framingKeyframes(e, s);
    expect(keys[0].frame).toBe(120);
    expect(keys.at(-1)!.frame).toBe(159);
    expect(keys[0].scale).toBeCloseTo(1.4, 6);
    expect(keys.at(-1)!.scale).toBeCloseTo(2, 6);
    // geometric in time: the middle keyframe's scale is the geometric mean of its neighbours' ends
    const mid = framingAt(e, s, 19.5);
    expect(mid.scale).toBeCloseTo(Math.sqrt(1.4 * 2), 6);
    // centre 0.25 of 320 = 80 px; a window of 320/1.4 = 228.6 px cannot centre there: clamped to x = 0
    expect(keys[0].cx).toBeCloseTo(320 / 1.4 / 2 / 320, 6);
    // at scale 2 the window (160 px) fits around 80 px
    expect(keys.at(-1)!.cx).toBeCloseTo(0.25, 6);
  });

  it("a transition of odd length puts the extra frame after the cut, as the renderer does", () => {
    expect(transitionSplit(11)).toEqual({ before: 5, after: 6 });
    expect(transitionSplit(0)).toEqual({ before: 0, after: 0 });
  });
});

describe("OTIO", () => {
  const o = otioTimeline(edl(), media) as any;
  const v1 = o.tracks.children[0];

  it("clips are the segments' source ranges at the EDL's rate, with a transition for each dissolve", () => {
    expect(o.OTIO_SCHEMA).toBe("Timeline.1");
    expect(o.tracks.OTIO_SCHEMA).toBe("Stack.1");
    expect(v1.kind).toBe("Video");
    expect(v1.children.map((c: any) => c.OTIO_SCHEMA)).toEqual([
      "Clip.2",
      "Transition.1",
      "Clip.2",
      "Clip.2",
    ]);
    const clips = v1.children.filter((c: any) => c.OTIO_SCHEMA === "Clip.2");
    expect(clips.map((c: any) => [c.source_range.start_time.value, c.source_range.duration.value])).toEqual([
      [10, 50],
      [80, 40],
      [120, 40],
    ]);
    expect(clips.every((c: any) => c.source_range.start_time.rate === 24)).toBe(true);
    const tr = v1.children[1];
    expect([tr.transition_type, tr.in_offset.value, tr.out_offset.value]).toEqual(["SMPTE_Dissolve", 5, 5]);
    const ref = clips[0].media_references.DEFAULT_MEDIA;
    expect(ref.target_url).toBe(media.url);
    expect(ref.metadata.clipzy.original_filename).toBe(media.filename);
    expect(clips[2].metadata.clipzy.zoom.to).toBe(2);
  });

  it("carries the music bed, the beats as markers and the grade's URL", () => {
    const a1 = o.tracks.children[1];
    expect(a1.kind).toBe("Audio");
    expect(a1.children[0].source_range.duration.value).toBe(130);
    // 6000 ms is past the output's end; 2083.3 ms is frame 50
    expect(o.tracks.markers.map((m: any) => m.marked_range.start_time.value)).toEqual([0, 12, 24, 50]);
    expect(o.metadata.clipzy.grade.cube_url).toBe(media.gradeUrl);
  });

  it("spliced audio follows the clips; no audio, no audio track", () => {
    const spliced = otioTimeline(
      edl({ audio: { mode: "spliced", crossfade_ms: 20, filters: null, bitrate_kbps: 96 } }),
      media,
    ) as any;
    expect(spliced.tracks.children[1].children).toHaveLength(3);
    const none = otioTimeline(
      edl({ audio: { mode: "none", crossfade_ms: 0, filters: null, bitrate_kbps: 96 } }),
      media,
    ) as any;
    expect(none.tracks.children).toHaveLength(1);
  });
});

describe("CMX 3600", () => {
  const text = cmx3600(edl(), media);
  const events = text
    .split("\n")
    .filter((l) => /^\d{3} /.test(l))
    .map((l) => l.split(/\s+/));
  const frames = (tc: string) => {
    const [h, m, s, f] = tc.split(":").map(Number);
    return ((h * 60 + m) * 60 + s) * 24 + f;
  };

  it("a centred dissolve starts `before` frames ahead of the cut; every event's source and record lengths agree", () => {
    const [e1, cutA, diss, e3, audio] = events;
    expect(e1.slice(0, 4)).toEqual(["001", "AX", "V", "C"]);
    expect([frames(e1[4]), frames(e1[5])]).toEqual([10, 55]);
    expect(frames(e1[7]) - 24 * 3600).toBe(45);
    // the outgoing side frozen at its source out − 5, then a 10-frame dissolve into 80 − 5
    expect(cutA.slice(0, 2)).toEqual(["002", "AX"]);
    expect(frames(cutA[4])).toBe(55);
    expect(diss.slice(3, 5)).toEqual(["D", "010"]);
    expect([frames(diss[5]), frames(diss[6])]).toEqual([75, 120]);
    expect(frames(diss[7]) - 24 * 3600).toBe(45);
    expect(frames(e3[6]) - 24 * 3600).toBe(90);
    for (const e of [e1, diss, e3]) {
      const n = e.length;
      expect(frames(e[n - 3]) - frames(e[n - 4])).toBe(frames(e[n - 1]) - frames(e[n - 2]));
    }
    expect(audio[2]).toBe("A");
    expect(text).toContain(`* FROM CLIP NAME: ${media.filename}`);
  });

  it("a name with a line break stays on its comment line", () => {
    const text = cmx3600(edl(), { ...media, filename: "a\n002  AX V C 00:00:00:00.mp4" });
    expect(text).toContain("* FROM CLIP NAME: a 002  AX V C 00:00:00:00.mp4");
    expect(text.split("\n").filter((l) => /^\d{3} /.test(l))).toHaveLength(5);
  });
});

describe("FCPXML", () => {
  it("writes times as reduced rationals of seconds", () => {
    expect(rationalSeconds(0, 24)).toBe("0s");
    expect(rationalSeconds(48, 24)).toBe("2s");
    expect(rationalSeconds(5 * 1001, 30000)).toBe("1001/6000s");
  });

  it("clips on the spine at their cuts, a centred transition, the zoom keyframed, names escaped", () => {
    const x = fcpxmlDocument(edl(), media);
    expect(x).toContain(`<fcpxml version="1.8">`);
    expect(x).toContain(`name="my clip &amp; co.mp4"`);
    expect(x).toMatch(
      /<asset-clip ref="r3" name="segment 2" offset="25\/12s" start="10\/3s" duration="5\/3s"/,
    );
    expect(x).toContain(`<transition name="Cross Dissolve" offset="15/8s" duration="5/12s">`);
    expect(x).toMatch(/<param name="scale">[\s\S]*<keyframe time="5s" value="1.4 1.4"\/>/);
    expect(x).toContain(`<asset-clip ref="r3" name="music" lane="-1"`);
    expect((x.match(/<marker /g) ?? []).length).toBe(4);
  });
});
