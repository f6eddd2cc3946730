/**
 * Subject tracking, issue 15's two candidates measured on the same clips in one run:
 *  (a) motion segmentation against the estimated camera motion (video/subject.ts, what the engine
 *      runs inside the analysis decode), and
 *  (b) a small object detector shipped inside a registry package, run in-process: CenterNet
 *      (COCO's 80 classes, 4 MB of weights in @vladmandic/human's tarball) on TensorFlow.js's
 *      WebAssembly backend (its .wasm ships in @tensorflow/tfjs-backend-wasm). Nothing is
 *      downloaded at run time: the weights are read from the package's own files.
 * Per clip: per-frame centre error against the truth known by construction (max(|dx|, |dy|) as a
 * share of the frame width, like subject-tracking.test.ts), the share of frames with a detection,
 * and the cost per frame against the analysis decode and the global-motion fit timed in the same
 * run. The detector runs on the analysis frames the decode already makes and, as it wants a
 * larger input (512×512), on a second decode at the clip's own size, whose cost is timed too.
 *
 * Clips (320×180, 30 fps, 120 frames, camera panning 1 px/frame):
 *  - checker: subject-tracking.test.ts's clip (the same generator): a 40×40 checkerboard on a
 *    textured still;
 *  - person: a photographed person (a 48×108 crop of @vladmandic/face-api's demo/sample6.jpg,
 *    head to knees, the crop's own background included) moving on a still of
 *    naturalSceneChain (sky, ground, soft texture). Not real footage: a real photo, moved
 *    rigidly; the truth is the crop's centre.
 *
 * Run: corepack pnpm exec tsx bench/subject-detector.ts
 * Needs the opt-in install (about 150 MB, never part of npm test; no install scripts, nothing
 * fetched at run time): corepack pnpm install --dir bench/detector --ignore-workspace --frozen-lockfile
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { analyzeVideo } from "../services/lib-media/src/analyze-video.js";
import { analysisSize, decodeFrames } from "../services/lib-media/src/frame-decoder.js";
import {
  CHECKER_SUBJECT,
  ffmpeg,
  H,
  makeCheckerObject,
  makePannedSubject,
  makeStill,
  naturalSceneChain,
  W,
} from "../services/lib-media/src/test-media.js";
import { analyzeMotion } from "../services/lib-models/src/motion/analyze-motion.js";
import { rgbToLuma } from "../services/lib-models/src/video/frame-features.js";
import {
  buildPyramid,
  estimateMotion,
  type PairMotion,
} from "../services/lib-models/src/video/global-motion.js";
import { subjectsAt } from "../services/lib-models/src/video/motion-features.js";
import { SubjectDetector } from "../services/lib-models/src/video/subject.js";
import { video1080p } from "./support/video-file.js";

const INSTALL = "corepack pnpm install --dir bench/detector --ignore-workspace --frozen-lockfile";
const MIN_CONFIDENCE = 0.2;

// --- the detector packages (opt-in install under bench/detector) --------------------------------
const req = createRequire(new URL("./detector/package.json", import.meta.url));
let humanDir: string;
let facesDir: string;
try {
  humanDir = dirname(dirname(req.resolve("@vladmandic/human")));
  facesDir = dirname(dirname(req.resolve("@vladmandic/face-api")));
} catch {
  console.error(`the detector packages are not installed; install them (about 150 MB) with:\n  ${INSTALL}`);
  process.exit(1);
}
interface Detected {
  score: number;
  label: string;
  /** x, y, w, h in input pixels. */
  box: [number, number, number, number];
}
interface HumanLike {
  tf: any;
  load(): Promise<void>;
  detect(input: unknown): Promise<{ object: Detected[] }>;
}
// Human's Node WebAssembly build (its default Node build needs tfjs-node, which downloads
// libtensorflow at install); tfjs-core, -converter and -backend-wasm resolve beside it.
const { Human } = req(join(humanDir, "dist/human.node-wasm.js")) as {
  Human: new (config: object) => HumanLike;
};
const wasmDir = dirname(req.resolve("@tensorflow/tfjs-backend-wasm", { paths: [humanDir] }));

