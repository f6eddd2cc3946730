import { mulberry32 } from "@clipzy/models/audio/synth";
import { describe, expect, it } from "vitest";
import { SLACK_SHARE, subjectPath, tautString } from "./reframe-path.js";

const valueAt = (keys: readonly { at: number; v: number }[], f: number) => {
  const i = keys.findIndex((k, j) => j + 1 < keys.length && keys[j + 1].at >= f);
  const a = keys[Math.max(0, i)];
  const b = keys[Math.max(0, i) + 1] ?? a;
  return b.at === a.at ? a.v : a.v + ((b.v - a.v) * (f - a.at)) / (b.at - a.at);
};

describe("tautString (the shortest path through a corridor)", () => {
  it("is flat at the preferred level when one level fits every frame", () => {
    const lo = new Array(30).fill(0.3);
    const hi = new Array(30).fill(0.5);
    expect(tautString(lo, hi, 0.9)).toEqual([
      { at: 0, v: 0.5 },
      { at: 29, v: 0.5 },
    ]);
    expect(tautString(lo, hi, 0.4)[0].v).toBe(0.4);
  });

  it("goes straight from one shelf to the next, bending only at the shelves' corners", () => {
    // [0, 0.2] up to frame 9, free between, [0.5, 0.7] from frame 20
    const lo = Array.from({ length: 30 }, (_, f) => (f >= 20 ? 0.5 : 0));
    const hi = Array.from({ length: 30 }, (_, f) => (f < 10 ? 0.2 : f < 20 ? 1 : 0.7));
    expect(tautString(lo, hi, 0)).toEqual([
      { at: 0, v: 0.2 },
      { at: 9, v: 0.2 },
      { at: 20, v: 0.5 },
      { at: 29, v: 0.5 },
    ]);
  });

  it("follows a steady climb as one line, and stays inside random corridors", () => {
    const lo = Array.from({ length: 60 }, (_, f) => 0.2 + 0.01 * f);
    const hi = lo.map((v) => v + 0.05);
    const line = tautString(lo, hi, 0);
    expect(line.length).toBeLessThanOrEqual(4);
    const r = mulberry32(7);
    for (let trial = 0; trial < 50; trial++) {
      const n = 5 + Math.floor(200 * r());
      let c = 0.5;
      const l: number[] = [];
      const h: number[] = [];
      for (let f = 0; f < n; f++) {
        c = Math.min(0.9, Math.max(0.1, c + 0.03 * (r() - 0.5)));
        const half = 0.05 * r();
        l.push(c - half);
        h.push(c + half);
      }
      const keys = tautString(l, h, 0.5);
      expect(keys[0].at).toBe(0);
      expect(keys.at(-1)!.at).toBe(n - 1);
      for (let f = 0; f < n; f++) {
        const v = valueAt(keys, f);
        expect(v).toBeGreaterThanOrEqual(l[f] - 1e-9);
        expect(v).toBeLessThanOrEqual(h[f] + 1e-9);
      }
      // a bend is where the corridor holds the path: on one of its bounds
      for (const k of keys.slice(1, -1))
        expect(Math.min(Math.abs(k.v - l[k.at]), Math.abs(k.v - h[k.at]))).toBeLessThan(1e-9);
    }
  });
});

describe("subjectPath (the reframing window along a track)", () => {
  const win = { width: 0.3125, height: 1 };
  // a 0.1-wide subject crossing from 0.2 to 0.8 over 90 frames, a point every 3 frames
  const moving = Array.from({ length: 31 }, (_, i) => ({
    frame: i * 3,
    cx: 0.2 + i * 0.02,
    cy: 0.5,
    w: 0.1,
    h: 0.2,
    confidence: 0.8,
  }));

  it("keeps the subject within half the window's slack of its centre, on few keyframes", () => {
    const path = subjectPath(moving, 0, 90, 30, win)!;
    expect(path.length).toBeLessThanOrEqual(6);
    const keys = path.map((k) => ({ at: k.at, v: k.cx }));
    const room = (SLACK_SHARE * (win.width - 0.1)) / 2;
    for (let f = 0; f < 90; f++) {
      const subject = 0.2 + (0.02 * f) / 3;
      expect(Math.abs(valueAt(keys, f) - subject)).toBeLessThanOrEqual(room + 1e-4);
    }
    // the window spans the frame fully: no vertical motion
    expect(new Set(path.map((k) => k.cy))).toEqual(new Set([0.5]));
  });

  it("gives no path for a still subject or an unseen one", () => {
    const still = moving.map((p) => ({ ...p, cx: 0.4 }));
    expect(subjectPath(still, 0, 90, 30, win)).toBeNull();
    expect(subjectPath(moving, 200, 300, 30, win)).toBeNull();
  });
});
