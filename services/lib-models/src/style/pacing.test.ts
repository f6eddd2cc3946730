import { describe, expect, it } from "vitest";
import { editPointsOf, measurePacing, nearestDistanceMs, nearestOffset, pacedCutTimes } from "./pacing.js";

/** Edit points from a list of shot lengths (s). */
const points = (lengths: number[]) => {
  const out: number[] = [];
  let t = 0;
  for (const l of lengths.slice(0, -1)) {
    t += l;
    out.push(t);
  }
  return { editPoints: out, durationSeconds: lengths.reduce((a, b) => a + b, 0) };
};
const grid = (bpm: number, seconds: number, phaseS = 0) =>
  Array.from({ length: Math.floor((seconds * bpm) / 60) + 1 }, (_, i) => (phaseS + (i * 60) / bpm) * 1000);

describe("pacing", () => {
  it("reads a constant rhythm: median = the shot length, no spread, steady, flat curve", () => {
    const p = measurePacing({ ...points(new Array(12).fill(2)), beatsMs: null })!;
    expect(p.shot_seconds).toEqual({ median: 2, iqr: 0 });
    expect(p.acceleration).toBe(1);
    expect(p.on_beat_share).toBeNull();
    expect(p.cut_rate_curve.cuts_per_10s).toHaveLength(8);
    // 24 s in 8 windows of 3 s; 11 cuts at 2,4,…,22 s: every window holds 1 or 2
    expect(
      Math.max(...p.cut_rate_curve.cuts_per_10s) - Math.min(...p.cut_rate_curve.cuts_per_10s),
    ).toBeLessThan(3.34);
  });

  it("reads an accelerating edit (shots 3 s down to 0.8 s) as a cut rate rising ~3×, curve rising", () => {
    const lengths = [3, 2.8, 2.6, 2.4, 2.2, 2, 1.8, 1.6, 1.4, 1.2, 1, 0.8];
    const p = measurePacing({ ...points(lengths), beatsMs: null })!;
    // the fitted line's ends over the clip: ~3.1 s at the start, ~0.8 s at the end
    expect(p.acceleration).toBeGreaterThan(2.5);
    expect(p.acceleration).toBeLessThan(4.5);
    const c = p.cut_rate_curve.cuts_per_10s;
    expect(c.at(-1)!).toBeGreaterThan(c[0]);
    const slowing = measurePacing({ ...points([...lengths].reverse()), beatsMs: null })!;
    expect(slowing.acceleration).toBeLessThan(0.4);
  });

  it("says how many cuts fall on a beat: all, none (off-beat), and a share", () => {
    const beats = grid(120, 30);
    const onBeat = measurePacing({ ...points(new Array(15).fill(2)), beatsMs: beats })!;
    expect(onBeat.on_beat_share).toBe(1);
    // every cut a quarter beat (125 ms) after a beat
    const off = measurePacing({
      editPoints: [2.125, 4.125, 6.125, 8.125, 10.125],
      durationSeconds: 12,
      beatsMs: beats,
    })!;
    expect(off.on_beat_share).toBe(0);
    const mixed = measurePacing({ editPoints: [2, 4.125, 6, 8.125], durationSeconds: 10, beatsMs: beats })!;
    expect(mixed.on_beat_share).toBe(0.5);
  });

  it("handles a single shot and a clip without length", () => {
    const one = measurePacing({ editPoints: [], durationSeconds: 7, beatsMs: grid(100, 7) })!;
    expect(one.shot_seconds.median).toBe(7);
    expect(one.acceleration).toBe(1);
    expect(one.on_beat_share).toBeNull(); // no cut to be on or off a beat
    expect(measurePacing({ editPoints: [], durationSeconds: 0, beatsMs: null })).toBeNull();
  });

  it("places a gradual transition's edit point at its midpoint, and finds the nearest beat", () => {
    expect(
      editPointsOf([
        { type: "fade", start_seconds: 4, duration_seconds: 1 },
        { type: "cut", start_seconds: 2, duration_seconds: 0 },
      ]),
    ).toEqual([2, 4.5]);
    expect(nearestDistanceMs([0, 500, 1000], 740)).toBe(240);
    expect(nearestDistanceMs([0, 500, 1000], 1200)).toBe(200);
    expect(nearestDistanceMs([0, 500, 1000], -5)).toBe(5);
  });
});

describe("pacedCutTimes", () => {
  it("keeps the cut count and spreads evenly without acceleration", () => {
    const cuts = pacedCutTimes(20, 4, 1);
    expect(cuts).toHaveLength(8);
    cuts.forEach((t, j) => {
      expect(t).toBeCloseTo(((j + 1) * 20) / 9, 9);
    });
  });
  it("lays out cuts whose measured pacing gives back the acceleration asked for (±15%)", () => {
    for (const a of [0.5, 2, 3]) {
      const cuts = pacedCutTimes(40, 4, a);
      expect(cuts).toHaveLength(16);
      const p = measurePacing({ editPoints: cuts, durationSeconds: 40, beatsMs: null })!;
      expect(
        Math.abs(p.acceleration / a - 1),
        `acceleration ${a} read ${p.acceleration}`,
      ).toBeLessThanOrEqual(0.15);
    }
  });
});

describe("nearestOffset", () => {
  it("is signed, prefers the earlier point on a tie, and is null without points", () => {
    expect(nearestOffset([0, 500, 1000], 740)).toBe(240);
    expect(nearestOffset([0, 500, 1000], 760)).toBe(-240);
    expect(nearestOffset([0, 500, 1000], 750)).toBe(250);
    expect(nearestOffset([0, 500, 1000], -5)).toBe(-5);
    expect(nearestOffset([], 10)).toBeNull();
  });
});
