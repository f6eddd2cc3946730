import { describe, expect, it } from "vitest";
import { checkLimits, DEFAULT_MEDIA_LIMITS, formatName, interpretProbe, type MediaLimits } from "./probe.js";

describe("interpretProbe", () => {
  const mp4 = {
    streams: [
      { codec_type: "video", codec_name: "h264", width: 1920, height: 1080, avg_frame_rate: "30000/1001" },
      { codec_type: "audio", codec_name: "aac" },
    ],
    format: { format_name: "mov,mp4,m4a,3gp,3g2,mj2", duration: "60.016", bit_rate: "5000123" },
  };

  it("reports the documented metadata fields", () => {
    expect(interpretProbe(mp4, "my_video.mp4", 100)).toEqual({
      ok: true,
      metadata: {
        width: 1920,
        height: 1080,
        duration_seconds: 60.016,
        frame_rate: 29.97,
        codec: "h264",
        bitrate_kbps: 5000,
        format: "mp4",
        has_audio: true,
      },
    });
  });

  it("rejects audio-only, image-like and durationless inputs", () => {
    expect(
      interpretProbe({ streams: [{ codec_type: "audio" }], format: { duration: "3" } }, "a.mp3", 1).ok,
    ).toBe(false);
    expect(
      interpretProbe(
        {
          streams: [{ codec_type: "video", width: 10, height: 10, avg_frame_rate: "25/1" }],
          format: { duration: "0" },
        },
        "a.png",
        1,
      ).ok,
    ).toBe(false);
  });

  it("names the container the way users do", () => {
    expect(formatName("mov,mp4,m4a,3gp,3g2,mj2", "x.mov")).toBe("mov");
    expect(formatName("mov,mp4,m4a,3gp,3g2,mj2", "x.bin")).toBe("mp4");
    expect(formatName("matroska,webm", "x.mkv")).toBe("mkv");
    expect(formatName("matroska,webm", "x.webm")).toBe("webm");
  });
});

describe("checkLimits", () => {
  const probe = {
    streams: [
      { codec_type: "video", codec_name: "h264", width: 1920, height: 1080, avg_frame_rate: "30/1" },
      { codec_type: "audio", codec_name: "aac" },
    ],
    format: { format_name: "mp4", duration: "60", bit_rate: "5000000" },
  };
  const verdict = interpretProbe(probe, "a.mp4", 100);
  if (!verdict.ok) throw new Error("fixture");
  const meta = verdict.metadata;

  it("passes a video within every limit and names the first one exceeded", () => {
    expect(checkLimits(probe, meta, DEFAULT_MEDIA_LIMITS)).toEqual({ ok: true });
    const cases: [Partial<MediaLimits>, keyof MediaLimits, number][] = [
      [{ max_duration_seconds: 59 }, "max_duration_seconds", 60],
      [{ max_pixels: 1280 * 720 }, "max_pixels", 1920 * 1080],
      [{ max_frame_rate: 25 }, "max_frame_rate", 30],
      [{ max_streams: 1 }, "max_streams", 2],
    ];
    for (const [override, limit, value] of cases) {
      const v = checkLimits(probe, meta, { ...DEFAULT_MEDIA_LIMITS, ...override });
      expect(v).toMatchObject({ ok: false, limit, value, max: override[limit] });
      if (!v.ok) expect(v.reason).toMatch(/limit/);
    }
  });
});
