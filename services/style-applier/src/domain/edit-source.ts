import type { AudioAnalysis } from "@clipzy/models/audio/analyzer";
import type { MotionAnalysis } from "@clipzy/models/motion/analyze-motion";
import type { VideoAnalysis } from "@clipzy/models/video/analysis";
import type { EditSource, SourceShot, TrackPoint } from "./edit.js";

/**
 * What the edit planner needs of the source's analysis, resampled to the output rate `fps`:
 * shots (the frames outside any transition), the music's beats (the analyser reports beats for
 * music only), per-frame activity and subject positions.
 *
 * Activity (the highlight score) = local motion (residual after the camera fit, what moves in the
 * scene) + ½ camera speed, each normalised by its maximum over the source, per 0.5 s bin of the
 * motion analysis; frames inside transitions are never chosen anyway. Sharpness, faces and speech
 * are not measured per frame yet, so they do not count.
 *
 * Motion reads (what zoom_usage will read back of the frames an edit shows, edit.ts zoomReads):
 * per output-rate frame, whether it lies in one of the source's own zoom segments, and whether
 * its pair's motion was measurable.
 */
export function editSource(
  video: VideoAnalysis,
  audio: AudioAnalysis | null,
  motion: MotionAnalysis | null,
  fps: number,
  hasAudio: boolean,
): EditSource {
  const srcFps = video.frame_rate > 0 ? video.frame_rate : fps;
  const r = fps / srcFps;
  const srcFrames = video.analysis.frames;
  const frames = Math.max(1, Math.round(srcFrames * r));
  const at = (f: number) => Math.min(frames, Math.max(0, Math.round(f * r)));
  // Excluded spans (gradual transitions, whole) and cut points, in output-rate frames.
  const edges: number[] = [];
  const excluded: [number, number][] = [];
  for (const t of video.transitions) {
    if (t.frames === 0) edges.push(at(t.start_frame));
    else excluded.push([at(t.start_frame), at(t.start_frame + t.frames + 1)]);
  }
  const points = [0, frames, ...edges, ...excluded.flat()].sort((a, b) => a - b);
  const shots: SourceShot[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [s, e] = [points[i], points[i + 1]];
    if (e > s && !excluded.some(([a, b]) => s >= a && e <= b)) shots.push({ start: s, end: e });
  }
  return {
    fps,
    frames,
    shots,
    beats_s: hasAudio && audio && !audio.empty ? audio.beats.map((b) => b.time_s) : [],
    has_audio: hasAudio,
    activity: motion ? activity(motion, frames, fps) : null,
    motion: motion ? motionReads(motion, frames, fps) : null,
    subjects: (motion?.subject_tracks ?? []).flatMap((t) =>
      t.points.map(
        (p): TrackPoint => ({
          frame: at(p.frame),
          cx: p.cx,
          cy: p.cy,
          w: p.w,
          h: p.h,
          confidence: p.confidence,
        }),
      ),
    ),
  };
}

function activity(m: MotionAnalysis, frames: number, fps: number): Float32Array {
  const { bin_seconds, camera_speed, local_motion } = m.pacing;
  const maxC = Math.max(1e-9, ...camera_speed);
  const maxL = Math.max(1e-9, ...local_motion);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    const b = Math.min(camera_speed.length - 1, Math.floor(f / fps / bin_seconds));
    out[f] = b >= 0 ? local_motion[b] / maxL + (0.5 * camera_speed[b]) / maxC : 0;
  }
  return out;
}

function motionReads(m: MotionAnalysis, frames: number, fps: number): NonNullable<EditSource["motion"]> {
  const zooming = new Uint8Array(frames);
  const measurable = new Uint8Array(frames);
  for (const z of m.zoom_segments) {
    const from = Math.max(0, Math.round(z.start_seconds * fps));
    const to = Math.min(frames, Math.round((z.start_seconds + z.duration_seconds) * fps));
    zooming.fill(1, from, Math.max(from, to));
  }
  const r = m.fps / fps;
  for (let f = 0; f < frames; f++) {
    const i = Math.min(m.pairs.length - 1, Math.floor(f * r));
    measurable[f] = i >= 0 && m.pairs[i] ? 1 : 0;
  }
  return { zooming, measurable };
}
