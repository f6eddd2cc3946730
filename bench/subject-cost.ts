/**
 * Subject tracking's cost against the video pass, on the reframe test's 24 generated clips
 * (services/lib-media/src/subject-clips.ts, made under .tmp/bench/subject-clips/):
 *   corepack pnpm exec tsx bench/subject-cost.ts
 * Per clip, in the same run: the video pass (analyzeVideo: decode + every frame feature, subject
 * candidates included), then the subject candidates' own work (the motion detector and the
 * saliency detector) timed alone on the same analysis frames with the pass's camera motion, and
 * the tracker linking the pass's candidates into tracks (the motion stage's part, after the pass).
 */
import { mkdirSync } from "node:fs";
import { photosDir } from "../scripts/photos.mjs";
import { analyzeVideo } from "../services/lib-media/src/analyze-video.js";
import { decodeFrames } from "../services/lib-media/src/frame-decoder.js";
import { makeSubjectClip, subjectClipSet } from "../services/lib-media/src/subject-clips.js";
import {
  buildSubjectTracks,
  type FrameCandidate,
} from "../services/lib-models/src/motion/subject-tracker.js";
import { rgbToLuma } from "../services/lib-models/src/video/frame-features.js";
import { buildPyramid } from "../services/lib-models/src/video/global-motion.js";
import { pairAt, subjectsAt } from "../services/lib-models/src/video/motion-features.js";
import { SaliencyDetector } from "../services/lib-models/src/video/saliency.js";
import { SubjectDetector } from "../services/lib-models/src/video/subject.js";

const dir = ".tmp/bench/subject-clips";
mkdirSync(dir, { recursive: true });
let pass = 0;
let subject = 0;
let linking = 0;
for (const c of subjectClipSet(24, 21)) {
  const { file } = await makeSubjectClip(c, dir, photosDir());
  let t = performance.now();
  const { frames } = await analyzeVideo(file);
  pass += performance.now() - t;
  const { width: w, height: h } = frames;
  const motion = new SubjectDetector(w, h);
  const salient = new SaliencyDetector(w, h);
  let prev: Float32Array | null = null;
  let i = 0;
  for await (const rgb of decodeFrames(file, { width: w, height: h })) {
    const luma = rgbToLuma(rgb, new Uint8Array(w * h));
    const img = buildPyramid(luma, w, h).levels[0].img;
    t = performance.now();
    salient.detect(rgb, luma, 2);
    if (prev) motion.detect(prev, img, pairAt(frames.motion, i - 1), 3);
    subject += performance.now() - t;
    prev = img;
    i++;
  }
  const candidates: FrameCandidate[] = [];
  for (let k = 0; k + 1 < frames.count; k++)
    for (const d of subjectsAt(frames.motion, k)) candidates.push({ frame: k + 1, ...d });
  t = performance.now();
  buildSubjectTracks(candidates, [{ start_frame: 0, end_frame: frames.count }], {
    width: w,
    height: h,
    fps: frames.fps,
  });
  linking += performance.now() - t;
}
console.log(
  `24 clips: video pass ${(pass / 1000).toFixed(2)} s, subject candidates (motion + saliency) ${(subject / 1000).toFixed(2)} s = ${((100 * subject) / pass).toFixed(1)}% of the video pass; tracker ${(linking / 1000).toFixed(3)} s = ${((100 * linking) / pass).toFixed(2)}%`,
);
