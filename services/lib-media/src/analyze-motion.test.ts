import { MotionAnalysisSchema } from "@clipzy/models/artifacts";
import { analyzeMotion } from "@clipzy/models/motion/analyze-motion";
import { afterAll, describe, expect, it } from "vitest";
// The frames come from the video analyser, exactly as in production (decode once, reuse).
import { analyzeVideo } from "./analyze-video.js";
import { makeClip, makeStill, tempDir } from "./test-media.js";

const tmp = tempDir("clipzy-ma-");
afterAll(() => tmp.cleanup());
const file = (n: string) => `${tmp.dir}/${n}`;

async function motionOf(name: string, chain: string, frames: number) {
  await makeClip(file(name), chain, frames);
  const v = await analyzeVideo(file(name));
  const progress: number[] = [];
  const m = await analyzeMotion(v.frames, {
    transitions: v.analysis.transitions,
    onProgress: (p) => progress.push(p),
  });
  for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
  // what the reading stages check the stored artifact against
  MotionAnalysisSchema.parse(JSON.parse(JSON.stringify(m)));
  return { v, m };
}

describe("global motion", () => {
  it("measures a sliding crop window, a zoompan's zoom share and a static shot", async () => {
    await makeStill(file("big.png"), 1600, 400);
    const src = `movie=${file("big.png")},loop=loop=-1:size=1,fps=30`;
    // 1) crop window sliding 3 px/frame right and 1 px/frame down (source pixels, 320 wide)
    const pan = await motionOf("pan.mp4", `${src},crop=320:180:x='20+n*3':y='40+n'`, 150);
    const ps = pan.m.pairs.filter((p) => p !== null);
    const dx = (-320 * ps.reduce((s, p) => s + p.dx, 0)) / ps.length;
    const dy = (-320 * ps.reduce((s, p) => s + p.dy, 0)) / ps.length;
    console.log(
      `pan: measured ${dx.toFixed(3)}, ${dy.toFixed(3)} px/frame (truth 3, 1); intensity ${pan.m.motion_intensity}`,
    );
    expect(Math.abs(dx / 3 - 1)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(dy / 1 - 1)).toBeLessThanOrEqual(0.1);
    expect(pan.m.zoom_usage).toBeLessThanOrEqual(5);

    // 2) zoompan: still for 2 s, zooming in at 0.4 %/frame for 4 s, still for 4 s → 40 % zoom
    const zoom = await motionOf(
      "zoom.mp4",
      `${src},zoompan=z='pow(1.004,clip(on-60,0,120))':d=1:s=320x180:fps=30:x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'`,
      300,
    );
    const seg = zoom.m.zoom_segments[0];
    console.log(
      `zoom: zoom_usage ${zoom.m.zoom_usage} (truth 40), segments ${JSON.stringify(zoom.m.zoom_segments)}, rate truth ${(Math.log(1.004) * 30).toFixed(4)}/s`,
    );
    expect(Math.abs(zoom.m.zoom_usage - 40)).toBeLessThanOrEqual(10);
    expect(seg.direction).toBe("in");
    expect(Math.abs(seg.rate_per_second / (Math.log(1.004) * 30) - 1)).toBeLessThanOrEqual(0.1);

    // 3) static shot with sensor-like noise
    const still = await motionOf("static.mp4", `${src},crop=320:180:x=300:y=100,noise=alls=8:allf=t`, 150);
    console.log(`static: motion_intensity ${still.m.motion_intensity}`);
    expect(still.m.motion_intensity).toBeLessThanOrEqual(5);
    expect(still.m.zoom_usage).toBe(0);
  });
});