// --- clips -------------------------------------------------------------------------------------
const dir = ".tmp/bench/subject";
mkdirSync(dir, { recursive: true });
const at = (n: string) => join(dir, n);
const FRAMES = CHECKER_SUBJECT.frames;
type Truth = (n: number) => { x: number; y: number };

await makeStill(at("bg.png"), 800, 360, 2);
await makeCheckerObject(at("checker.png"));
const checkerTruth = await makePannedSubject(at("checker.mp4"), {
  ...CHECKER_SUBJECT,
  subject: at("checker.png"),
  background: at("bg.png"),
});
await ffmpeg([
  "-filter_complex",
  `${naturalSceneChain(800, 360, 3)}[v]`,
  "-map",
  "[v]",
  "-frames:v",
  "1",
  at("scene.png"),
]);
// the leftmost of the four people in the photo, head to knees (1920×1537 original)
await ffmpeg([
  "-i",
  join(facesDir, "demo/sample6.jpg"),
  "-vf",
  "crop=525:1176:120:360,scale=48:108",
  at("person.png"),
]);
const personTruth = await makePannedSubject(at("person.mp4"), {
  subject: at("person.png"),
  w: 48,
  h: 108,
  y0: 130,
  amp: 15,
  background: at("scene.png"),
  frames: FRAMES,
});

// --- helpers -------------------------------------------------------------------------------------
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};
const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : "—");

async function decodeAll(file: string, width: number, height: number) {
  const frames: Uint8Array[] = [];
  const t0 = performance.now();
  for await (const rgb of decodeFrames(file, { width, height })) frames.push(Uint8Array.from(rgb));
  return { frames, ms: performance.now() - t0 };
}

/** Error of one frame's detection centre (frame pixels of the W-wide clip) against the truth. */
const frameError = (truth: Truth, n: number, cx: number, cy: number) => {
  const t = truth(n);
  return Math.max(Math.abs(cx - t.x), Math.abs(cy - t.y)) / W;
};
const summary = (errors: (number | null)[]) => {
  const hit = errors.filter((e): e is number => e !== null);
  return {
    max: hit.length ? Math.max(...hit) : Number.NaN,
    median: median(hit),
    share: hit.length / errors.length,
  };
};

// --- the model -------------------------------------------------------------------------------------
const rssBefore = process.memoryUsage().rss;
const human = new Human({
  backend: "wasm",
  wasmPath: `${wasmDir}/`,
  modelBasePath: `file://${join(humanDir, "models")}/`,
  warmup: "none",
  cacheSensitivity: 0,
  filter: { enabled: false },
  face: { enabled: false },
  body: { enabled: false },
  hand: { enabled: false },
  gesture: { enabled: false },
  segmentation: { enabled: false },
  // every frame inferred (no result reuse between frames)
  object: {
    enabled: true,
    modelPath: "centernet.json",
    minConfidence: MIN_CONFIDENCE,
    skipFrames: 0,
    skipTime: 0,
  },
});
const tf = human.tf;
// tfjs-core reads file:// models only with tfjs-node's handler: read the package's files ourselves.
tf.io.registerLoadRouter((url: string | string[]) => {
  const u = Array.isArray(url) ? url[0] : url;
  if (typeof u !== "string" || !u.startsWith("file://")) return null;
  const path = u.slice("file://".length);
  return {
    load: () =>
      tf.io.getModelArtifactsForJSON(
        JSON.parse(readFileSync(path, "utf8")),
        async (manifest: { paths: string[]; weights: unknown[] }[]) => {
          const data = Buffer.concat(
            manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(path), p)))),
          );
          return [
            manifest.flatMap((g) => g.weights),
            data.buffer.slice(data.byteOffset, data.byteOffset + data.length),
          ];
        },
      ),
  };
});
let t0 = performance.now();
await human.load();
const loadMs = performance.now() - t0;
const rssLoaded = process.memoryUsage().rss;

