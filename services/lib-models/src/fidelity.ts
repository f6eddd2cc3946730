import type {
  ColorFidelity,
  FidelityReport,
  FidelityRound,
  FieldFidelity,
  StyleJson,
  Verdict,
} from "@clipzy/contracts";
import type { ColorTransfer } from "./video/color-transfer.js";

export type { ColorFidelity, FidelityReport, FidelityRound, FieldFidelity, Verdict } from "@clipzy/contracts";

import { type ColorProfile, w1Lab } from "./video/lab.js";

/**
 * The fidelity report: how close the render came to the style it was asked for. The rendering
 * stage re-extracts the output's style from a low-resolution decode of the file it wrote and
 * compares it, field by field, with the StyleJSON that was applied. Pure: measurements in, report
 * out; the shape (FidelityReportSchema) is in @clipzy/contracts.
 */
export interface FidelityInput {
  /** The StyleJSON the render was asked to apply. */
  requested: StyleJson;
  /** The style re-extracted from the output. */
  achieved: StyleJson;
  /**
   * The EDL's `applied` list: "aspect_ratio 9:16", "frame_rate 24", "color_grade (distribution)",
   * "cuts 5 on source music", "transition fade", "zoom", "audio_style".
   */
  applied: readonly string[];
  colour: ColorTransfer | null;
  /** Colour profiles: the source's (from its analysis), the output's, and the template's (if any). */
  profiles: { source: ColorProfile; output: ColorProfile; template: ColorProfile | null };
  /** Integrated loudness of the output (LUFS), null without audio. */
  outputLufs: number | null;
  measuredOn: FidelityReport["measured_on"];
  /** The closed loop's rounds on proxies (empty when none ran). */
  rounds?: readonly FidelityRound[];
  /**
   * Fields ("color_grade.contrast", "loudness_lufs", "colour" for the colour share) the engine
   * knows it cannot reach, with the reason: an `outside` verdict on one of them reads `unreachable`.
   */
  unreachable?: Readonly<Record<string, string>>;
  /** Fields the engine knows cannot be read back on this output (e.g. a transition where no cut shows): an `unmeasured` verdict on one reads `unreachable`. */
  unmeasurable?: Readonly<Record<string, string>>;
}

/** Tolerances, stated once (docs/rendering.md, "Fidelity report", lists the same). */
export const TOLERANCES = {
  color_grade: 10,
  frame_rate: 0.5,
  /** cut_frequency (cuts per 10 s): 20% of the request or 0.25, whichever is larger. */
  cut_frequency_share: 0.2,
  cut_frequency_min: 0.25,
  transition_duration_ms: 100,
  zoom_usage: 10,
  tempo_share: 0.02,
  loudness_lu: 1,
  colour_share: 0.7,
} as const;

const GRADE = ["temperature", "tint", "saturation", "contrast", "highlights", "shadows"] as const;
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

/** Documented mapping of normalization_level back to its LUFS target (audio/dynamics.ts). */
export const levelToLufs = (level: number) => 24 * level - 30;

function numeric(
  field: string,
  requested: number | null | undefined,
  achieved: number | null | undefined,
  tolerance: number,
  label: string,
  applied: boolean,
): FieldFidelity {
  const req = requested ?? null;
  const ach = achieved ?? null;
  const difference = req !== null && ach !== null ? round(ach - req) : null;
  const verdict: Verdict = !applied
    ? "not_applied"
    : difference === null
      ? "unmeasured"
      : Math.abs(difference) <= tolerance + 1e-9
        ? "within"
        : "outside";
  return {
    field,
    requested: req === null ? null : round(req),
    achieved: ach === null ? null : round(ach),
    difference,
    tolerance: label,
    applied,
    verdict,
    reason: null,
  };
}

function text(
  field: string,
  requested: string | null,
  achieved: string | null,
  applied: boolean,
): FieldFidelity {
  const verdict: Verdict = !applied
    ? "not_applied"
    : requested === null || achieved === null
      ? "unmeasured"
      : requested === achieved
        ? "within"
        : "outside";
  return { field, requested, achieved, difference: null, tolerance: "equal", applied, verdict, reason: null };
}

