/**
 * Audio analysis benchmark (prints figures; not a test).
 *   corepack pnpm exec tsx bench/audio.ts
 * - analysis time of a 60 s track vs ffmpeg's bare decode of the same audio (same run), as a ratio;
 * - what the Chromaprint fingerprint (a second output of the same decode) adds, as a share of the
 *   analysis time (same run, medians of interleaved runs);
 * - peak RSS / heap for a 60 s and a 240 s track (memory should be flat in track length);
 * - optionally librosa's tempo / beat F-measure on the same synthetic tracks (skipped if absent).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeAudio } from "../services/lib-media/src/analyze-audio.js";
import { ffmpeg, writePcm } from "../services/lib-media/src/media-fixtures.js";
import { drumTrack, type Pattern } from "../services/lib-models/src/audio/synth.js";

const dir = mkdtempSync(join(tmpdir(), "clipzy-audio-bench-"));

function beatF(est: number[], ref: number[], tol = 0.07): number {
  const used = new Set<number>();
  let hits = 0;
  for (const r of ref) {
    let best = -1;
    let bd = tol;
    est.forEach((e, i) => {
      if (!used.has(i) && Math.abs(e - r) <= bd) {
        bd = Math.abs(e - r);
        best = i;
      }
    });
    if (best >= 0) {
      used.add(best);
      hits++;
    }
  }
  const p = hits / Math.max(1, est.length);
  const rc = hits / Math.max(1, ref.length);
  return p + rc > 0 ? (2 * p * rc) / (p + rc) : 0;
}

async function makeTrack(seconds: number, name: string): Promise<string> {
  // chunked synthesis keeps the bench's own memory modest
  const tr = drumTrack({ bpm: 124, seconds, pattern: "four", seed: 1, chords: true });
  const file = join(dir, name);
  await writePcm(file, tr.samples, tr.sampleRate, ["-c:a", "aac", "-b:a", "160k"]);
  return file;
}

async function timeDecode(file: string, fingerprint = false): Promise<number> {
  const fp = ["-map", "0:a:0", "-vn", "-ac", "1", "-f", "chromaprint", "-fp_format", "raw", "/dev/null"];
  const t0 = performance.now();
  await ffmpeg([
    "-i",
    file,
    "-vn",
    "-ac",
    "1",
    "-ar",
    "48000",
    "-f",
    "f32le",
    "/dev/null",
    ...(fingerprint ? fp : []),
  ]);
  return performance.now() - t0;
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/** Runs the analysis in a child process to read its own peak RSS / heap. */
function memoryRun(file: string): { rssMb: number; heapMb: number; ms: number } {
  const script = join(dir, "mem.mts");
  writeFileSync(
    script,
    `import { analyzeAudio } from ${JSON.stringify(join(process.cwd(), "services/lib-media/src/analyze-audio.ts"))};
let heap = 0; const iv = setInterval(() => { heap = Math.max(heap, process.memoryUsage().heapUsed); }, 20);
const t0 = performance.now();
await analyzeAudio(${JSON.stringify(file)});
const ms = performance.now() - t0; clearInterval(iv); heap = Math.max(heap, process.memoryUsage().heapUsed);
console.log(JSON.stringify({ rssMb: process.resourceUsage().maxRSS / 1024, heapMb: heap / 1048576, ms }));`,
  );
  const out = execFileSync(process.execPath, ["--import", "tsx", script], {
    encoding: "utf8",
    cwd: process.cwd(),
  });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

const f60 = await makeTrack(60, "t60.m4a");
const f240 = await makeTrack(240, "t240.m4a");

// warm-up, then best of 3
await analyzeAudio(f60);
const runs: { analysis: number; decode: number }[] = [];
for (let i = 0; i < 3; i++) {
  const decode = await timeDecode(f60);
  const t0 = performance.now();
  const a = await analyzeAudio(f60);
  const analysis = performance.now() - t0;
  runs.push({ analysis, decode });
  if (i === 0)
    console.log(
      `60 s track: tempo ${a.tempo_bpm} BPM, ${a.beats.length} beats, ${a.loudness.integrated_lufs} LUFS`,
    );
}
runs.sort((x, y) => x.analysis - y.analysis);
const best = runs[0];
console.log(
  `audio analysis of 60 s: ${best.analysis.toFixed(0)} ms (goal < 2000 ms); ffmpeg bare decode: ${best.decode.toFixed(0)} ms; ratio ${(best.analysis / best.decode).toFixed(1)}x`,
);
const plain: number[] = [];
const withFp: number[] = [];
for (let i = 0; i < 5; i++) {
  plain.push(await timeDecode(f60));
  withFp.push(await timeDecode(f60, true));
}
const fpCost = median(withFp) - median(plain);
console.log(
  `fingerprint: decode ${median(plain).toFixed(0)} ms, with the chromaprint output ${median(withFp).toFixed(0)} ms: +${fpCost.toFixed(0)} ms = ${((100 * fpCost) / best.analysis).toFixed(1)}% of the analysis time`,
);
for (const [label, file] of [
  ["60 s", f60],
  ["240 s", f240],
] as const) {
  const m = memoryRun(file);
  console.log(
    `${label} track: peak RSS ${m.rssMb.toFixed(0)} MB, peak heap ${m.heapMb.toFixed(1)} MB, ${m.ms.toFixed(0)} ms`,
  );
}

// optional reference: librosa on the same synthetic tracks
const cases: [Pattern, number][] = [
  ["four", 120],
  ["rock", 90],
  ["swing", 150],
  ["four", 180],
  ["rock", 60],
];
const probe = spawnSync("python3", ["-c", "import librosa"], { encoding: "utf8" });
const rows: string[] = [];
for (const [pattern, bpm] of cases) {
  const tr = drumTrack({ bpm, seconds: 10, pattern, seed: bpm });
  const file = join(dir, `${pattern}-${bpm}.wav`);
  await writePcm(file, tr.samples, tr.sampleRate);
  const ours = await analyzeAudio(file);
  let lib = "librosa: skipped (not installed)";
  if (probe.status === 0) {
    const py = spawnSync(
      "python3",
      [
        "-c",
        "import sys,json,librosa;y,sr=librosa.load(sys.argv[1],sr=22050);t,b=librosa.beat.beat_track(y=y,sr=sr,units='time');import numpy as np;print(json.dumps({'tempo':float(np.atleast_1d(t)[0]),'beats':[float(x) for x in b]}))",
        file,
      ],
      { encoding: "utf8" },
    );
    if (py.status === 0) {
      const r = JSON.parse(py.stdout.trim().split("\n").at(-1)!) as { tempo: number; beats: number[] };
      lib = `librosa: ${r.tempo.toFixed(2)} BPM, F ${beatF(r.beats, tr.beats).toFixed(3)}`;
    } else lib = `librosa: failed (${py.stderr.trim().split("\n").at(-1)})`;
  }
  rows.push(
    `${pattern} ${bpm} BPM: ours ${ours.tempo_bpm} BPM, F ${beatF(
      ours.beats.map((b) => b.time_s),
      tr.beats,
    ).toFixed(3)} | ${lib}`,
  );
}
console.log(rows.join("\n"));
rmSync(dir, { recursive: true, force: true });
