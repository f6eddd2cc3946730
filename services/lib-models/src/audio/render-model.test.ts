import { describe, expect, it } from "vitest";
import { emptyAnalysis } from "./analyzer.js";
import { audioFilterChain, loudnessGain } from "./render-model.js";

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
    m.speech.present = true;
    const chain = audioFilterChain(
      { normalization_level: 0.5, compression_ratio: 2, bass_boost: 0, enhance_speech: true },
      m,
    );
    expect(chain).not.toContain("acompressor"); // cannot decompress
    expect(chain).not.toContain("bass=");
    expect(chain).toContain("volume=2dB");
    expect(chain).toContain("equalizer=f=3000");
  });
  it("adds speech enhancement only to a source with speech, and a limiter only when the peak needs it", () => {
    const m = emptyAnalysis();
    m.empty = false;
    m.loudness.integrated_lufs = -30;
    m.loudness.true_peak_dbtp = -20;
    m.loudness.limiter_loss_db = [0, 0.5, 1, 1.5, 2];
    const style = {
      normalization_level: 0.5,
      compression_ratio: null,
      bass_boost: null,
      enhance_speech: true,
    };
    expect(audioFilterChain(style, m)).toBe("volume=12dB");
    m.loudness.true_peak_dbtp = -10; // +12 dB would reach +2 dBTP: 5 dB over the -3 dBTP ceiling
    const limited = audioFilterChain(style, m);
    // the loss curve extrapolates at 0.5 LU/dB: G = 12 + 0.5 (G - 7), so G = 17
    expect(limited).toMatch(
      /^aresample=192000,aformat=sample_fmts=dbl,volume=1[67](\.\d+)?dB:precision=double,/,
    );
    expect(limited).toContain("alimiter=limit=0.7079");
    expect(loudnessGain(-18, m).gainDb).toBeCloseTo(17, 1);
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
