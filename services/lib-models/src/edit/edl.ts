import { AUDIO_MODES, CUT_KINDS, EASINGS, type EditSummary } from "@clipzy/contracts";
import { z } from "zod";

/**
 * The edit decision list: the style_application artifact the renderer executes. Versioned and
 * validated by this schema whenever a stage reads it.
 *
 * Every frame number is a frame of the EDL's rate (`fps`, the output rate). Source frames are
 * frames of the source resampled to that rate (the source's own frame numbers when the rate is
 * unchanged), counted from the start of the file.
 *
 * Invariant: output frame t inside segment k (including its transition handles) shows source
 * frame t − out_start + source_in. Segments tile the output: out_start[k+1] = out_start[k] +
 * (source_out[k] − source_in[k]); a boundary's transition is centred on its cut frame.
 */
export const EDL_VERSION = 1;

const frame = z.number().int().min(0);
const unit = z.number().min(0).max(1);

export const EdlTransitionSchema = z
  .object({
    /** "cut", or an ffmpeg xfade transition name (fade, fadeblack, wipeleft, slideleft, …). */
    type: z.string().min(1),
    /** Length in frames; 0 for a cut. */
    frames: frame,
    easing: z.enum(EASINGS),
  })
  .strict();

export const EdlZoomSchema = z
  .object({
    /** Scale of the picture at the segment's first and last frame (1 = the aspect crop itself). */
    from: z.number().min(1).max(4),
    to: z.number().min(1).max(4),
    /** Centre of the zoom window, normalised 0..1 of the source frame (clamped to fit when rendered). */
    cx: unit,
    cy: unit,
    /**
     * A moving subject's path: window centres at frames from source_in (keyframes, ascending),
     * followed linearly between them and held outside them. Without it the window stays at cx, cy.
     */
    path: z
      .array(z.object({ at: z.number().int(), cx: unit, cy: unit }).strict())
      .min(2)
      .max(256)
      .optional(),
    /**
     * Only in a chunk's sub-EDL (edit/chunks.ts): this branch draws frames [first, first + its
     * own) of the `of` over which the whole segment's zoom runs from → to. So a chunk resamples
     * through the very windows the whole render does, rounded the same way.
     */
    span: z
      .object({ first: z.number().int().min(0), of: z.number().int().min(1) })
      .strict()
      .optional(),
  })
  .strict();

/** Frames a transition takes beyond a segment's core: from the source, then holding the edge frame. */
export const EdlHandleSchema = z.object({ source: frame, hold: frame }).strict();

export const EdlSegmentSchema = z
  .object({
    source_in: frame,
    /** Exclusive. */
    source_out: frame,
    out_start: frame,
    zoom: EdlZoomSchema,
    /** Before the core (the incoming half of the previous transition) and after it. */
    pre: EdlHandleSchema,
    post: EdlHandleSchema,
    /** The score the segment was chosen by (highlight edits), for people reading the artifact. */
    score: z.number().nullable(),
  })
  .strict()
  .refine((s) => s.source_out > s.source_in, "source_out must be after source_in");

export const EdlBoundarySchema = z
  .object({
    /** Output frame of the cut (the first frame of the incoming segment's core). */
    at: frame,
    transition: EdlTransitionSchema,
    /**
     * Why the cut is visible: the source's own cut moved onto the beat, a jump within one shot,
     * or a change of framing on continuous footage (punch-in).
     */
    kind: z.enum(CUT_KINDS),
    /** Signed distance to the nearest beat of the output's music (ms), null without beats. */
    beat_offset_ms: z.number().nullable(),
  })
  .strict();

export const EdlAudioSchema = z
  .object({
    /**
     * none: no audio. continuous: the source's audio from its start, for the output's length (the
     * music bed; the cuts fall on its beats). spliced: each segment carries its own audio, joined
     * by a crossfade of `crossfade_ms` centred on every cut where the source jumps.
     */
    mode: z.enum(AUDIO_MODES),
    crossfade_ms: z.number().min(0),
    /** The audio style chain (loudness, compression, EQ), or null. */
    filters: z.string().nullable(),
    bitrate_kbps: z.number().int().positive(),
  })
  .strict();

const TRANSFER_METHOD = z.enum(["reinhard", "mkl", "hm-mkl-hm"]);
const knots = z.array(z.number()).length(17);

/**
 * The job's one colour transfer (video/color-transfer.ts): per-plane Y, U, V curves and the
 * ffmpeg filter that applies them on the joined output, plus the .cube export of the same
 * transfer (identity when there is none) that GET /jobs/{id}/grade.cube serves.
 */
