import { describe, expect, it } from "vitest";
import { emptyAnalysis } from "./analyzer.js";
import { audioFilterChain } from "./render-model.js";

describe("audioFilterChain", () => {
  it("builds shelf, compressor and loudness stages from the style alone", () => {
    const chain = audioFilterChain({
      normalization_level: 0.5,
      compression_ratio: 4,
      bass_boost: 50,
      enhance_speech: false,
    });
    expect(chain).toMatch(/^bass=g=6\.\d+:f=120/);
    expect(chain).toContain("acompressor=threshold=-30dB:ratio=4:");
    expect(chain).toContain("loudnorm=I=-18:");
  });
  it("uses the measured source: only the difference is applied", () => {
    const m = emptyAnalysis();
    m.empty = false;
    m.loudness.integrated_lufs = -20;
    m.loudness.true_peak_dbtp = -6;
    m.dynamics.compression_ratio = 4;
    m.spectrum.bass_delta_db = 0;
    const chain = audioFilterChain(
      { normalization_level: 0.5, compression_ratio: 2, bass_boost: 0, enhance_speech: true },
      m,
    );
    expect(chain).not.toContain("acompressor"); // cannot decompress
    expect(chain).not.toContain("bass=");
    expect(chain).toContain("volume=2dB");
    expect(chain).toContain("equalizer=f=3000");
  });
  it("is a pass-through for an all-null style", () => {
    expect(
      audioFilterChain({
        normalization_level: null,
        compression_ratio: null,
        bass_boost: null,
        enhance_speech: null,
      }),
    ).toBe("anull");
  });
});
