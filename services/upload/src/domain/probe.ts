import { type ProbeJson, videoStream } from "@clipzy/media/probe";

/** Turns ffprobe's JSON into the video metadata the API reports, or says why it is not a video. */
export interface MediaMetadata {
  width: number;
  height: number;
  duration_seconds: number;
  frame_rate: number;
  codec: string;
  bitrate_kbps: number;
  format: string;
  has_audio: boolean;
}

export type { ProbeJson } from "@clipzy/media/probe";

export type ProbeVerdict = { ok: true; metadata: MediaMetadata } | { ok: false; reason: string };

function rate(r: string | undefined): number {
  if (!r) return 0;
  const [n, d] = r.split("/").map(Number);
  const v = d ? n / d : n;
  return Number.isFinite(v) ? v : 0;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function interpretProbe(probe: ProbeJson, filename: string, sizeBytes: number): ProbeVerdict {
  const video = videoStream(probe);
  if (!video) return { ok: false, reason: "the file has no video stream" };
  if (!video.width || !video.height) return { ok: false, reason: "the video stream has no frame size" };
  const duration = Number(probe.format?.duration ?? video.duration ?? 0);
  if (!(duration > 0)) return { ok: false, reason: "the video has no duration (not a complete video file)" };
  const fps = rate(video.avg_frame_rate) || rate(video.r_frame_rate);
  if (!(fps > 0)) return { ok: false, reason: "the video stream has no frame rate" };
  const bitRate = Number(probe.format?.bit_rate ?? 0) || (sizeBytes * 8) / duration;
  return {
    ok: true,
    metadata: {
      width: video.width,
      height: video.height,
      duration_seconds: round(duration, 3),
      frame_rate: round(fps, 3),
      codec: video.codec_name ?? "unknown",
      bitrate_kbps: Math.round(bitRate / 1000),
      format: formatName(probe.format?.format_name ?? "", filename),
      has_audio: probe.streams?.some((s) => s.codec_type === "audio") ?? false,
    },
  };
}

/** ffprobe names demuxers ("mov,mp4,m4a,3gp,3g2,mj2"); users expect the container they sent ("mp4"). */
export function formatName(formatName: string, filename: string): string {
  const names = formatName.split(",").filter(Boolean);
  const ext = filename.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  if (ext && names.includes(ext)) return ext;
  if (ext === "mkv" && names.includes("matroska")) return "mkv";
  return names.includes("mp4") ? "mp4" : (names[0] ?? "unknown");
}

/** Bounds on the work one upload can cause; configurable (UPLOAD_MAX_*), documented with defaults. */
export interface MediaLimits {
  max_duration_seconds: number;
  /** width × height of the video stream. */
  max_pixels: number;
  max_frame_rate: number;
  /** Streams of any kind (video, audio, subtitles, data). */
  max_streams: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = {
  max_duration_seconds: 3600,
  max_pixels: 3840 * 2160,
  max_frame_rate: 120,
  max_streams: 8,
};

export type LimitVerdict =
  | { ok: true }
  | { ok: false; limit: keyof MediaLimits; value: number; max: number; reason: string };

/** The first limit a probed video exceeds, named, or ok. */
export function checkLimits(probe: ProbeJson, metadata: MediaMetadata, limits: MediaLimits): LimitVerdict {
  const checks: [keyof MediaLimits, number, (v: number, max: number) => string][] = [
    [
      "max_duration_seconds",
      metadata.duration_seconds,
      (v, m) => `the video lasts ${v} s; the limit is ${m} s`,
    ],
    [
      "max_pixels",
      metadata.width * metadata.height,
      (_v, m) => `the video is ${metadata.width}×${metadata.height}; the limit is ${m} pixels a frame`,
    ],
    [
      "max_frame_rate",
      metadata.frame_rate,
      (v, m) => `the video has ${v} frames a second; the limit is ${m}`,
    ],
    ["max_streams", probe.streams?.length ?? 0, (v, m) => `the file has ${v} streams; the limit is ${m}`],
  ];
  for (const [limit, value, say] of checks) {
    const max = limits[limit];
    if (value > max) return { ok: false, limit, value, max, reason: say(value, max) };
  }
  return { ok: true };
}
