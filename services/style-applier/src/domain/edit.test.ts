import { describe, expect, it } from "vitest";
import {
  cutFrames,
  type EditSource,
  type EditTarget,
  evenAims,
  offBeats,
  onBeatPattern,
  PUNCH_IN,
  placeSegments,
  planEdit,
  subjectCentre,
  xfadeType,
  zoomingSegments,
  zoomRate,
  zoomReads,
} from "./edit.js";

const FPS = 30;
const grid = (bpm: number, seconds: number, phase = 0) => {
  const out: number[] = [];
  for (let t = phase; t < seconds; t += 60 / bpm) out.push(Math.round(t * 1000) / 1000);
  return out;
};

const source = (over: Partial<EditSource> = {}): EditSource => {
  const frames = over.frames ?? 20 * FPS;
  return {
    fps: FPS,
    frames,
    shots: [{ start: 0, end: frames }],
    beats_s: grid(100, frames / FPS),
    has_audio: true,
    activity: null,
    subjects: [],
    ...over,
  };
};

const target = (over: Partial<EditTarget> = {}): EditTarget => ({
  cut_frequency: 4,
  tempo_bpm: 128,
  primary_transition: { type: "cut", duration_ms: 0, easing: "linear" },
  zoom_usage: 0,
  motion_intensity: 30,
  ...over,
});

const cutsPer10s = (cuts: number, frames: number) => (10 * cuts) / (frames / FPS);

describe("cut rhythm", () => {
  it.each([
    { name: "source music 100 BPM, a cut every 2.5 s", bpm: 100, freq: 4, seconds: 20 },
    { name: "source music 128 BPM, a cut every 2 s", bpm: 128, freq: 5, seconds: 30 },
    { name: "source music 90 BPM, a cut every 5 s", bpm: 90, freq: 2, seconds: 60 },
    { name: "fast: 140 BPM, 8 cuts per 10 s", bpm: 140, freq: 8, seconds: 15 },
  ])("$name: frequency within ±10 %, every cut on a beat frame", ({ bpm, freq, seconds }) => {
    const beats = grid(bpm, seconds, 0.1);
    const plan = planEdit({
      source: source({ frames: seconds * FPS, shots: [{ start: 0, end: seconds * FPS }], beats_s: beats }),
      target: target({ cut_frequency: freq }),
      foreign: true,
    });
    const f = cutsPer10s(plan.boundaries.length, plan.frames);
    expect(Math.abs(f / freq - 1)).toBeLessThanOrEqual(0.1);
    const beatFrames = new Set(beats.map((b) => Math.round(b * FPS)));
    for (const b of plan.boundaries) {
      expect(beatFrames.has(b.at)).toBe(true);
      expect(Math.abs(b.beat_offset_ms!)).toBeLessThanOrEqual(1000 / FPS / 2 + 1);
    }
    expect(plan.beat_source).toBe("source_music");
    expect(plan.audio_mode).toBe("continuous");
  });

  it("rounds absolute beat times to frames, so nothing drifts over a long output", () => {
    const beats = grid(128, 600);
    const cuts = cutFrames({ frames: 600 * FPS, fps: FPS, beats, aims: evenAims(600, 4) });
    for (const c of cuts) expect(beats.some((b) => Math.round(b * FPS) === c)).toBe(true);
    // the last cut is still where the absolute aim puts it (no accumulated error)
    const aims = evenAims(600, 4);
    expect(Math.abs(cuts[cuts.length - 1] - aims[aims.length - 1] * FPS)).toBeLessThanOrEqual(
      (60 / 128) * FPS,
    );
  });

  it("without music, cuts fall on the target's tempo grid; each segment keeps its own audio", () => {
    const plan = planEdit({
      source: source({ beats_s: [] }),
      target: target({ tempo_bpm: 120, cut_frequency: 4 }),
      foreign: true,
    });
    expect(plan.beat_source).toBe("target_tempo");
    expect(plan.audio_mode).toBe("spliced");
    for (const b of plan.boundaries) expect(b.at % 15).toBe(0); // 120 BPM = a beat every 15 frames
  });

  it("a source without audio gets the rhythm from the target's tempo", () => {
    const plan = planEdit({
      source: source({ beats_s: [], has_audio: false }),
      target: target({ tempo_bpm: 120 }),
      foreign: true,
    });
    expect(plan.audio_mode).toBe("none");
    expect(plan.boundaries.length).toBe(8);
    for (const b of plan.boundaries) expect(b.at % 15).toBe(0);
  });

  it("keeps every segment at least one beat and 0.5 s long", () => {
    const plan = planEdit({ source: source(), target: target({ cut_frequency: 40 }), foreign: true });
    const lens = plan.segments.map((s) => s.source_out - s.source_in);
    expect(Math.min(...lens)).toBeGreaterThanOrEqual(18); // 100 BPM: a beat is 18 frames
  });

  it("a source shorter than one segment renders with no cut", () => {
    const plan = planEdit({
      source: source({ frames: 20, shots: [{ start: 0, end: 20 }], beats_s: grid(100, 0.66) }),
      target: target(),
      foreign: true,
    });
    expect(plan.boundaries).toEqual([]);
    expect(plan.segments).toHaveLength(1);
    expect(plan.segments[0]).toMatchObject({ source_in: 0, source_out: 20, out_start: 0 });
  });

  it("applies nothing when the style is the source's own", () => {
    const plan = planEdit({ source: source(), target: target({ zoom_usage: 80 }), foreign: false });
    expect(plan.boundaries).toEqual([]);
    expect(plan.segments[0].zoom).toEqual({ from: 1, to: 1, cx: 0.5, cy: 0.5 });
  });
});

