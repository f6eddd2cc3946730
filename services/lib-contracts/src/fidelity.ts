import { z } from "zod";

/**
 * The fidelity report of a completed full job: the rendering stage re-extracts the output's style
 * from a low-resolution decode of the file it wrote and compares it with the StyleJSON applied.
 * Built by @clipzy/models/fidelity; this is its public shape.
 */
export const VerdictSchema = z
  .enum(["within", "outside", "not_applied", "unmeasured"])
  .describe(
    "`within`/`outside` the stated tolerance; `not_applied`: the render did not apply this field " +
      "(reported, not judged); `unmeasured`: one side could not be measured.",
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
    summary: z
      .object({
        within: z.number().int(),
        outside: z.number().int(),
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
export type FidelityReport = z.infer<typeof FidelityReportSchema>;
