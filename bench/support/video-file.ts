import { existsSync, mkdirSync } from "node:fs";
import { runTool } from "../../services/lib-platform/src/process.js";

/** The benchmarks' upload-sized input: 60 s of 1080p30 H.264 (testsrc2), generated once under .tmp/bench/. */
export async function video1080p(): Promise<string> {
  const file = ".tmp/bench/video-1080p30-60s.mp4";
  if (existsSync(file)) return file;
  mkdirSync(".tmp/bench", { recursive: true });
  console.log("generating", file, "…");
  await runTool("ffmpeg", [
    "-nostdin",
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    "testsrc2=s=1920x1080:r=30:d=60",
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "23",
    "-pix_fmt",
    "yuv420p",
    file,
  ]);
  return file;
}
