import { describe, expect, it } from "vitest";
import {
  bassBoostFromDelta,
  compressionIndex,
  compressionRatioFromIndex,
  deltaFromBassBoost,
  indexFromCompressionRatio,
  lufsFromNormalizationLevel,
  MAX_COMPRESSION_RATIO,
  normalizationLevelFromLufs,
  REFERENCE,
} from "./dynamics.js";

describe("dynamics mappings", () => {
  it("compression ratio is >= 1, strictly increasing and invertible", () => {
    let prev = 0;
    for (let c = -2; c <= 1.7; c += 0.1) {
      const r = compressionRatioFromIndex(c);
      expect(r).toBeGreaterThanOrEqual(1);
      expect(r).toBeGreaterThan(prev);
      prev = r;
      if (c > -0.5) expect(indexFromCompressionRatio(r)).toBeCloseTo(c, 6);
    }
  });
  it("caps the ratio at acompressor's maximum for material without dynamics", () => {
    expect(compressionRatioFromIndex(5)).toBe(MAX_COMPRESSION_RATIO);
    expect(compressionRatioFromIndex(1.7)).toBeLessThan(MAX_COMPRESSION_RATIO);
  });
  it("reference spread reads as (almost) uncompressed, halved spread as compressed; LRA only lowers it", () => {
    const ref = {
      crestFactorDb: REFERENCE.crestFactorDb,
      plrDb: REFERENCE.plrDb,
      lraLu: 1,
      envelopeSpreadDb: REFERENCE.envelopeSpreadDb,
      shortCrestDb: 10,
    };
    expect(compressionIndex(ref)).toBeCloseTo(0, 9);
    const half = { ...ref, envelopeSpreadDb: ref.envelopeSpreadDb / 2 };
    expect(compressionIndex(half)).toBeCloseTo(0.7, 9);
    expect(compressionRatioFromIndex(0.7)).toBeGreaterThan(2);
    // a steady track (LRA 1 or 3) is not more compressed than one with 12 LU of range at the same spread
    expect(compressionIndex({ ...half, lraLu: 3 })).toBeCloseTo(compressionIndex(half)!, 9);
    expect(compressionIndex({ ...half, lraLu: 12 })!).toBeLessThan(compressionIndex(half)!);
  });
  it("bass boost and normalization mappings round-trip", () => {
    for (const b of [-80, -20, 0, 35, 90])
      expect(bassBoostFromDelta(deltaFromBassBoost(b))).toBeCloseTo(b, 6);
    expect(normalizationLevelFromLufs(-23)).toBeCloseTo(0.2917, 3);
    expect(normalizationLevelFromLufs(-14)).toBeCloseTo(0.6667, 3);
    expect(lufsFromNormalizationLevel(normalizationLevelFromLufs(-16))).toBeCloseTo(-16, 9);
    expect(normalizationLevelFromLufs(-60)).toBe(0);
  });
});