describe("placement on the source", () => {
  it("one long shot: cuts become punch-ins that alternate the framing, nothing is dropped", () => {
    const plan = planEdit({ source: source(), target: target(), foreign: true });
    expect(plan.boundaries.every((b) => b.kind === "punch_in")).toBe(true);
    plan.segments.forEach((s, k) => {
      expect(s.source_in).toBe(s.out_start); // in place: the music bed stays in sync
      expect(s.zoom.from).toBe(k % 2 ? PUNCH_IN : 1);
    });
  });

  it("reuses a source cut that lies near a beat: the cut moves onto the beat, declared as a slip", () => {
    // 100 BPM beats at 0.1 + 0.6k s → frames 3, 21, 39, …; a source cut at frame 77 (beat at 75)
    const plan = planEdit({
      source: source({
        shots: [
          { start: 0, end: 77 },
          { start: 77, end: 600 },
        ],
      }),
      target: target({ cut_frequency: 4 }),
      foreign: true,
    });
    const b = plan.boundaries.find((x) => x.kind === "source_cut");
    expect(b).toBeDefined();
    const k = plan.boundaries.indexOf(b!);
    // the shot after the source's cut starts exactly on the beat's cut
    expect(plan.segments[k + 1].source_in).toBe(77);
    expect(b!.beat_offset_ms).toBe(0);
    // the previous segment ends on its own shot; the frames skipped are the plan's slip
    expect(plan.segments[k].source_out).toBeLessThanOrEqual(77);
  });

  it("a source with its own cuts off the beat: each becomes the cut on a beat before it", () => {
    const shots = [
      { start: 0, end: 95 },
      { start: 95, end: 195 },
      { start: 195, end: 275 },
      { start: 275, end: 360 },
    ];
    const plan = planEdit({
      source: source({ frames: 360, shots, beats_s: grid(100, 12, 0.3) }),
      target: target({
        cut_frequency: 3.33,
        primary_transition: { type: "dissolve", duration_ms: 400, easing: "linear" },
      }),
      foreign: true,
    });
    expect(plan.boundaries.map((b) => b.kind)).toEqual(["source_cut", "source_cut", "source_cut"]);
    for (const b of plan.boundaries) expect(b.beat_offset_ms).toBe(0);
    plan.segments.forEach((s) => {
      const from = s.source_in - s.pre.source;
      const to = s.source_out + s.post.source;
      expect(shots.some((sh) => from >= sh.start && to <= sh.end)).toBe(true);
      expect(s.pre.hold + s.post.hold).toBe(0);
    });
    // shorter than the source by what moving three cuts onto beats dropped: under a beat and a
    // transition each
    expect(360 - plan.frames).toBeLessThanOrEqual(3 * (18 + 12));
  });

  it("never puts a segment across a source transition when a placement avoids it", () => {
    const shots = [
      { start: 0, end: 100 },
      { start: 115, end: 600 }, // frames 100..114 are a dissolve
    ];
    const plan = planEdit({ source: source({ shots }), target: target({ cut_frequency: 4 }), foreign: true });
    for (const s of plan.segments) {
      const inside = shots.some((sh) => s.source_in >= sh.start && s.source_out <= sh.end);
      expect(inside).toBe(true);
    }
    // and no output cut sits inside the source's dissolve
    for (const b of plan.boundaries) expect(b.at < 100 || b.at >= 115).toBe(true);
  });

  it("a highlight edit keeps the most active stretches, in source order, exactly as long as asked", () => {
    const activity = new Float32Array(600);
    for (let f = 300; f < 480; f++) activity[f] = 1; // 10–16 s is where things happen
    const plan = planEdit({
      source: source({ activity }),
      target: target({ cut_frequency: 4 }),
      foreign: true,
      durationSeconds: 6,
    });
    expect(plan.frames).toBe(180);
    expect(plan.segments.reduce((s, g) => s + g.source_out - g.source_in, 0)).toBe(180);
    for (let k = 1; k < plan.segments.length; k++)
      expect(plan.segments[k].source_in).toBeGreaterThanOrEqual(plan.segments[k - 1].source_out);
    const inside = plan.segments.filter((s) => s.source_in >= 300 && s.source_out <= 480);
    expect(inside.length).toBe(plan.segments.length);
    expect(plan.segments.every((s) => s.score !== null && s.score > 0.9)).toBe(true);
    // the music bed: cuts on the beats of the source's first 6 s
    for (const b of plan.boundaries) expect(Math.abs(b.beat_offset_ms!)).toBeLessThanOrEqual(17);
  });

  it("placeSegments falls back to crossing a cut when every shot is shorter than a segment", () => {
    const src = source({
      frames: 100,
      shots: [
        { start: 0, end: 30 },
        { start: 30, end: 60 },
        { start: 60, end: 100 },
      ],
    });
    const { starts } = placeSegments(src, [50, 50], { kind: "highlight" });
    expect(starts).toEqual([0, 50]);
    // at full length the last segment ends with its shot instead of crossing into the next
    const slip = placeSegments(src, [50, 50], { kind: "slip", starts: [0, 50], maxOverlap: 0 });
    expect(slip.starts[1]).toBe(60);
    expect(slip.lastLength).toBe(40);
  });
});

