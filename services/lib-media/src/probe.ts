/**
 * What the readers of a probe need of it, derived by pure code from ffprobe's JSON (probeMedia in
 * ffmpeg.ts runs the one probe): the first video stream's geometry and rate for the video
 * analyser, the first audio stream for the audio analyser. Table-tested without ffprobe.
 */

/** One stream of ffprobe's `-show_streams` (the fields this codebase reads). */
export interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  sample_aspect_ratio?: string;
  nb_frames?: string;
  duration?: string;
  bit_rate?: string;
  channels?: number;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

/** ffprobe's `-show_format -show_streams` JSON. */
export interface ProbeJson {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string; bit_rate?: string; size?: string };
}

export interface StreamInfo {
  /** Display size (sample aspect ratio and rotation applied). */
  displayWidth: number;
  displayHeight: number;
  codedWidth: number;
  codedHeight: number;
  /** Frames per second as a fraction and a number. */
  fpsNum: number;
  fpsDen: number;
  fps: number;
  durationSeconds: number | null;
  frameCount: number | null;
}

function parseRatio(s: string | undefined): [number, number] | null {
  if (!s) return null;
  const m = /^(\d+)[/:](\d+)$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const d = Number(m[2]);
  return n > 0 && d > 0 ? [n, d] : null;
}

/** The first video stream that is not cover art. */
export const videoStream = (probe: ProbeJson): ProbeStream | undefined =>
  probe.streams?.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);

/** The first video stream's display geometry, rate and length; throws when there is none. */
export function videoStreamInfo(probe: ProbeJson, input: string): StreamInfo {
  const s = videoStream(probe);
  if (!s?.width || !s.height) throw new Error(`no video stream in ${input}`);
  const fr = parseRatio(s.avg_frame_rate) ?? parseRatio(s.r_frame_rate) ?? [30, 1];
  const sar = parseRatio(s.sample_aspect_ratio) ?? [1, 1];
  let dw = Math.round((s.width * sar[0]) / sar[1]);
  let dh = s.height;
  const rotation = Number(
    s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? s.tags?.rotate ?? 0,
  );
  if (Math.abs(rotation) % 180 === 90) [dw, dh] = [dh, dw];
  const dur = Number(s.duration ?? probe.format?.duration);
  const nb = Number(s.nb_frames);
  return {
    displayWidth: dw,
    displayHeight: dh,
    codedWidth: s.width,
    codedHeight: s.height,
    fpsNum: fr[0],
    fpsDen: fr[1],
    fps: fr[0] / fr[1],
    durationSeconds: Number.isFinite(dur) && dur > 0 ? dur : null,
    frameCount: Number.isFinite(nb) && nb > 0 ? nb : null,
  };
}

export interface AudioProbe {
  hasAudio: boolean;
  /** Channels of the first audio stream (0 without one). */
  channels: number;
  /** Duration in seconds (audio stream, else container), null if unknown. */
  durationSeconds: number | null;
}

/** Does the input have an audio stream, how many channels has the first, and how long is it. */
export function audioStreamInfo(probe: ProbeJson): AudioProbe {
  const a = probe.streams?.find((s) => s.codec_type === "audio");
  const d = Number(a?.duration ?? probe.format?.duration);
  return {
    hasAudio: a !== undefined,
    channels: a ? (a.channels ?? 1) : 0,
    durationSeconds: Number.isFinite(d) && d > 0 ? d : null,
  };
}
