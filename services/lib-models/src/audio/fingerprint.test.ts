import { describe, expect, it } from "vitest";
import {
  compareFingerprints,
  fingerprintFromRaw,
  fingerprintItems,
  fingerprintSimilarity,
} from "./fingerprint.js";

/** A deterministic pseudo-random word sequence (xorshift32), like a fingerprint of unique music. */
function words(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x >>> 0;
  }
  return out;
}

/** Flips `bits` distinct bits of every word: what a re-encode does to some items. */
function flip(a: Uint32Array, bits: number): Uint32Array {
  return a.map((w, i) => {
    let v = w;
    for (let b = 0; b < bits; b++) v ^= 1 << ((i * 7 + b * 11) % 32);
    return v >>> 0;
  });
}

describe("fingerprint similarity", () => {
  it("is 1 for the same words, stays 1 with 6 bits flipped per item, and drops at 9", () => {
    const a = words(240, 7);
    expect(fingerprintSimilarity(a, a)).toBe(1);
    expect(fingerprintSimilarity(a, flip(a, 6))).toBe(1);
    expect(fingerprintSimilarity(a, flip(a, 9))).toBeLessThan(0.02);
  });

  it("finds the alignment of an excerpt that starts later", () => {
    const a = words(400, 3);
    const excerpt = a.slice(57, 257);
    expect(fingerprintSimilarity(excerpt, a)).toBe(1);
    expect(fingerprintSimilarity(a, excerpt)).toBe(1);
  });

  it("is near 0 for unrelated sequences", () => {
    const s = fingerprintSimilarity(words(300, 1), words(300, 2));
    expect(s).not.toBeNull();
    expect(s!).toBeLessThan(0.02);
  });

  it("says nothing (null) about sequences under 2 s", () => {
    expect(fingerprintSimilarity(words(10, 1), words(300, 1))).toBeNull();
  });

  it("round-trips the stored base64 form of ffmpeg's raw output", () => {
    const a = words(50, 9);
    const raw = new Uint8Array(a.length * 4);
    const view = new DataView(raw.buffer);
    a.forEach((w, i) => {
      view.setUint32(i * 4, w, true);
    });
    const fp = fingerprintFromRaw(raw)!;
    expect(fp.items).toBe(50);
    expect(Array.from(fingerprintItems(fp))).toEqual(Array.from(a));
    expect(compareFingerprints(fp, fp)).toBe(1);
    expect(fingerprintFromRaw(new Uint8Array(0))).toBeNull();
    expect(compareFingerprints(fp, null)).toBeNull();
  });
});
