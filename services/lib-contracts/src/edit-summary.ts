import { z } from "zod";
import { EASINGS } from "./style.js";

/**
 * The edit summary: what a job's result says of the edit its render carried out (the result's
 * `edit`). The style-applier derives it from its edit decision list and stores it as its own
 * artifact (`storageKeys.artifact(job, "edit_summary")`, EditSummaryArtifactSchema), so the jobs
 * service answers results without reading the EDL's format.
 */

/** What makes a cut visible: the source's own cut moved onto the beat, a jump within one shot, or a punch-in. */
export const CUT_KINDS = ["source_cut", "jump", "punch_in"] as const;
/** How the output's audio is made: none, the source's audio as one bed, or each segment's own. */
export const AUDIO_MODES = ["none", "continuous", "spliced"] as const;

export const EditSummarySchema = z
  .object({
    duration_seconds: z.number().min(0).describe("Length of the output."),
    cuts: z
      .array(
        z
          .object({
            time_seconds: z.number().min(0).describe("Where the cut is on the output timeline."),
            beat_offset_ms: z
              .number()
              .nullable()
              .describe(
                "Signed distance to the nearest beat of the output's music (or of the target's " +
                  "tempo grid when the source has no music); null when there is neither.",
              ),
            kind: z
              .enum(CUT_KINDS)
              .describe(
                "What makes the cut visible: the source's own cut moved onto the beat, a jump within " +
                  "one shot, or a change of framing (1.4× punch-in) on continuous footage.",
              ),
          })
          .strict(),
      )
      .describe("Cuts on the output timeline, in order."),
    segments: z
      .array(
        z
          .object({
            source_in_seconds: z.number().min(0),
            source_out_seconds: z.number().min(0),
            output_start_seconds: z.number().min(0),
          })
          .strict(),
      )
      .describe(
        "The source spans used, in output order: segment k plays source [in, out) from output_start.",
      ),
    transitions: z
      .array(
        z
          .object({
            type: z
              .string()
              .describe(
                "`cut`, or the ffmpeg xfade transition rendered (`fade` = dissolve, `fadeblack`, `wipeleft`, …).",
              ),
            duration_ms: z.number().min(0),
            easing: z.enum(EASINGS),
          })
          .strict(),
      )
      .describe("One per cut, in the same order."),
    audio: z
      .enum(AUDIO_MODES)
      .describe(
        "`continuous`: the source's audio from its start is the music bed under every cut; " +
          "`spliced`: each segment keeps its own audio, joined by a 20 ms crossfade where time was removed.",
      ),
  })
  .strict();

export type EditSummary = z.infer<typeof EditSummarySchema>;

export const EDIT_SUMMARY_VERSION = 1;

/** The artifact as stored: the summary with the version of its shape. */
export const EditSummaryArtifactSchema = z
  .object({ version: z.literal(EDIT_SUMMARY_VERSION), edit: EditSummarySchema })
  .strict();

export type EditSummaryArtifact = z.infer<typeof EditSummaryArtifactSchema>;
