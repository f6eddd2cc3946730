import { expect, it } from "vitest";
import { mulberry32 } from "../audio/synth.js";
import { stepFit } from "./transition-boundary.js";
import type { TypingInput } from "./transition-typing.js";

const W = 64;
const H = 36;

/** A smooth random texture (blocks of 4×4, values 40..215) with noise of ±3 levels per frame. */
function texture(seed: number): Float32Array {
  const r = mulberry32(seed);
  const cells = Array.from({ length: (W / 4) * (H / 4 + 1) }, () => 40 + 175 * r());
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) out[y * W + x] = cells[(y >> 2) * (W / 4) + (x >> 2)];
  return out;
}

/**
 * 40 frames, still camera: shot A to frame 15, then `mix(x, y, k)` ∈ 0..1 (the share of B at
 * pixel x, y in frame k), then B.
 */
function clip(mix: (x: number, y: number, k: number) => number): TypingInput {
  const A = texture(1);
  const B = texture(2);
  const r = mulberry32(9);
  const frames = Array.from({ length: 40 }, (_, k) => {
    const f = new Uint8Array(W * H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const m = mix(x, y, k);
        const i = y * W + x;
        f[i] = Math.max(0, Math.min(255, Math.round((1 - m) * A[i] + m * B[i] + 6 * (r() - 0.5))));
      }
    return f;
  });
  return { w: W, h: H, count: 40, frame: (k) => frames[k] ?? null, motion: () => null };
}

it("stepFit: a 12-frame wipe left to right spans 12 pairs from frame 15; a dissolve and a cut switch every pixel at once", () => {
  // the edge at column 64·(k − 15)/12: pixel x is B from frame 15 + ⌈12·(x + 1)/64⌉ on
  const wipe = stepFit(
    clip((x, _y, k) => (k - 15 >= (12 * (x + 1)) / W ? 1 : 0)),
    2,
    38,
  );
  expect(wipe).not.toBeNull();
  expect(wipe!.startFrame).toBe(15);
  expect(Math.abs(wipe!.frames - 12)).toBeLessThanOrEqual(1);
  expect(wipe!.residual).toBeLessThan(0.1);
  expect(wipe!.smooth).toBeGreaterThan(0.9);
  expect(wipe!.distinct).toBeGreaterThan(0.5);
  // progress rises from ≤ 0.05 to ≥ 0.95, monotone
  expect(wipe!.progress[0]).toBeLessThanOrEqual(0.05);
  expect(wipe!.progress[wipe!.progress.length - 1]).toBeGreaterThanOrEqual(0.95);
  for (let k = 1; k < wipe!.progress.length; k++)
    expect(wipe!.progress[k]).toBeGreaterThanOrEqual(wipe!.progress[k - 1]);

  const dissolve = stepFit(
    clip((_x, _y, k) => Math.min(1, Math.max(0, (k - 15) / 12))),
    2,
    38,
  );
  // every pixel crosses halfway at the same frame: no spread, and a quarter of |A − B| left
  expect(dissolve!.frames).toBeLessThanOrEqual(2);
  expect(dissolve!.residual).toBeGreaterThan(0.2);

  const cut = stepFit(
    clip((_x, _y, k) => (k > 20 ? 1 : 0)),
    2,
    38,
  );
  expect(cut!.startFrame).toBe(20);
  expect(cut!.frames).toBe(1);
});
