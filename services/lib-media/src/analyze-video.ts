import type { VideoAnalysis } from "@clipzy/models/video/analysis";
import { ColorAccumulator, histQuantile } from "@clipzy/models/video/color-stats";
import {
  computeSignature,
  contentDistance,
  type FrameSignature,
  histDistance,
  pairDiff,
  rgbToLuma,
} from "@clipzy/models/video/frame-features";
import { gradeFromProfile } from "@clipzy/models/video/grade-model";
import { LabAccumulator } from "@clipzy/models/video/lab";
import { MIN_TEXTURE, MotionTracker, PAIR_STRIDE, pairAt } from "@clipzy/models/video/motion-features";
import { dominantColors } from "@clipzy/models/video/palette";
import { detectTransitions, mayBeCut, type Shot, shotsFrom } from "@clipzy/models/video/shot-detection";
import { cutFrequency, primaryTransition, shotStats } from "@clipzy/models/video/shot-stats";
import { aspectRatioString, frameRateNumber } from "@clipzy/models/video/stream-format";
import { TransitionFrameStore } from "@clipzy/models/video/transition-frames";
import { probeMedia } from "./ffmpeg.js";
import { analysisSize, decodeFrames } from "./frame-decoder.js";
import { videoStreamInfo } from "./probe.js";

/**
 * What motion analysis needs of the analysed frames: the global motion of every frame pair,
 * estimated during the decode (the frames themselves are not kept).
 */
export type { TransitionRecord, VideoAnalysis } from "@clipzy/models/video/analysis";

export interface AnalysisFrames {
  width: number;
  height: number;
  fps: number;
  count: number;
  /** Pair i (frame i → i+1): PAIR_FIELDS of domain/motion-features, (count − 1) × PAIR_STRIDE. */
  motion: Float64Array;
}

export interface AnalyzeVideoOptions {
  signal?: AbortSignal;
  durationSeconds?: number;
  frameRate?: number;
  onProgress?: (fraction: number) => void;
  /** Decoder threads for ffmpeg (0 = auto). */
  threads?: number;
  /**
   * Also write the closed loop's low-resolution intermediate to `path`, from this same decode, at
   * the size `sizeFor` gives for the stream's display size (none when it gives null).
   */
  intermediate?: {
    path: string;
    sizeFor: (displayWidth: number, displayHeight: number) => { width: number; height: number } | null;
  };
}

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

