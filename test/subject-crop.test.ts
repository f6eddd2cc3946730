import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir } from "./support/media.js";
import { reframeJob } from "./support/reframe.js";

const run = promisify(execFile);
const ff = (args: string[]) => run("ffmpeg", ["-v", "error", "-y", ...args]);

/**
 * Reframing 16:9 → 9:16 follows the subject: a magenta/green checkered object crossing a
 * textured background under a camera pan (its place known by construction) must stay inside the
 * portrait crop of the rendered output. Visibility is read from the output's own pixels: the
 * object's magenta, which the background never reaches (its blue stays under 210).
 */
describe("subject-aware reframing", () => {
  let engine: TestEngine;
  let videoId = "";
  let source = "";
  const FRAMES = 150;

  beforeAll(async () => {
    engine = await startTestEngine();
    const dir = await fixtureDir(engine.dataDir);
    const still = (out: string, w: number, h: number, expr: string) =>
      ff(["-f", "lavfi", "-i", `nullsrc=s=${w}x${h},format=gbrp,geq=${expr}`, "-frames:v", "1", out]);
    await still(
      join(dir, "bg.png"),
      900,
      360,
      "r='128+70*sin(X/25)*cos(Y/17)+50*sin((X+2*Y)/9)':g='128+60*cos(X/31+Y/11)+40*random(1)':b='128+80*sin(hypot(X-300,Y-180)/15)'",
    );
    await still(
      join(dir, "obj.png"),
      40,
      40,
      "r='255*mod(floor(X/5)+floor(Y/5),2)':g='255*(1-mod(floor(X/5)+floor(Y/5),2))':b='255*mod(floor(X/5)+floor(Y/5),2)'",
    );
    const file = join(dir, "subject.mp4");
    source = file;
    await ff([
      "-loop",
      "1",
      "-framerate",
      "30",
      "-i",
      join(dir, "bg.png"),
      "-loop",
      "1",
      "-framerate",
      "30",
      "-i",
      join(dir, "obj.png"),
      "-filter_complex",
      "[0][1]overlay=x='180+2*n':y='150+40*sin(n/20)',crop=320:180:x='100+n':y=80,format=yuv420p[v]",
      "-map",
      "[v]",
      "-frames:v",
      String(FRAMES),
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-crf",
      "16",
      file,
    ]);
    videoId = (await engine.upload(file)).body.data.video_id;
  });
  afterAll(() => engine?.cleanup());

  it("keeps the moving subject inside a 9:16 crop on ≥ 95% of frames (a centre crop loses it on over a fifth)", async () => {
    const result = await reframeJob(engine, videoId);
    const out = new URL(result.output_video_url).pathname;
    const { stdout: dims } = await run("ffprobe", [
      "-v",
      "error",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=width,height",
      "-of",
      "csv=p=0",
      out,
    ]);
    const [w, h] = dims.trim().split(",").map(Number);
    expect(h).toBeGreaterThan(w);
    const inside = await framesShowingSubject(out, w, h);
    // the same footage centre-cropped (the framing before subject tracking) loses the subject
    const centre = join(engine.dataDir, "centre.mp4");
    await ff(["-i", source, "-vf", `crop=${w}:${h}`, "-c:v", "libx264", "-preset", "ultrafast", centre]);
    const baseline = await framesShowingSubject(centre, w, h);
    if (process.env.CLIPZY_PRINT_FIGURES)
      console.log(
        `subject inside the 9:16 crop: ${inside}/${FRAMES} frames; centre crop: ${baseline}/${FRAMES}`,
      );
    expect(inside / FRAMES).toBeGreaterThanOrEqual(0.95);
    expect(baseline / FRAMES).toBeLessThan(0.8);
  });
});

/** Frames in which at least a quarter of the object's magenta (800 px at 180 p) is visible. */
async function framesShowingSubject(path: string, w: number, h: number): Promise<number> {
  const { stdout } = await run(
    "ffmpeg",
    ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    {
      encoding: "buffer",
      maxBuffer: 1 << 28,
    },
  );
  const frameBytes = w * h * 3;
  const need = (200 * h) / 180;
  let inside = 0;
  for (let f = 0; (f + 1) * frameBytes <= stdout.length; f++) {
    let magenta = 0;
    for (let i = f * frameBytes; i < (f + 1) * frameBytes; i += 3)
      if (stdout[i] > 200 && stdout[i + 2] > 215 && stdout[i + 1] < 60) magenta++;
    if (magenta >= need) inside++;
  }
  return inside;
}
