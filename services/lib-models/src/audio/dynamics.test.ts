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
  it("reference dynamics read as (almost) uncompressed, halved dynamics as compressed", () => {
    const ref = {
      crestFactorDb: REFERENCE.crestFactorDb,
      plrDb: REFERENCE.plrDb,
      lraLu: REFERENCE.lraLu,
      envelopeSpreadDb: REFERENCE.envelopeSpreadDb,
      shortCrestDb: 10,
    };
    expect(compressionIndex(ref)).toBeCloseTo(0, 9);
    const half = {
      ...ref,
      lraLu: ref.lraLu / 2,
      envelopeSpreadDb: ref.envelopeSpreadDb / 2,
      crestFactorDb: ref.crestFactorDb / 2,
    };
    expect(compressionIndex(half)).toBeCloseTo(1, 9);
    expect(compressionRatioFromIndex(1)).toBeGreaterThan(5);
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
