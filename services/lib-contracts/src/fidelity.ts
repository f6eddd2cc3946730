import { z } from "zod";

/**
 * The fidelity report of a completed full job: the rendering stage re-extracts the output's style
 * from a low-resolution decode of the file it wrote and compares it with the StyleJSON applied.
 * Built by @clipzy/models/fidelity; this is its public shape.
 */
export const VerdictSchema = z
  .enum(["within", "outside", "unreachable", "not_applied", "unmeasured"])
  .describe(
    "`within`/`outside` the stated tolerance; `unreachable`: outside, and the engine knows it cannot " +
      "reach the request (its `reason` says why); `not_applied`: the render did not apply this field " +
      "(reported, not judged); `unmeasured`: one side could not be measured.",
  );

const reason = z
  .string()
  .nullable()
  .describe(
    "Why an `unreachable` verdict cannot be reached (e.g. the limiting it would need); null otherwise.",
  );

const value = z.union([z.number(), z.string()]).nullable();

export const FieldFidelitySchema = z
  .object({
    field: z
      .string()
      .describe('StyleJSON path: "color_grade.temperature", "primary_transition.type", "loudness_lufs", …'),
    requested: value.describe("The value in the applied StyleJSON."),
    achieved: value.describe("The value re-extracted from the output."),
    difference: z
      .number()
      .nullable()
      .describe("achieved − requested; null for text fields or a missing side."),
    tolerance: z.string().describe('The stated tolerance: "±10", "±0.5 fps", "±1 LU", "±2%", "equal", …'),
    applied: z.boolean().describe("Whether the render applied this field."),
    verdict: VerdictSchema,
    reason,
  })
  .strict();

const TRANSFER_METHOD = z.enum(["reinhard", "mkl", "hm-mkl-hm"]);

export const ColorFidelitySchema = z
  .object({
    method: z
      .enum(["distribution", "parametric", "none"])
      .describe(
        "`distribution`: transfer built from the style's `color_profile`; `parametric`: from the six " +
          "`color_grade` numbers (a style_json without `color_profile`); `none`: no colour applied.",
      ),
    candidate: z
      .object({ luma: TRANSFER_METHOD, chroma: TRANSFER_METHOD })
      .strict()
      .nullable()
      .describe(
        "The measured-best candidates the luma and chroma curves were taken from (distribution only).",
      ),
    source_to_template: z
      .number()
      .nullable()
      .describe(
        "Wasserstein-1 distance summed over L*, a*, b* from the untouched source to the template (Lab units).",
      ),
    output_to_template: z.number().nullable().describe("The same distance from the output."),
    share_of_the_way: z
      .number()
      .nullable()
      .describe(
        "1 − output/source: the share of the way the output came from the source's colours to the template's.",
      ),
    min_share: z.number().describe("Tolerance: the share the output must reach (0.7)."),
    verdict: VerdictSchema,
    reason,
  })
  .strict();

/** One round of the closed loop: a proxy of the planned edit rendered, re-measured and corrected. */
export const FidelityRoundSchema = z
  .object({
    round: z.number().int().min(1).describe("1 for the plan as first made."),
    measured_on: z
      .object({ width: z.number().int(), height: z.number().int(), frames: z.number().int() })
      .strict()
      .describe("The proxy this round measured."),
    changed: z
      .array(z.string())
      .describe(
        'What this round changed before its proxy, e.g. "color residual", "gain +3.2 dB"; empty in round 1.',
      ),
    colour_share: z.number().nullable().describe("The proxy's colour share of the way."),
    fields: z
      .array(z.object({ field: z.string(), achieved: value, verdict: VerdictSchema }).strict())
      .describe("Each applied field as measured on the proxy."),
  })
  .strict();

export const FidelityReportSchema = z
  .object({
    version: z.literal(1),
    measured_on: z
      .object({ width: z.number().int(), height: z.number().int(), frames: z.number().int() })
      .strict()
      .describe("The low-resolution decode of the output the style was re-extracted from."),
    colour: ColorFidelitySchema,
    fields: z.array(FieldFidelitySchema),
    rounds: z
      .array(FidelityRoundSchema)
      .describe("The closed loop's rounds on proxies before the final encode, first to last."),
    summary: z
      .object({
        within: z.number().int(),
        outside: z.number().int(),
        unreachable: z.number().int(),
        not_applied: z.number().int(),
        unmeasured: z.number().int(),
      })
      .strict()
      .describe("Verdict counts over `fields` and `colour`."),
  })
  .strict();

export type Verdict = z.infer<typeof VerdictSchema>;
export type FieldFidelity = z.infer<typeof FieldFidelitySchema>;
export type ColorFidelity = z.infer<typeof ColorFidelitySchema>;
export type FidelityRound = z.infer<typeof FidelityRoundSchema>;
export type FidelityReport = z.infer<typeof FidelityReportSchema>;
