import { describe, expect, it } from "vitest";
import { hannWindow, RealFft } from "./fft.js";

describe("RealFft", () => {
  it("matches a direct DFT on a random signal", () => {
    const n = 64;
    const x = Array.from(
      { length: n },
      (_, i) => Math.sin(i * 0.7) + 0.3 * Math.cos(i * 2.1) + ((i * 7919) % 13) / 13,
    );
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    new RealFft(n).forward(x, re, im);
    for (let k = 0; k <= n / 2; k++) {
      let r = 0;
      let i = 0;
      for (let t = 0; t < n; t++) {
        r += x[t] * Math.cos((2 * Math.PI * k * t) / n);
        i -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(r, 9);
      expect(im[k]).toBeCloseTo(i, 9);
    }
  });

  it("puts a bin-centred sine in one bin with magnitude N/2 (N/4 with a Hann window)", () => {
    const n = 2048;
    const w = hannWindow(n);
    const x = new Float64Array(n);
    for (let t = 0; t < n; t++) x[t] = Math.sin((2 * Math.PI * 100 * t) / n) * w[t];
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    new RealFft(n).forward(x, re, im);
    expect(Math.hypot(re[100], im[100])).toBeCloseTo(n / 4, 6);
    expect(Math.hypot(re[300], im[300])).toBeLessThan(1e-6);
  });

  it("rejects sizes that are not powers of two", () => {
    expect(() => new RealFft(1000)).toThrow(RangeError);
  });
});
