import { describe, expect, it } from "vitest";
import { audioStreamInfo, videoStreamInfo } from "./probe.js";

describe("probe readers (pure, over ffprobe's JSON)", () => {
  it("reads the first video stream that is not cover art, with its aspect and rotation applied", () => {
    const info = videoStreamInfo(
      {
        streams: [
          { codec_type: "video", width: 600, height: 600, disposition: { attached_pic: 1 } },
          {
            codec_type: "video",
            width: 1440,
            height: 1080,
            sample_aspect_ratio: "4:3",
            avg_frame_rate: "30000/1001",
            nb_frames: "300",
            side_data_list: [{ rotation: -90 }],
          },
          { codec_type: "audio", channels: 2 },
        ],
        format: { duration: "10.010" },
      },
      "in.mp4",
    );
    expect(info).toEqual({
      displayWidth: 1080,
      displayHeight: 1920,
      codedWidth: 1440,
      codedHeight: 1080,
      fpsNum: 30000,
      fpsDen: 1001,
      fps: 30000 / 1001,
      durationSeconds: 10.01,
      frameCount: 300,
    });
  });

  it("falls back to r_frame_rate, then 30/1, and says when there is no video", () => {
    const r = videoStreamInfo(
      { streams: [{ codec_type: "video", width: 4, height: 2, r_frame_rate: "25/1" }] },
      "x",
    );
    expect([r.fps, r.durationSeconds, r.frameCount]).toEqual([25, null, null]);
    expect(videoStreamInfo({ streams: [{ codec_type: "video", width: 4, height: 2 }] }, "x").fps).toBe(30);
    expect(() => videoStreamInfo({ streams: [{ codec_type: "audio" }] }, "a.wav")).toThrow(
      "no video stream in a.wav",
    );
  });

  it("reads the first audio stream's channels and length, the container's when the stream has none", () => {
    expect(
      audioStreamInfo({
        streams: [{ codec_type: "video" }, { codec_type: "audio", channels: 2, duration: "4.5" }],
        format: { duration: "5" },
      }),
    ).toEqual({ hasAudio: true, channels: 2, durationSeconds: 4.5 });
    expect(audioStreamInfo({ streams: [{ codec_type: "audio" }], format: { duration: "3" } })).toEqual({
      hasAudio: true,
      channels: 1,
      durationSeconds: 3,
    });
    expect(audioStreamInfo({ streams: [{ codec_type: "video" }], format: { duration: "3" } })).toEqual({
      hasAudio: false,
      channels: 0,
      durationSeconds: 3,
    });
  });
});
