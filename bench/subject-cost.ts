/**
 * Subject tracking's cost against the video pass, on the reframe test's 24 generated clips
 * (services/lib-media/src/subject-clips.ts, made under .tmp/bench/subject-clips/):
 *   corepack pnpm exec tsx bench/subject-cost.ts
 * Per clip, in the same run: the video pass (analyzeVideo: decode + every frame feature, subject
 * candidates included), then the subject candidates' own work (the motion detector and the
 * saliency detector) timed alone on the same analysis frames with the pass's camera motion.
 */
import { mkdirSync } from "node:fs";
import { photosDir } from "../scripts/photos.mjs";
import { analyzeVideo } from "../services/lib-media/src/analyze-video.js";
import { decodeFrames } from "../services/lib-media/src/frame-decoder.js";
import { makeSubjectClip, subjectClipSet } from "../services/lib-media/src/subject-clips.js";
import { rgbToLuma } from "../services/lib-models/src/video/frame-features.js";
import { buildPyramid } from "../services/lib-models/src/video/global-motion.js";
import { pairAt } from "../services/lib-models/src/video/motion-features.js";
import { SaliencyDetector } from "../services/lib-models/src/video/saliency.js";
import { SubjectDetector } from "../services/lib-models/src/video/subject.js";

const dir = ".tmp/bench/subject-clips";
mkdirSync(dir, { recursive: true });
let pass = 0;
let subject = 0;
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
}
console.log(
  `24 clips: video pass ${(pass / 1000).toFixed(2)} s, subject candidates (motion + saliency) ${(subject / 1000).toFixed(2)} s = ${((100 * subject) / pass).toFixed(1)}% of the video pass`,
);