describe("transitions, zooms and framing", () => {
  it.each([
    ["cut", "cut"],
    ["dissolve", "fade"],
    ["fade", "fadeblack"],
    ["wipe", "wipeleft"],
    ["slideleft", "slideleft"],
    ["unheard-of", "fade"],
  ])("maps %s onto xfade %s", (from, to) => expect(xfadeType(from)).toBe(to));

  it("transitions take the target's duration in frames and easing, with handles from the shot", () => {
    const plan = planEdit({
      source: source(),
      target: target({ primary_transition: { type: "dissolve", duration_ms: 400, easing: "ease-in-out" } }),
      foreign: true,
    });
    for (const b of plan.boundaries)
      expect(b.transition).toEqual({ type: "fade", frames: 12, easing: "ease-in-out" });
    const mid = plan.segments[1];
    expect(mid.pre).toEqual({ source: 6, hold: 0 });
    expect(mid.post).toEqual({ source: 6, hold: 0 });
    expect(plan.segments[0].pre).toEqual({ source: 0, hold: 0 });
  });

  it("keeps a reused source cut's transition handles inside each shot (dropping frames, not holding)", () => {
    const plan = planEdit({
      source: source({
        shots: [
          { start: 0, end: 75 },
          { start: 75, end: 600 },
        ],
      }),
      target: target({ primary_transition: { type: "dissolve", duration_ms: 400, easing: "linear" } }),
      foreign: true,
    });
    const k = plan.boundaries.findIndex((b) => b.kind === "source_cut");
    expect(k).toBeGreaterThanOrEqual(0);
    const [a, b] = [plan.segments[k], plan.segments[k + 1]];
    expect(a.post).toEqual({ source: 6, hold: 0 });
    expect(b.pre).toEqual({ source: 6, hold: 0 });
    expect(a.source_out + a.post.source).toBeLessThanOrEqual(75);
    expect(b.source_in - b.pre.source).toBeGreaterThanOrEqual(75);
    expect(plan.boundaries[k].beat_offset_ms).toBe(0);
  });

  it.each([0, 25, 50, 100])("zooms a share of the frames equal to zoom_usage %i", (usage) => {
    const lens = Array.from({ length: 40 }, (_, i) => 60 + (i % 3) * 15);
    const z = zoomingSegments(lens, usage);
    const share = (100 * lens.reduce((s, l, i) => s + (z[i] ? l : 0), 0)) / lens.reduce((a, b) => a + b, 0);
    expect(Math.abs(share - usage)).toBeLessThanOrEqual(5);
  });

  it("counts zooms as the analyser reads them: transitions out, the source's own zooms in", () => {
    // three 100-frame segments joined by 10-frame transitions; the source zooms by itself on the
    // last segment's frames; its motion is measurable on the first two
    const zooming = new Uint8Array(300);
    zooming.fill(1, 200, 300);
    const measurable = new Uint8Array(300);
    measurable.fill(1, 0, 200);
    const segs = [0, 100, 200].map((p) => ({ source_in: p, source_out: p + 100 }));
    const reads = zoomReads(segs, [10, 10], { zooming, measurable });
    expect(reads.counted).toEqual([95, 90, 95]);
    expect(reads.own).toEqual([0, 0, 95]);
    expect(reads.ownShare).toBeCloseTo(95 / 280, 3);
    expect(reads.measurableShare).toBeCloseTo(185 / 280, 3);
    // 66 % wanted: the last segment's own 95 pairs and one more segment (95 or 90 of 280) reach it;
    // counting lengths alone, the planner would zoom two segments besides the self-zooming one
    const z = zoomingSegments([100, 100, 100], 66, reads);
    expect(z.filter(Boolean)).toHaveLength(1);
    expect(z[2]).toBe(false);
    expect(zoomingSegments([100, 100, 100], 66).filter(Boolean)).toHaveLength(2);
    // nothing wanted beyond what the picture already does: nothing added
    expect(zoomingSegments([100, 100, 100], 30, reads)).toEqual([false, false, false]);
  });

  it("scales zoom strength with motion intensity, always above the analyser's 2 %/s threshold", () => {
    expect(zoomRate(0)).toBeCloseTo(0.04);
    expect(zoomRate(100)).toBeCloseTo(0.15);
    expect(zoomRate(null)).toBeGreaterThan(0.02);
    const plan = planEdit({
      source: source(),
      target: target({ zoom_usage: 50, motion_intensity: 50 }),
      foreign: true,
    });
    const zoomed = plan.segments.filter((s) => s.zoom.to > s.zoom.from);
    expect(zoomed.length).toBeGreaterThan(0);
    for (const s of zoomed) {
      const rate = (Math.log(s.zoom.to / s.zoom.from) * FPS) / (s.source_out - s.source_in);
      expect(rate).toBeCloseTo(zoomRate(50), 3);
    }
  });

  it("centres crop and zoom on a tracked subject, and on the frame without one", () => {
    const pts = [
      { frame: 10, cx: 0.2, cy: 0.4, w: 0.1, h: 0.1, confidence: 1 },
      { frame: 20, cx: 0.4, cy: 0.4, w: 0.1, h: 0.1, confidence: 1 },
      { frame: 200, cx: 0.9, cy: 0.1, w: 0.1, h: 0.1, confidence: 0.5 },
    ];
    expect(subjectCentre(pts, 0, 100)).toEqual({ cx: 0.3, cy: 0.4 });
    expect(subjectCentre(pts, 100, 300)).toEqual({ cx: 0.9, cy: 0.1 });
    expect(subjectCentre(pts, 300, 400)).toEqual({ cx: 0.5, cy: 0.5 });
    const plan = planEdit({ source: source({ subjects: pts }), target: target(), foreign: true });
    expect(plan.segments[0].zoom).toMatchObject({ cx: 0.3, cy: 0.4 });
  });
});

