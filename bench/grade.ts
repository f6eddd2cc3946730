/**
 * The colour grade's cost at 1080p against the bare encode, with the colour error next to it.
 * In one run, interleaved (BENCH_RUNS rounds, medians), on the same 1080p30 source:
 *  - bare:   decode + libx264 medium CRF 20 with a simple `eq` grade (issue 14's floor encode);
 *  - curves: the same encode with the job's colour transfer as the render applies it
 *            (format=yuv420p,lutyuv: one table per plane);
 *  - lut3d:  the same encode with the chosen candidate's exact transfer baked into a 33³ .cube
 *            (tetrahedral lut3d, what the transfer would cost as a 3D LUT);
 *  - re-measure: the fidelity report's low-resolution decode + analysis of the output.
 * Colour error: W1 (summed over L*, a*, b*) from each output to the template, next to the
 * untouched source's.
 * Run: corepack pnpm exec tsx bench/grade.ts   (BENCH_SECONDS, default 10; BENCH_RUNS, default 3)
 * Footage: the synthetic natural scene of test-media (sky, ground, a skin tone) upscaled to 1080p
 * with sensor-like noise; the template is another scene graded warm and flatter.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { analyzeVideo } from "../services/lib-media/src/analyze-video.js";
import { naturalSceneChain } from "../services/lib-media/src/test-media.js";
import {
  candidateMaps,
  colorFilter,
  decodeSample,
  distributionTransfer,
  toLab,
} from "../services/lib-models/src/video/color-transfer.js";
import { labToRgb, rgbToLab, w1Lab } from "../services/lib-models/src/video/lab.js";
import { runTool } from "../services/lib-platform/src/process.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const dir = ".tmp/bench";
mkdirSync(dir, { recursive: true });
const src = `${dir}/grade-src-1080p-${SECONDS}s.mp4`;
const tpl = `${dir}/grade-tpl-${SECONDS}s.mp4`;
const ff = (args: string[]) => runTool("ffmpeg", ["-nostdin", "-v", "error", "-y", ...args]);

if (!existsSync(src)) {
  console.log("generating", src, "…");
  await ff([
    "-f",
    "lavfi",
    "-i",
    `${naturalSceneChain(480, 270, 1)},scale=1920:1080:flags=bicubic,noise=alls=5:allf=t`,
    "-t",
    String(SECONDS),
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "18",
    "-pix_fmt",
    "yuv420p",
    src,
  ]);
  await ff([
    "-f",
    "lavfi",
    "-i",
    `${naturalSceneChain(320, 180, 2)},colortemperature=temperature=4200,eq=contrast=0.85`,
    "-t",
    String(Math.min(SECONDS, 4)),
    "-c:v",
    "libx264",
    "-crf",
    "18",
    "-pix_fmt",
    "yuv420p",
    tpl,
  ]);
}

const [source, template] = await Promise.all([analyzeVideo(src), analyzeVideo(tpl)]);
const sp = source.analysis.colour_profile;
const tp = template.analysis.colour_profile;
const sampleRgb = Buffer.from(source.analysis.colour_sample, "base64");
const t0 = performance.now();
const transfer = distributionTransfer(sp, sampleRgb, tp);
const buildMs = performance.now() - t0;

// The exact transfer of the candidate chosen for luma, as a 33³ cube (red fastest).
const maps = candidateMaps(sp, decodeSample(sampleRgb).map(toLab), tp);
const exact = maps[transfer.candidate!.luma];
const N = 33;
const lines = [`LUT_3D_SIZE ${N}`];
for (let b = 0; b < N; b++)
  for (let g = 0; g < N; g++)
    for (let r = 0; r < N; r++) {
      const o = exact(rgbToLab(r / (N - 1), g / (N - 1), b / (N - 1)));
      lines.push(
        labToRgb(o[0], o[1], o[2])
          .map((v) => v.toFixed(6))
          .join(" "),
      );
    }
const cube = `${dir}/grade-exact.cube`;
writeFileSync(cube, `${lines.join("\n")}\n`);

const encode = (vf: string, out: string) => [
  "-i",
  src,
  "-vf",
  `${vf},format=yuv420p`,
  "-c:v",
  "libx264",
  "-preset",
  "medium",
  "-crf",
  "20",
  "-movflags",
  "+faststart",
  out,
];
const variants = {
  bare: encode("eq=contrast=1.05:saturation=1.05", `${dir}/grade-bare.mp4`),
  curves: encode(colorFilter(transfer.curves), `${dir}/grade-curves.mp4`),
  lut3d: encode(`lut3d=file=${cube}:interp=tetrahedral`, `${dir}/grade-lut3d.mp4`),
};
const times: Record<string, number[]> = { bare: [], curves: [], lut3d: [], remeasure: [] };
for (let run = 0; run < RUNS; run++) {
  for (const [name, args] of Object.entries(variants)) {
    const s = performance.now();
    await ff(args);
    times[name].push((performance.now() - s) / 1000);
  }
  const s = performance.now();
  await analyzeVideo(`${dir}/grade-curves.mp4`);
  times.remeasure.push((performance.now() - s) / 1000);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = median(times.bare);
const w1 = async (file: string) =>
  w1Lab((await analyzeVideo(file)).analysis.colour_profile.quantiles, tp.quantiles);
const [wCurves, wLut] = [await w1(`${dir}/grade-curves.mp4`), await w1(`${dir}/grade-lut3d.mp4`)];
const wSrc = w1Lab(sp.quantiles, tp.quantiles);

console.log(
  `source ${SECONDS} s 1080p30, ${RUNS} interleaved runs (medians); transfer built in ${buildMs.toFixed(0)} ms`,
);
console.log(
  `chosen: luma ${transfer.candidate!.luma}, chroma ${transfer.candidate!.chroma}; candidates ${JSON.stringify(transfer.candidates)}`,
);
const row = (name: string, t: number, w: number | null) =>
  console.log(
    `${name.padEnd(34)} ${t.toFixed(2).padStart(7)} s  ${(t / bare).toFixed(3)}× bare  (+${(100 * (t / bare - 1)).toFixed(1)}%)` +
      (w === null ? "" : `   W1→template ${w.toFixed(2)} (${(100 * (1 - w / wSrc)).toFixed(0)}% of the way)`),
  );
row("bare encode (eq)", bare, null);
row("curves (lutyuv, what the render runs)", median(times.curves), wCurves);
row("exact transfer as lut3d 33³", median(times.lut3d), wLut);
row("fidelity re-measure (128×72 decode)", median(times.remeasure), null);
console.log(`source→template W1 ${wSrc.toFixed(2)}`);