async function detectFrame(rgb: Uint8Array, width: number, height: number) {
  const input = tf.tensor4d(Float32Array.from(rgb), [1, height, width, 3], "float32");
  try {
    const r = await human.detect(input);
    return r.object.reduce<Detected | null>((best, o) => (best && best.score >= o.score ? best : o), null);
  } finally {
    input.dispose();
  }
}
t0 = performance.now();
{
  const blank = new Uint8Array(W * H * 3).fill(128);
  await detectFrame(blank, W, H);
}
const firstMs = performance.now() - t0;

/** The model's accumulated per-frame figures on one input size. */
class ModelRun {
  errors: (number | null)[] = [];
  labels = new Map<string, number>();
  ms = 0;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}
  async frame(rgb: Uint8Array, n: number, truth: Truth) {
    const t = performance.now();
    const d = await detectFrame(rgb, this.width, this.height);
    this.ms += performance.now() - t;
    if (!d) {
      this.errors.push(null);
      return;
    }
    this.labels.set(d.label, (this.labels.get(d.label) ?? 0) + 1);
    const s = W / this.width;
    this.errors.push(frameError(truth, n, (d.box[0] + d.box[2] / 2) * s, (d.box[1] + d.box[3] / 2) * s));
  }
  result() {
    return {
      ...summary(this.errors),
      msPerFrame: this.ms / this.errors.length,
      labels: [...this.labels].map(([l, c]) => `${l} ${c}`).join(", ") || "none",
    };
  }
}

// --- one clip ----------------------------------------------------------------------------------
async function measure(name: string, file: string, truth: Truth) {
  // the engine's video pass: one decode, every frame feature, the motion fit and (a) included;
  // timed before and after the per-frame loop below (the machine's load drifts), the mean used
  const pass = async () => {
    const t = performance.now();
    const r = await analyzeVideo(file);
    return { ...r, ms: performance.now() - t };
  };
  const before = await pass();
  const { analysis, frames: af } = before;
  const motion = await analyzeMotion(af, { transitions: analysis.transitions });
  const { width: aw, height: ah, count } = af;

  // (a) per frame: the detection of the pair ending at frame n (frame 0 has none), and the track
  const segErrors: (number | null)[] = [null];
  for (let i = 0; i + 1 < count; i++) {
    const d = subjectsAt(af.motion, i).find((c) => c.cue === "motion");
    segErrors.push(d ? frameError(truth, i + 1, (d.cx * W) / aw, (d.cy * H) / ah) : null);
  }
  const track = motion.subject_tracks?.[0];
  const trackErrors = (track?.points ?? []).map((p) => frameError(truth, p.frame, p.cx * W, p.cy * H));

  // The analysis frames themselves, and a second decode at the clip's own size (the detector
  // wants more pixels than the analysis size). Then, frame by frame so that the machine's load
  // hits all alike: the global-motion fit as MotionTracker runs it (a pyramid per frame, an
  // estimate per pair; its retry from rest left out), (a) alone, and the model on both sizes.
  const small = await decodeAll(file, aw, ah);
  const big = await decodeAll(file, W, H);
  const seg = new SubjectDetector(aw, ah);
  const onSmall = new ModelRun(aw, ah);
  const onBig = new ModelRun(W, H);
  let fitMs = 0;
  let segMs = 0;
  let prev: { luma: Uint8Array; pyramid: Pyramid; fit?: PairMotion } | null = null;
  for (let n = 0; n < count; n++) {
    const luma = rgbToLuma(small.frames[n], new Uint8Array(aw * ah));
    let t = performance.now();
    const pyramid = buildPyramid(luma, aw, ah);
    const fit = prev ? estimateMotion(prev.pyramid, pyramid, prev.fit) : undefined;
    fitMs += performance.now() - t;
    if (prev && fit) {
      t = performance.now();
      seg.detect(prev.luma, luma, fit);
      segMs += performance.now() - t;
    }
    prev = { luma, pyramid, fit };
    await onSmall.frame(small.frames[n], n, truth);
    await onBig.frame(big.frames[n], n, truth);
  }
  fitMs /= count - 1;
  segMs /= count - 1;
  const onAnalysis = onSmall.result();
  const onFull = onBig.result();
  const passMs = (before.ms + (await pass()).ms) / 2;

  const passPerFrame = passMs / count;
  const s = summary(segErrors);
  const row = (label: string, r: { max: number; median: number; share: number }, ms: number, extra = "") =>
    console.log(
      `  ${label.padEnd(44)} max ${pct(r.max).padStart(7)}  median ${pct(r.median).padStart(7)}  frames ${(100 * r.share).toFixed(0).padStart(3)}%  ` +
        `${ms.toFixed(2).padStart(7)} ms/frame = ${(ms / fitMs).toFixed(2).padStart(6)}× fit, ${(ms / passPerFrame).toFixed(2).padStart(6)}× pass${extra}`,
    );
  console.log(
    `\n${name}: ${count} frames ${W}x${H}, analysis ${aw}x${ah}; video pass ${passPerFrame.toFixed(2)} ms/frame, global-motion fit ${fitMs.toFixed(2)} ms/pair`,
  );
  row("(a) motion segmentation, per frame", s, segMs);
  console.log(
    `  (a) as the engine ships it (track, ${track?.points.length ?? 0} points)    max ${pct(trackErrors.length ? Math.max(...trackErrors) : Number.NaN).padStart(7)}  median ${pct(median(trackErrors)).padStart(7)}`,
  );
  row(
    `(b) CenterNet on the ${aw}x${ah} analysis frames`,
    onAnalysis,
    onAnalysis.msPerFrame,
    `; top: ${onAnalysis.labels}`,
  );
  row(
    `(b) CenterNet on a second decode at ${W}x${H}`,
    onFull,
    onFull.msPerFrame + big.ms / count,
    `; top: ${onFull.labels}; the extra decode ${(big.ms / count).toFixed(2)} ms/frame = ${(big.ms / small.ms).toFixed(2)}× the analysis-size decode`,
  );
  // sampled instead of run on every frame: how often it may run within the video pass's time
  // (derived from the figures above; the larger decode it needs is not counted)
  const perSecond = onFull.msPerFrame / (passPerFrame * 30);
  console.log(
    `  (b) at ${W}x${H}, one inference a second of video: ${(100 * perSecond).toFixed(0)}% of the video pass; within 10% of it: one every ${(perSecond / 0.1).toFixed(1)} s of video`,
  );
}