export async function analyzeVideo(
  input: string,
  opts: AnalyzeVideoOptions = {},
): Promise<{
  analysis: VideoAnalysis;
  frames: AnalysisFrames;
  /** The intermediate written (its size), or null. */
  intermediate: { width: number; height: number } | null;
}> {
  const info = videoStreamInfo(await probeMedia(input, opts.signal), input);
  const fps = info.fps > 0 ? info.fps : (opts.frameRate ?? 30);
  const { width, height } = analysisSize(info.displayWidth, info.displayHeight);
  const duration =
    opts.durationSeconds ?? info.durationSeconds ?? (info.frameCount ? info.frameCount / fps : null);
  const expected = Math.max(1, Math.round((duration ?? 60) * fps));
  const plane = width * height;
  const small = opts.intermediate?.sizeFor(info.displayWidth, info.displayHeight) ?? null;

  // Two luma planes, alternating: the current frame and the previous one.
  const lumaBufs = [new Uint8Array(plane), new Uint8Array(plane)];
  const motion = new MotionTracker(width, height, expected);
  // the frames around candidate transitions, for typing them by their pixels (bounded)
  const kept = new TransitionFrameStore(width, height);
  let count = 0;
  const mad: number[] = [0];
  const large: number[] = [0];
  const hist: number[] = [0];
  const content: number[] = [0];
  const sigs: FrameSignature[] = [];
  const colorStats = new ColorAccumulator();
  const lab = new LabAccumulator();
  let prevLuma: Uint8Array | null = null;
  let prevSig: FrameSignature | null = null;
  let lastProgress = 0;

  for await (const rgb of decodeFrames(input, {
    width,
    height,
    signal: opts.signal,
    threads: opts.threads,
    durationSeconds: opts.durationSeconds,
    intermediate: small && opts.intermediate ? { path: opts.intermediate.path, ...small } : undefined,
  })) {
    const luma = rgbToLuma(rgb, lumaBufs[count & 1]);
    const sig = computeSignature(rgb, luma, width, height);
    if (prevLuma && prevSig) {
      const d = pairDiff(prevLuma, luma);
      mad.push(d.mad);
      large.push(d.largeFrac);
      hist.push(histDistance(prevSig, sig));
      content.push(contentDistance(prevSig, sig));
    }
    kept.push(luma, count ? content[count] : 0);
    colorStats.add(rgb, luma);
    lab.add(rgb);
    // Motion pair count−1 closes here; the pair before it is video pair count−1.
    motion.push(luma, count >= 2 && mayBeCut(mad, hist, count - 1), rgb);
    sigs.push(sig);
    prevLuma = luma;
    prevSig = sig;
    count++;
    const p = Math.min(0.97, count / expected);
    if (opts.onProgress && p - lastProgress >= 0.002) {
      lastProgress = p;
      opts.onProgress(p);
    }
  }
  if (count === 0) throw new Error(`no frames decoded from ${input}`);
  const estimates = motion.estimates();
  if (estimates.length !== Math.max(0, count - 1) * PAIR_STRIDE)
    throw new Error("motion features: pair count");
  // video pair i (frame i−1 → i) is motion pair i−1
  const residual = new Float32Array(count);
  for (let i = 1; i < count; i++) residual[i] = pairAt(estimates, i - 1).residual;

  const series = {
    fps,
    count,
    mad: Float32Array.from(mad),
    largeFrac: Float32Array.from(large),
    hist: Float32Array.from(hist),
    content: Float32Array.from(content),
    residual,
    sigs,
    typing: {
      w: kept.w,
      h: kept.h,
      count,
      frame: (k: number) => kept.get(k),
      motion: (j: number) => {
        const m = pairAt(estimates, j);
        if (m.texture < MIN_TEXTURE || m.inliers < 0.5) return null;
        return { tx: (m.tx * kept.w) / width, ty: (m.ty * kept.h) / height, a: m.a, b: m.b };
      },
    },
  };
  const transitions = detectTransitions(series);
  const shots: Shot[] = shotsFrom(transitions, count, fps);
  const analyzedSeconds = count / fps;
  const summary = colorStats.summary();
  const colorProfile = lab.profile();
  const palette = dominantColors(colorStats.reservoir, colorStats.reservoirCount, 5);
  const cutsOnly = transitions.filter((t) => t.kind === "cut");
  const gradual = transitions.filter((t) => t.kind !== "cut");
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const p05 = histQuantile(summary.lumaHist, 0.05);
  const p95 = histQuantile(summary.lumaHist, 0.95);

  const analysis: VideoAnalysis = {
    version: 2,
    source: {
      width: info.displayWidth,
      height: info.displayHeight,
      fps,
      fps_fraction: `${info.fpsNum}/${info.fpsDen}`,
      duration_seconds: info.durationSeconds ?? analyzedSeconds,
    },
    aspect_ratio: aspectRatioString(info.displayWidth, info.displayHeight),
    frame_rate: frameRateNumber(fps),
    duration_seconds: info.durationSeconds ?? analyzedSeconds,
    analysis: { width, height, frames: count },
    transitions: transitions.map((t) => ({
      type: t.kind,
      start_frame: t.startFrame,
      frames: t.frames,
      start_seconds: r4(t.startSeconds),
      duration_seconds: r4(t.durationSeconds),
      easing: t.easing,
      clarity: r4(t.clarity),
      change: r4(t.change),
    })),
    cuts: cutsOnly.map((t) => r4(t.startSeconds)),
    shots: shots.map((s) => ({
      start_frame: s.startFrame,
      end_frame: s.endFrame,
      start_seconds: r4(s.startSeconds),
      duration_seconds: r4(s.durationSeconds),
    })),
    shot_stats: shotStats(shots),
    cut_frequency: r4(cutFrequency(transitions, analyzedSeconds)),
    primary_transition: primaryTransition(transitions),
    colour: {
      mean_rgb: summary.meanRgb.map(r4) as [number, number, number],
      luma_quantiles: { p05: r4(p05), p50: r4(histQuantile(summary.lumaHist, 0.5)), p95: r4(p95) },
      chroma_mean: summary.chromaMean.map(r4) as [number, number, number],
      chroma_rms: r4(summary.chromaRms),
    },
    colour_profile: colorProfile,
    colour_sample: Buffer.from(colorStats.reservoir.subarray(0, colorStats.reservoirCount * 3)).toString(
      "base64",
    ),
    grade: gradeFromProfile(colorProfile),
    palette,
    evidence: {
      frames_analysed: count,
      cut_clarity_mean: mean(cutsOnly.map((t) => t.clarity)),
      gradual_clarity_mean: mean(gradual.map((t) => t.clarity)),
      colour_spread: r4(p95 - p05),
    },
  };
  opts.onProgress?.(1);
  return { analysis, frames: { width, height, fps, count, motion: estimates }, intermediate: small };
}
