import { expect, it } from "vitest";
import { buildPyramid, estimateMotion } from "./global-motion.js";

function texture(w: number, h: number, dx: number, dy: number, s = 1): Uint8Array {
  const out = new Uint8Array(w * h);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      // content point seen at (x, y): undo the similarity (scale s about the centre, then shift)
      const u = (x - cx - dx) / s;
      const v = (y - cy - dy) / s;
      out[y * w + x] = Math.round(
        128 + 50 * Math.sin(u / 3.1) * Math.cos(v / 4.3) + 40 * Math.sin((u + 2 * v) / 5.7),
      );
    }
  return out;
}

it("measures a sub-pixel translation and a zoom on synthetic frames", () => {
  const w = 128;
  const h = 72;
  const a = buildPyramid(texture(w, h, 0, 0), w, h);
  const m = estimateMotion(a, buildPyramid(texture(w, h, 2.3, -0.7), w, h));
  expect(m.tx).toBeCloseTo(2.3, 1);
  expect(m.ty).toBeCloseTo(-0.7, 1);
  const z = estimateMotion(a, buildPyramid(texture(w, h, 0, 0, 1.02), w, h));
  expect(Math.hypot(1 + z.a, z.b)).toBeCloseTo(1.02, 3);
});
