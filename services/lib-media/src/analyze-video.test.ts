import { existsSync } from "node:fs";
import { visualStyleFields } from "@clipzy/models/style/visual-style";
import { PAIR_STRIDE } from "@clipzy/models/video/motion-features";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeVideo } from "./analyze-video.js";
import { probeMedia } from "./ffmpeg.js";
import {
  type Boundary,
  cameraShotChain,
  ENCODE,
  FPS,
  ffmpeg,
  makeClip,
  makeEdit,
  makeStill,
  naturalSceneChain,
  type Segment,
  type SourceKind,
  tempDir,
} from "./test-media.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = (n: string) => `${tmp.dir}/${n}`;

describe("hard cuts", () => {
  it("finds cuts between varied sources at the exact frame", async () => {
    const kinds: SourceKind[] = [
      "testsrc2",
      "mandelbrot",
      "cellauto",
      "life",
      "noise",
      "smptebars",
      "still",
      "gradients",
      "rgbtestsrc",
    ];
    const segs: Segment[] = [];
    for (let k = 0; k < 46; k++)
      segs.push({ kind: kinds[(k * 4) % kinds.length], seed: k, frames: 12 + ((k * 7) % 23) });
    const { truth, frames } = await makeEdit(
      file("cuts.mp4"),
      segs,
      segs.slice(1).map(() => ({ type: "cut" as const })),
    );
    const progress: number[] = [];
    const { analysis, frames: lowres } = await analyzeVideo(file("cuts.mp4"), {
      onProgress: (p) => progress.push(p),
    });
    expect(analysis.analysis.frames).toBe(frames);
    expect(lowres.count).toBe(frames);
    expect(lowres.motion.length).toBe((frames - 1) * PAIR_STRIDE);
    const det = analysis.transitions.map((t) => t.start_frame);
    const tr = truth.map((t) => t.startFrame);
    const tp0 = det.filter((d) => tr.includes(d)).length;
    const tp1 = det.filter((d) => tr.some((t) => Math.abs(t - d) <= 1)).length;
    const rec1 = tr.filter((t) => det.some((d) => Math.abs(t - d) <= 1)).length;
    const cfTruth = (10 * tr.length) / (frames / FPS);
    console.log(
      `cuts: ${tr.length} truth, ${det.length} detected; ±0 P=${(tp0 / det.length).toFixed(3)} R=${(tp0 / tr.length).toFixed(3)}; ±1 P=${(tp1 / det.length).toFixed(3)} R=${(rec1 / tr.length).toFixed(3)}; cut_frequency ${analysis.cut_frequency} vs ${cfTruth.toFixed(4)}`,
    );
    expect(tr.length).toBeGreaterThanOrEqual(40);
    expect(tp0 / det.length).toBeGreaterThanOrEqual(0.98);
    expect(tp0 / tr.length).toBeGreaterThanOrEqual(0.98);
    expect(tp1 / det.length).toBe(1);
    expect(rec1 / tr.length).toBe(1);
    expect(Math.abs(analysis.cut_frequency / cfTruth - 1)).toBeLessThanOrEqual(0.05);
    expect(analysis.transitions.every((t) => t.type === "cut")).toBe(true);
    // progress: monotonic, 0..1, ends at 1
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(progress.at(-1)).toBe(1);
    expect(analysis.aspect_ratio).toBe("16:9");
    expect(analysis.frame_rate).toBe(30);
  });

  it("does not cut on a two-frame white flash", async () => {
    await makeClip(
      file("flash.mp4"),
      `testsrc2=s=320x180:r=30,drawbox=c=white:t=fill:enable='between(n,60,61)'`,
      150,
    );
    const { analysis } = await analyzeVideo(file("flash.mp4"));
    expect(analysis.transitions).toEqual([]);
  });

  it("does not cut in a 20 s continuous pan or zoom over one image", async () => {
    await makeStill(file("big.png"), 1600, 400);
    const src = `movie=${file("big.png")},loop=loop=-1:size=1,fps=30`;
    await makeClip(file("pan.mp4"), `${src},crop=320:180:x='40+n*2':y='60+30*sin(n/90)'`, 600);
    await makeClip(
      file("zoom.mp4"),
      `${src},zoompan=z='pow(1.0015,on)':d=1:s=320x180:fps=30:x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'`,
      600,
    );
    for (const n of ["pan.mp4", "zoom.mp4"]) {
      const { analysis } = await analyzeVideo(file(n));
      expect(analysis.transitions.filter((t) => t.type === "cut")).toEqual([]);
      expect(analysis.transitions).toEqual([]);
    }
  });
});

