import { describe, expect, it } from "vitest";
import { mulberry32 } from "../audio/synth.js";
import { buildSubjectTracks, type FrameCandidate, subjectChain } from "./subject-tracker.js";

const SIZE = { width: 128, height: 72, fps: 30 };
const cand = (frame: number, cx: number, over: Partial<FrameCandidate> = {}): FrameCandidate => ({
  frame,
  cue: "motion",
  cx,
  cy: 36,
  w: 12,
  h: 12,
  strength: 0.5,
  ...over,
});

describe("subject chain (best path over the candidates)", () => {
  it("holds a subject that stops where it stopped, past a salient patch of the background", () => {
    const r = mulberry32(3);
    const cs: FrameCandidate[] = [];
    // moves 20 → 60 over frames 0–29, stops for 40 frames (no residual), moves on to 100
    const truth = (f: number) => (f < 30 ? 20 + (40 * f) / 30 : f < 70 ? 60 : 60 + (40 * (f - 70)) / 30);
    for (let f = 1; f < 100; f++) {
      if (f < 30 || f >= 70) cs.push(cand(f, truth(f) + 2 * (r() - 0.5), { strength: 0.3 + 0.5 * r() }));
      // a weak salient patch of the background drifting with the pan, on every frame
      cs.push(cand(f, 100 - 0.2 * f, { cue: "saliency", strength: 0.1, cy: 20 }));
      // scattered weak residual
      if (r() < 0.3) cs.push(cand(f, 128 * r(), { strength: 0.03, cy: 72 * r() }));
    }
    const chain = subjectChain(cs, SIZE);
    const own = chain.filter((c) => c.cue === "motion");
    expect(own.length).toBe(59); // every frame the subject moves on
    for (const c of own) expect(Math.abs(c.cx - truth(c.frame))).toBeLessThan(3);
    // nothing from the stop's frames: the track is held there, not moved to the patch
    expect(chain.some((c) => c.frame >= 30 && c.frame < 70)).toBe(false);
    const [track] = buildSubjectTracks(cs, [{ start_frame: 0, end_frame: 100 }], SIZE);
    for (const p of track.points.filter((q) => q.frame >= 32 && q.frame < 68))
      expect(Math.abs(p.cx * 128 - 60)).toBeLessThan(3);
  });

  it("chooses among movers the one that is larger, more persistent and more central", () => {
    const cs: FrameCandidate[] = [];
    for (let f = 1; f < 60; f++) {
      cs.push(cand(f, 64 + 0.3 * f, { w: 20, h: 20 })); // central, large, every frame
      if (f % 3 === 0) cs.push(cand(f, 10, { w: 6, h: 6, strength: 0.6 })); // small, edge, a third of frames
    }
    const chain = subjectChain(cs, SIZE);
    expect(chain.every((c) => c.cx > 60)).toBe(true);
    expect(chain.length).toBe(59);
  });

  it("passes over a large salient region of the background that no mover coincides with", () => {
    // held-out clip 25's kind: a small plain subject seen by its motion, strongly on every third
    // frame and weakly between, crossing a large salient region of the photograph that drifts
    // with the pan and shows on every frame (it outweighed the subject when a salient region
    // counted whatever moved at it)
    const r = mulberry32(7);
    const truth = (f: number) => 120 - 1.1 * f;
    const cs: FrameCandidate[] = [];
    for (let f = 1; f < 90; f++) {
      const strong = f % 3 === 0;
      cs.push(cand(f, truth(f) + (r() - 0.5), { w: 8, h: 8, cy: 50, strength: strong ? 0.8 : 0.08 }));
      cs.push(cand(f, 50 + 0.27 * f, { cue: "saliency", w: 44, h: 20, cy: 27, strength: 0.35 }));
      cs.push(cand(f, 52 + 0.27 * f, { w: 6, h: 18, cy: 34, strength: 0.06 })); // its edge's residual
    }
    const chain = subjectChain(cs, SIZE);
    expect(chain.filter((c) => c.cue === "saliency")).toEqual([]);
    const [track] = buildSubjectTracks(cs, [{ start_frame: 0, end_frame: 90 }], SIZE);
    for (const p of track.points.filter((q) => q.frame >= 3 && q.frame < 87))
      expect(Math.abs(p.cx * 128 - truth(p.frame))).toBeLessThan(4);
  });

  it("falls back to the salient region when nothing moves", () => {
    const cs = Array.from({ length: 40 }, (_, f) => cand(f, 90, { cue: "saliency", strength: 0.6 }));
    const tracks = buildSubjectTracks(cs, [{ start_frame: 0, end_frame: 40 }], SIZE);
    expect(tracks).toHaveLength(1);
    expect(tracks[0].points.every((p) => Math.abs(p.cx * 128 - 90) < 1)).toBe(true);
  });
});
