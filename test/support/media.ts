import { execFile } from "node:child_process";
import { mkdir, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ClipOptions {
  seconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  audio?: boolean;
  /** An extra video filter, e.g. a colour change for a template. */
  filter?: string;
  source?: string;
}

/** Generates a small H.264/AAC MP4 with ffmpeg (test patterns, a sine tone with clicks). */
export async function makeClip(path: string, o: ClipOptions = {}): Promise<string> {
  const { seconds = 3, width = 320, height = 180, fps = 25, audio = true } = o;
  const src = o.source ?? `testsrc2=size=${width}x${height}:rate=${fps}`;
  const args = ["-v", "error", "-y", "-f", "lavfi", "-i", src];
  if (audio)
    args.push("-f", "lavfi", "-i", `aevalsrc='0.4*sin(2*PI*220*t)*exp(-8*mod(t,0.5))':s=44100:d=${seconds}`);
  if (o.filter) args.push("-vf", o.filter);
  args.push("-t", String(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p");
  if (audio) args.push("-c:a", "aac");
  args.push(path);
  await run("ffmpeg", args);
  return path;
}

export async function fixtureDir(root: string): Promise<string> {
  const dir = join(root, "fixtures");
  await mkdir(dir, { recursive: true });
  return dir;
}

/** An MP4 cut in half: the moov atom (written last) is gone, so it cannot be played. */
export async function makeTruncated(path: string, from: string): Promise<string> {
  await run("cp", [from, path]);
  const { size } = await stat(path);
  await truncate(path, Math.floor(size / 2));
  return path;
}

export async function makeTextFile(path: string): Promise<string> {
  await writeFile(path, "this is not a video\n".repeat(200));
  return path;
}

/** Reads a file's video stream facts with ffprobe. */
export async function probe(
  path: string,
): Promise<{ width: number; height: number; codec: string; duration: number; frames: number }> {
  const { stdout } = await run("ffprobe", [
    "-v",
    "error",
    "-count_frames",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=width,height,codec_name,nb_read_frames:format=duration",
    "-of",
    "json",
    path,
  ]);
  const j = JSON.parse(stdout);
  return {
    width: j.streams[0].width,
    height: j.streams[0].height,
    codec: j.streams[0].codec_name,
    duration: Number(j.format.duration),
    frames: Number(j.streams[0].nb_read_frames),
  };
}
