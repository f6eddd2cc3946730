import { describe, expect, it } from "vitest";
import { biquadGain, kWeightingCoefficients } from "./biquad.js";
import { gatedLoudness, LoudnessMeter } from "./loudness.js";

const fs = 48000;
function sine(freq: number, amp: number, seconds: number, phase = 0): Float32Array {
  const x = new Float32Array(Math.round(seconds * fs));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / fs + phase);
  return x;
}
function measure(x: Float32Array) {
  const m = new LoudnessMeter(fs);
  for (let i = 0; i < x.length; i += 4096) m.push(x.subarray(i, i + 4096));
  return m.summary();
}

describe("K-weighting", () => {
  it("reproduces the BS.1770 48 kHz coefficients", () => {
    const [shelf, hp] = kWeightingCoefficients(48000);
    expect(shelf.b0).toBeCloseTo(1.53512485958697, 6);
    expect(shelf.b1).toBeCloseTo(-2.69169618940638, 6);
    expect(shelf.b2).toBeCloseTo(1.19839281085285, 6);
    expect(shelf.a1).toBeCloseTo(-1.69065929318241, 6);
    expect(shelf.a2).toBeCloseTo(0.73248077421585, 6);
    expect(hp.a1).toBeCloseTo(-1.99004745483398, 6);
    expect(hp.a2).toBeCloseTo(0.99007225036621, 6);
  });
  it("has the shape at other rates: ~+4 dB at 10 kHz, ~0 dB at 1 kHz, cut at 20 Hz", () => {
    for (const rate of [44100, 22050]) {
      const [shelf, hp] = kWeightingCoefficients(rate);
      const g = (f: number) => 20 * Math.log10(biquadGain(shelf, f, rate) * biquadGain(hp, f, rate));
      expect(g(1000)).toBeCloseTo(0.7, 0);
      expect(g(8000)).toBeGreaterThan(3.5);
      expect(g(20)).toBeLessThan(-10);
    }
  });
});

describe("LoudnessMeter", () => {
  it("reads a 1 kHz sine at -20 dBFS as -23.0 LUFS (mono), LRA 0, peaks right", () => {
    const s = measure(sine(997, 0.1, 5));
    expect(s.integratedLufs!).toBeCloseTo(-23.0, 1);
    expect(s.rangeLu!).toBeLessThan(0.1);
    expect(s.samplePeakDbfs!).toBeCloseTo(-20, 1);
    expect(s.rmsDbfs!).toBeCloseTo(-23.01, 1);
  });

  it("finds the true peak between samples (fs/4 sine at 45 degrees: samples at 0.707)", () => {
    const s = measure(sine(fs / 4, 0.5, 1, Math.PI / 4));
    expect(s.samplePeakDbfs!).toBeCloseTo(20 * Math.log10(0.5 * Math.SQRT1_2), 1);
    expect(s.truePeakDbtp!).toBeGreaterThan(20 * Math.log10(0.5) - 0.3);
    expect(s.truePeakDbtp!).toBeLessThan(20 * Math.log10(0.5) + 0.3);
  });

  it("gates silence out of integrated loudness and measures LRA of a level step", () => {
    const a = sine(1000, 0.1, 6);
    const gap = new Float32Array(fs * 4);
    const b = sine(1000, 0.1 * 10 ** (-6 / 20), 6);
    const x = new Float32Array(a.length + gap.length + b.length);
    x.set(a);
    x.set(gap, a.length);
    x.set(b, a.length + gap.length);
    const s = measure(x);
    // mean power of -23 and -29 LUFS blocks (silence gated away)
    const expected = -0.691 + 10 * Math.log10((10 ** ((-23 + 0.691) / 10) + 10 ** ((-29 + 0.691) / 10)) / 2);
    expect(s.integratedLufs!).toBeCloseTo(expected, 0);
    const step = new Float32Array(a.length + b.length);
    step.set(a);
    step.set(b, a.length);
    const r = measure(step).rangeLu!;
    expect(r).toBeGreaterThan(5.5);
    expect(r).toBeLessThan(6.5);
  });

  it("returns null loudness for digital silence", () => {
    expect(measure(new Float32Array(fs * 2)).integratedLufs).toBeNull();
    expect(gatedLoudness([-80, -90], -10)).toBeNull();
  });
});