export function fidelityReport(f: FidelityInput): FidelityReport {
  const { requested: r, achieved: a } = f;
  const did = (name: string) => f.applied.some((x) => x === name || x.startsWith(`${name} `));
  const fields: FieldFidelity[] = [];
  if (r.color_grade)
    for (const k of GRADE)
      fields.push(
        numeric(
          `color_grade.${k}`,
          r.color_grade[k],
          a.color_grade?.[k],
          TOLERANCES.color_grade,
          "±10",
          did("color_grade"),
        ),
      );
  if (r.aspect_ratio) fields.push(text("aspect_ratio", r.aspect_ratio, a.aspect_ratio, did("aspect_ratio")));
  if (r.frame_rate !== null)
    fields.push(
      numeric("frame_rate", r.frame_rate, a.frame_rate, TOLERANCES.frame_rate, "±0.5 fps", did("frame_rate")),
    );
  if (r.cut_frequency !== null) {
    const tol = Math.max(TOLERANCES.cut_frequency_min, TOLERANCES.cut_frequency_share * r.cut_frequency);
    fields.push(
      numeric("cut_frequency", r.cut_frequency, a.cut_frequency, tol, "±20% (at least ±0.25)", did("cuts")),
    );
  }
  if (r.primary_transition) {
    const applied = did("transition");
    fields.push(
      text("primary_transition.type", r.primary_transition.type, a.primary_transition?.type ?? null, applied),
    );
    fields.push(
      numeric(
        "primary_transition.duration_ms",
        r.primary_transition.duration_ms,
        a.primary_transition?.duration_ms,
        TOLERANCES.transition_duration_ms,
        "±100 ms",
        applied,
      ),
    );
  }
  if (r.zoom_usage !== null)
    fields.push(numeric("zoom_usage", r.zoom_usage, a.zoom_usage, TOLERANCES.zoom_usage, "±10", did("zoom")));
  if (r.tempo_bpm !== null)
    fields.push(
      numeric(
        "tempo_bpm",
        r.tempo_bpm,
        a.tempo_bpm,
        TOLERANCES.tempo_share * r.tempo_bpm,
        "±2%",
        did("tempo"),
      ),
    );
  const level = r.audio_style?.normalization_level;
  if (level !== null && level !== undefined)
    fields.push(
      numeric(
        "loudness_lufs",
        levelToLufs(level),
        f.outputLufs,
        TOLERANCES.loudness_lu,
        "±1 LU",
        did("audio_style"),
      ),
    );

  const tpl = f.profiles.template;
  const method = f.colour?.method ?? "none";
  const src = tpl ? w1Lab(f.profiles.source.quantiles, tpl.quantiles) : null;
  const out = tpl ? w1Lab(f.profiles.output.quantiles, tpl.quantiles) : null;
  const share = src !== null && out !== null && src > 1e-6 ? 1 - out / src : null;
  const colour: ColorFidelity = {
    method,
    candidate: f.colour?.candidate ?? null,
    source_to_template: src === null ? null : round(src),
    output_to_template: out === null ? null : round(out),
    share_of_the_way: share === null ? null : round(share, 3),
    min_share: TOLERANCES.colour_share,
    verdict:
      method === "none"
        ? "not_applied"
        : share === null
          ? "unmeasured"
          : share >= TOLERANCES.colour_share
            ? "within"
            : "outside",
    reason: null,
  };
  const unreachable = f.unreachable ?? {};
  const unmeasurable = f.unmeasurable ?? {};
  const judged = <T extends { verdict: Verdict; reason: string | null }>(x: T, name: string): T => {
    const reason =
      x.verdict === "outside"
        ? unreachable[name]
        : x.verdict === "unmeasured"
          ? unmeasurable[name]
          : undefined;
    return reason ? { ...x, verdict: "unreachable", reason } : x;
  };
  const judgedFields = fields.map((x) => judged(x, x.field));
  const judgedColour = judged(colour, "colour");
  const count = (v: Verdict) =>
    judgedFields.filter((x) => x.verdict === v).length + (judgedColour.verdict === v ? 1 : 0);
  return {
    version: 1,
    measured_on: f.measuredOn,
    colour: judgedColour,
    fields: judgedFields,
    rounds: [...(f.rounds ?? [])],
    summary: {
      within: count("within"),
      outside: count("outside"),
      unreachable: count("unreachable"),
      not_applied: count("not_applied"),
      unmeasured: count("unmeasured"),
    },
  };
}
