import { readRecords, runTool, spawnTool } from "@clipzy/platform/process";

/**
 * The only ffmpeg/ffprobe use of the video analyser: probe the stream, then decode it ONCE,
 * scaled by ffmpeg (area scaler) to the small analysis resolution, as packed rgb24 frames through
 * a pipe, one record per frame. Every per-frame feature is derived from this single pass.
 */
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

interface ProbeJson {
  streams?: {
    width?: number;
    height?: number;
    r_frame_rate?: string;
    avg_frame_rate?: string;
    sample_aspect_ratio?: string;
    nb_frames?: string;
    duration?: string;
    tags?: { rotate?: string };
    side_data_list?: { rotation?: number }[];
  }[];
  format?: { duration?: string };
}

function parseRatio(s: string | undefined): [number, number] | null {
  if (!s) return null;
  const m = /^(\d+)[/:](\d+)$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const d = Number(m[2]);
  return n > 0 && d > 0 ? [n, d] : null;
}

export async function probeVideo(input: string, signal?: AbortSignal): Promise<StreamInfo> {
  const out = await runTool(
    "ffprobe",
    [
      "-v",
      "error",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=width,height,r_frame_rate,avg_frame_rate,sample_aspect_ratio,nb_frames,duration:stream_tags=rotate:stream_side_data=rotation:format=duration",
      "-of",
      "json",
      input,
    ],
    { signal },
  );
  const json = JSON.parse(out) as ProbeJson;
  const s = json.streams?.[0];
  if (!s?.width || !s.height) throw new Error(`no video stream in ${input}`);
  const fr = parseRatio(s.avg_frame_rate) ?? parseRatio(s.r_frame_rate) ?? [30, 1];
  const sar = parseRatio(s.sample_aspect_ratio) ?? [1, 1];
  let dw = Math.round((s.width * sar[0]) / sar[1]);
  let dh = s.height;
  const rotation = Number(
    s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? s.tags?.rotate ?? 0,
  );
  if (Math.abs(rotation) % 180 === 90) [dw, dh] = [dh, dw];
  const dur = Number(s.duration ?? json.format?.duration);
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

/** Analysis size: about `targetPixels` pixels with the display aspect ratio, even dimensions. */
export function analysisSize(displayWidth: number, displayHeight: number, targetPixels = 128 * 72) {
  const ar = displayWidth / displayHeight;
  let width = Math.max(8, 2 * Math.round(Math.sqrt(targetPixels * ar) / 2));
  let height = Math.max(8, 2 * Math.round(width / ar / 2));
  width = Math.min(width, displayWidth + (displayWidth % 2));
  height = Math.min(height, displayHeight + (displayHeight % 2));
  return { width, height };
}

export interface DecodeOptions {
  width: number;
  height: number;
  signal?: AbortSignal;
  /** ffmpeg decoder threads (0 = auto). */
  threads?: number;
  /** Stop after this many seconds of input. */
  durationSeconds?: number;
}

/** The ffmpeg arguments of the decode (exported so the benchmark can time bare ffmpeg with the same). */
export function decodeArgs(input: string, o: DecodeOptions): string[] {
  const args = ["-nostdin", "-v", "error", "-threads", String(o.threads ?? 0), "-i", input];
  if (o.durationSeconds !== undefined) args.push("-t", String(o.durationSeconds));
  args.push(
    "-map",
    "0:v:0",
    "-an",
    "-sn",
    "-dn",
    "-vf",
    `scale=${o.width}:${o.height}:flags=area,format=rgb24`,
    "-fps_mode",
    "passthrough",
    "-f",
    "rawvideo",
    "pipe:1",
  );
  return args;
}

/**
 * Streams packed rgb24 frames (width*height*3 bytes each). The ffmpeg child is killed when the
 * signal aborts or when the consumer stops iterating early.
 */
export async function* decodeFrames(input: string, o: DecodeOptions): AsyncGenerator<Buffer> {
  const tool = spawnTool("ffmpeg", decodeArgs(input, o), { signal: o.signal });
  let finished = false;
  tool.done.catch(() => {}); // observed below
  try {
    yield* readRecords(tool.stdout, o.width * o.height * 3);
    await tool.done;
    finished = true;
  } finally {
    if (!finished && tool.child.exitCode === null) tool.child.kill("SIGKILL");
  }
}