describe("gradual transitions", () => {
  it("finds fades and dissolves of known duration, typed gradual, duration within ±2 frames", async () => {
    const kinds: SourceKind[] = [
      "testsrc2",
      "mandelbrot",
      "life",
      "still",
      "smptebars",
      "gradients",
      "rgbtestsrc",
    ];
    const kindsOfB: Boundary[] = [];
    const plan: [string, number][] = [
      ["fade", 15],
      ["fadeblack", 21],
      ["dissolve", 30],
      ["FB", 16],
      ["fade", 45],
      ["fadewhite", 18],
      ["fadeblack", 30],
      ["FB", 30],
      ["fade", 21],
      ["dissolve", 15],
      ["fade", 30],
      ["FB", 44],
      ["fadeblack", 15],
      ["dissolve", 45],
      ["fade", 18],
      ["FB", 20],
      ["wipeleft", 24],
      ["wipeup", 15],
      ["fade", 24],
      ["fadeblack", 45],
    ];
    for (const [t, f] of plan)
      kindsOfB.push(
        t === "FB" ? { type: "fadeblack", frames: f } : { type: "xfade", transition: t, frames: f },
      );
    const segs: Segment[] = plan
      .concat([["", 0]])
      .map((_, k) => ({ kind: kinds[(k * 2) % kinds.length], seed: k, frames: 100 + ((k * 11) % 40) }));
    const { truth } = await makeEdit(file("gradual.mp4"), segs, kindsOfB);
    const { analysis } = await analyzeVideo(file("gradual.mp4"));
    let found = 0;
    let typed = 0;
    const errs: number[] = [];
    for (const t of truth) {
      const m = analysis.transitions.find(
        (d) =>
          d.start_frame <= t.startFrame + t.frames && d.start_frame + Math.max(1, d.frames) >= t.startFrame,
      );
      if (!m) continue;
      found++;
      if (m.type !== "cut") typed++;
      errs.push(Math.abs(m.frames - t.frames));
    }
    const extra = analysis.transitions.filter(
      (d) =>
        !truth.some(
          (t) =>
            d.start_frame <= t.startFrame + t.frames && d.start_frame + Math.max(1, d.frames) >= t.startFrame,
        ),
    );
    console.log(
      `gradual: ${truth.length} truth, recall ${(found / truth.length).toFixed(3)}, typed gradual ${(typed / found).toFixed(3)}, duration error (frames) max ${Math.max(...errs)} mean ${(errs.reduce((a, b) => a + b, 0) / errs.length).toFixed(2)}, false ${extra.length}; primary ${JSON.stringify(analysis.primary_transition)}`,
    );
    expect(found / truth.length).toBeGreaterThanOrEqual(0.95);
    expect(typed / found).toBeGreaterThanOrEqual(0.95);
    expect(errs.filter((e) => e <= 2).length / errs.length).toBeGreaterThanOrEqual(0.95);
    expect(extra.length).toBeLessThanOrEqual(1);
  });
});

describe("dissolves between panning shots of one kind of texture", () => {
  it("finds each within ±2 frames of its midpoint, none extra; a pan changing speed over one still reads none", async () => {
    // Shots panning right over stills of one generator (one palette, one kind of texture, as
    // bench/job.ts's template, seen at its scale): the ends of a dissolve look alike to the
    // thumbnails and histograms, and halfway the blend's histogram hardly changes.
    const shots = [50, 64, 58, 70, 56];
    const d = 12;
    const [cw, ch] = [1280, 720];
    const parts: string[] = [];
    for (let k = 0; k < shots.length; k++) {
      const still = file(`pan-still-${k}.png`);
      await makeStill(still, cw + 80 + Math.max(...shots) + 80, ch + 200, 70 + 3 * k);
      parts.push(cameraShotChain(still, { frames: shots[k] }, `s${k}`, 320, 180, cw, ch));
    }
    let cur = "s0";
    let frames = shots[0];
    const mids: number[] = [];
    for (let k = 1; k < shots.length; k++) {
      parts.push(
        `[${cur}][s${k}]xfade=transition=fade:duration=${d / FPS}:offset=${(frames - d) / FPS}[c${k}]`,
      );
      mids.push(frames - d / 2);
      frames += shots[k] - d;
      cur = `c${k}`;
    }
    await makeClip(file("pan-dissolves.mp4"), `${parts.join(";")};[${cur}]null`, frames);
    const { analysis } = await analyzeVideo(file("pan-dissolves.mp4"));
    const found = analysis.transitions.map((t) => t.start_frame + t.frames / 2);
    console.log(
      `pan dissolves: midpoints ${mids.join(" ")}; detected ${analysis.transitions.map((t) => `${t.type}@${t.start_frame}+${t.frames}`).join(" ")}`,
    );
    expect(analysis.transitions.every((t) => t.type === "dissolve")).toBe(true);
    expect(found).toHaveLength(mids.length);
    for (let k = 0; k < mids.length; k++) expect(Math.abs(found[k] - mids[k])).toBeLessThanOrEqual(2);

    // One still, the pan jumping to 8 px a frame for 12 frames twice: camera motion, no transition.
    const still = file("pan-still-0.png");
    const x = "80+n+7*(clip(n-60,0,12)+clip(n-150,0,12))";
    await makeClip(
      file("pan-ramp.mp4"),
      `movie=${still},loop=loop=-1:size=1,fps=${FPS},crop=${cw}:${ch}:x='${x}':y=100,scale=320:180,setsar=1`,
      240,
    );
    expect((await analyzeVideo(file("pan-ramp.mp4"))).analysis.transitions).toEqual([]);
  });
});

