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

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  bit_rate?: string;
  disposition?: { attached_pic?: number };
}

export interface ProbeJson {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string; bit_rate?: string; size?: string };
}

export type ProbeVerdict = { ok: true; metadata: MediaMetadata } | { ok: false; reason: string };

function rate(r: string | undefined): number {
  if (!r) return 0;
  const [n, d] = r.split("/").map(Number);
  const v = d ? n / d : n;
  return Number.isFinite(v) ? v : 0;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function interpretProbe(probe: ProbeJson, filename: string, sizeBytes: number): ProbeVerdict {
  const video = probe.streams?.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
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