console.log(
  `(b) CenterNet via @vladmandic/human 3.3.6 on tfjs-backend-wasm 4.22.0 (${tf.getBackend()}): model load ${loadMs.toFixed(0)} ms, first inference ${firstMs.toFixed(0)} ms; RSS ${mb(rssBefore)} MB before, ${mb(rssLoaded)} MB loaded`,
);
console.log(
  "error: max(|dx|, |dy|) of the centre as a share of the frame width; frames: share with a detection" +
    ` (b: any class, score ≥ ${MIN_CONFIDENCE}, the top-scoring one); cost against the global-motion fit and the whole video pass per frame`,
);
peakRss = process.memoryUsage().rss;
await measure("checker (subject-tracking.test.ts's clip)", at("checker.mp4"), checkerTruth);
await measure(
  "person (a photographed person moved over a generated natural-looking scene)",
  at("person.mp4"),
  personTruth,
);
clearInterval(sampler);

// What the detector's larger input costs on an upload-sized file: a decode of 1080p to 512×288
// (CenterNet resizes to 512×512 anyway) against the decode to the analysis size, interleaved.
{
  const file = await video1080p();
  const { width, height } = analysisSize(1920, 1080);
  const bare = async (w: number, h: number) => {
    const t = performance.now();
    for await (const _ of decodeFrames(file, { width: w, height: h, durationSeconds: 10 })) {
    }
    return performance.now() - t;
  };
  await bare(width, height);
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < 3; round++) {
    a.push(await bare(width, height));
    b.push(await bare(512, 288));
  }
  console.log(
    `\n1080p30 H.264, its first 10 s: decode to ${width}x${height} median ${(median(a) / 300).toFixed(2)} ms/frame, to 512x288 ${(median(b) / 300).toFixed(2)} ms/frame ` +
      `(${(median(b) / median(a)).toFixed(2)}×): a second decode for the detector adds that much again to the analysis decode`,
  );
}
console.log(`\npeak RSS with the model loaded: ${mb(peakRss)} MB`);