describe("a punch-in before a gliding window", () => {
  it("is one cut on its frame, not a wipe spanning the glide", async () => {
    // The edit's punch-in: the full frame, then a 1.4× crop of it whose window glides for 28
    // frames (the crop following a subject) over an evolving fractal. The glide changes every
    // pair; the cut changes one pair several times more.
    const src = "mandelbrot=s=960x540:r=30:maxiter=64:end_pts=100000,split[m0][m1]";
    await makeClip(
      file("punch-in.mp4"),
      `${src};[m0]trim=end_frame=60,crop=640:360:x='160+n/3':y=90,scale=320:180,setsar=1[a];` +
        "[m1]trim=start_frame=60:end_frame=120,setpts=PTS-STARTPTS,crop=457:257:x='400-6*min(n\\,28)':y='140+2*min(n\\,28)',scale=320:180,setsar=1[b];" +
        "[a][b]concat=n=2:v=1",
      120,
    );
    const { analysis } = await analyzeVideo(file("punch-in.mp4"));
    // before the dominant-cut rule: a 29-frame wipe from frame 59
    expect(analysis.transitions.map((t) => `${t.type}@${t.start_frame}`)).toEqual(["cut@60"]);
  });
});

describe("colour", () => {
  it("measures the colour profile, a pixel sample and a palette in the decode pass", async () => {
    await makeClip(file("natural.mp4"), naturalSceneChain(), 20);
    const { analysis } = await analyzeVideo(file("natural.mp4"));
    const p = analysis.colour_profile;
    expect(p.quantiles.L).toHaveLength(64);
    expect(p.pixels).toBeGreaterThan(20 * 1000);
    // Sky, ground and a skin tone: mid-tones with some spread, a blue-ish mean.
    expect(p.mean[0]).toBeGreaterThan(30);
    expect(p.mean[0]).toBeLessThan(70);
    expect(Buffer.from(analysis.colour_sample, "base64").length % 3).toBe(0);
    expect(analysis.palette.length).toBeGreaterThan(0);
    const fields = visualStyleFields(analysis, null);
    expect(fields.color_grade).toEqual(analysis.grade);
    expect(fields.color_profile).toEqual(p);
    expect(fields.confidence).toBeGreaterThan(0);
    expect(fields.confidence).toBeLessThanOrEqual(1);
  });
});

describe("stream and cancellation", () => {
  it("reports 4:3 at 25 fps and stops ffmpeg on abort", async () => {
    await makeClip(file("pal.mp4"), "testsrc2=s=192x144:r=25", 250);
    const { analysis } = await analyzeVideo(file("pal.mp4"));
    expect(analysis.aspect_ratio).toBe("4:3");
    expect(analysis.frame_rate).toBe(25);
    expect(analysis.duration_seconds).toBeCloseTo(10, 1);
    const ac = new AbortController();
    const run = analyzeVideo(file("pal.mp4"), {
      signal: ac.signal,
      onProgress: (p) => {
        if (p > 0.1) ac.abort(new Error("cancelled"));
      },
    });
    await expect(run).rejects.toThrow("cancelled");
  });
});

describe("the closed loop's intermediate, from the analysis' own decode", () => {
  it("writes every frame at the loop's size with the audio, and analyses exactly as without it", async () => {
    await ffmpeg([
      ...["-f", "lavfi", "-i", "testsrc2=s=640x360:r=25", "-f", "lavfi", "-i", "sine=f=440:r=48000"],
      ...["-t", "2", ...ENCODE, "-c:a", "aac", file("tall.mp4")],
    ]);
    const plain = await analyzeVideo(file("tall.mp4"));
    expect(plain.intermediate).toBeNull();
    const out = file("tall-intermediate.mov");
    const both = await analyzeVideo(file("tall.mp4"), {
      intermediate: { path: out, sizeFor: (w, h) => ({ width: (w * 288) / h, height: 288 }) },
    });
    expect(both.intermediate).toEqual({ width: 512, height: 288 });
    // one decode, two outputs: the analysis itself is unchanged by the second one
    expect(both.analysis).toEqual(plain.analysis);
    const probe = await probeMedia(out);
    const video = probe.streams?.find((s) => s.codec_type === "video");
    expect([video?.width, video?.height]).toEqual([512, 288]);
    expect(Number(video?.nb_frames)).toBe(50);
    expect(probe.streams?.find((s) => s.codec_type === "audio")?.codec_name).toBe("pcm_s16le");
    // none asked for where the size function gives none
    const none = await analyzeVideo(file("tall.mp4"), {
      intermediate: { path: file("never.mov"), sizeFor: () => null },
    });
    expect(none.intermediate).toBeNull();
    expect(existsSync(file("never.mov"))).toBe(false);
  });
});