describe("pacing in the edit", () => {
  it("puts round(K · share) of K cuts on the beat, spread evenly", () => {
    expect(onBeatPattern(4, null)).toEqual([true, true, true, true]);
    expect(onBeatPattern(4, 1)).toEqual([true, true, true, true]);
    expect(onBeatPattern(4, 0)).toEqual([false, false, false, false]);
    expect(onBeatPattern(6, 0.5)).toEqual([true, false, true, false, true, false]);
    for (const share of [0.1, 0.3, 0.6, 0.7, 0.9])
      for (const k of [1, 5, 10, 17]) {
        const on = onBeatPattern(k, share).filter(Boolean).length;
        expect(on).toBe(Math.floor(k * share + 0.5));
      }
    expect(offBeats([0, 0.5, 1, 1.5])).toEqual([0.25, 0.75, 1.25]);
  });

  it.each([0, 0.3, 0.6, 0.9, 1])(
    "a template with %s of its cuts on the beat gives an edit with that share (±1 cut)",
    (share) => {
      const beats = grid(120, 60);
      const plan = planEdit({
        source: source({ frames: 60 * FPS, beats_s: beats }),
        target: target({ cut_frequency: 3, pacing: { acceleration: 1, on_beat_share: share } }),
        foreign: true,
      });
      const k = plan.boundaries.length;
      expect(k).toBe(18);
      // on the beat: within a frame; off it: half a beat (250 ms) away, give a frame
      const on = plan.boundaries.filter((b) => Math.abs(b.beat_offset_ms!) <= 1000 / FPS / 2 + 1).length;
      const off = plan.boundaries.filter(
        (b) => Math.abs(Math.abs(b.beat_offset_ms!) - 250) <= 1000 / FPS + 1,
      );
      expect(Math.abs(on - share * k)).toBeLessThanOrEqual(1);
      expect(on + off.length).toBe(k);
    },
  );

  it("moves a source's own cuts to the midpoints when the template mostly cuts off the beat", () => {
    const beats = grid(120, 20);
    const shots = [
      { start: 0, end: 10 * FPS },
      { start: 10 * FPS + 10, end: 20 * FPS },
    ];
    const cuts = (share: number) =>
      cutFrames({
        frames: 20 * FPS,
        fps: FPS,
        beats,
        aims: [],
        sourceCuts: [shots[1].start],
        onBeatShare: share,
      });
    expect(cuts(0.75)).toEqual([10 * FPS]); // the last beat before the source's cut
    expect(cuts(0.25)).toEqual([Math.round(10.25 * FPS)]); // the last midpoint before it
  });
});