export const EdlColorSchema = z
  .object({
    transfer: z
      .object({
        method: z.enum(["distribution", "parametric"]),
        candidate: z.object({ luma: TRANSFER_METHOD, chroma: TRANSFER_METHOD }).strict().nullable(),
        candidates: z.array(
          z.object({ method: TRANSFER_METHOD, w1: z.number(), w1_exact: z.number() }).strict(),
        ),
        curves: z.object({ y: knots, u: knots, v: knots }).strict(),
      })
      .strict()
      .nullable(),
    filter: z.string().nullable(),
    lut_key: z.string(),
  })
  .strict();

export const EdlEncodeSchema = z
  .object({
    crf: z.number().int().min(0).max(51),
    preset: z.string(),
    max_height: z.number().int().positive(),
  })
  .strict();

export const EdlSchema = z
  .object({
    version: z.literal(EDL_VERSION),
    input_key: z.string(),
    /** The EDL's (and the output's) frame rate, as a number and an exact fraction ("30000/1001"). */
    fps: z.number().positive(),
    fps_fraction: z.string().regex(/^\d+\/\d+$/),
    source: z
      .object({ width: z.number().int().positive(), height: z.number().int().positive(), frames: frame })
      .strict(),
    /** The aspect-ratio crop window in source pixels (the whole frame when unchanged). */
    crop: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).strict(),
    /** Output picture size (even). */
    output: z
      .object({ width: z.number().int().positive(), height: z.number().int().positive(), frames: frame })
      .strict(),
    segments: z.array(EdlSegmentSchema).min(1),
    /** boundaries[i] joins segments[i] and segments[i+1]. */
    boundaries: z.array(EdlBoundarySchema),
    /** Beats of the music the output carries (or the target's tempo grid), ms on the output timeline. */
    beats_ms: z.array(z.number().min(0)),
    beat_source: z.enum(["source_music", "target_tempo", "none"]),
    audio: EdlAudioSchema,
    colour: EdlColorSchema,
    encode: EdlEncodeSchema,
    /** What of the style was applied, for people reading the artifact. */
    applied: z.array(z.string()),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.boundaries.length !== e.segments.length - 1)
      ctx.addIssue({
        code: "custom",
        path: ["boundaries"],
        message: "one boundary between each two segments",
      });
    let t = 0;
    e.segments.forEach((s, k) => {
      if (s.out_start !== t)
        ctx.addIssue({ code: "custom", path: ["segments", k, "out_start"], message: "segments must tile" });
      t += s.source_out - s.source_in;
      if (k < e.boundaries.length && e.boundaries[k].at !== t)
        ctx.addIssue({
          code: "custom",
          path: ["boundaries", k, "at"],
          message: "boundary not at segment end",
        });
    });
    if (t !== e.output.frames)
      ctx.addIssue({
        code: "custom",
        path: ["output", "frames"],
        message: "segments must sum to the output",
      });
  });

export type EdlTransition = z.infer<typeof EdlTransitionSchema>;
export type EdlZoom = z.infer<typeof EdlZoomSchema>;
export type EdlSegment = z.infer<typeof EdlSegmentSchema>;
export type EdlBoundary = z.infer<typeof EdlBoundarySchema>;
export type EdlAudio = z.infer<typeof EdlAudioSchema>;
export type EditDecisionList = z.infer<typeof EdlSchema>;

const ms3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The result's `edit` (EditSummary in @clipzy/contracts) of an EDL: cuts on the output timeline
 * with their distance to the nearest beat, the source spans used, and the transitions.
 */
export function editSummary(e: EditDecisionList): EditSummary {
  const sec = (f: number) => ms3(f / e.fps);
  return {
    duration_seconds: sec(e.output.frames),
    cuts: e.boundaries.map((b) => ({
      time_seconds: sec(b.at),
      beat_offset_ms: b.beat_offset_ms,
      kind: b.kind,
    })),
    segments: e.segments.map((s) => ({
      source_in_seconds: sec(s.source_in),
      source_out_seconds: sec(s.source_out),
      output_start_seconds: sec(s.out_start),
    })),
    transitions: e.boundaries.map((b) => ({
      type: b.transition.type,
      duration_ms: Math.round((1000 * b.transition.frames) / e.fps),
      easing: b.transition.easing,
    })),
    audio: e.audio.mode,
  };
}
