/** The pipeline stages in order, with the progress range each one owns (seed 003 is normative). */
export const STAGES = [
  { name: "video_analysis", from: 1, to: 20 },
  { name: "audio_analysis", from: 21, to: 35 },
  { name: "motion_analysis", from: 36, to: 55 },
  { name: "style_extraction", from: 56, to: 65 },
  { name: "style_application", from: 66, to: 85 },
  { name: "rendering", from: 86, to: 99 },
] as const;

export type StageName = (typeof STAGES)[number]["name"];
export const STAGE_NAMES: readonly StageName[] = STAGES.map((s) => s.name);

export const JOB_STATUSES = ["queued", "processing", "completed", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ["completed", "failed", "cancelled"];
export const isTerminal = (s: string): boolean => (TERMINAL_STATUSES as readonly string[]).includes(s);

export const QUALITIES = ["low", "medium", "high"] as const;
export type Quality = (typeof QUALITIES)[number];
export const MODES = ["full", "style_only"] as const;
export type Mode = (typeof MODES)[number];
/** What a job runs with when its request leaves a setting out. */
export const DEFAULT_JOB_CONFIG: { readonly quality: Quality; readonly mode: Mode } = {
  quality: "medium",
  mode: "full",
};

export function isStageName(s: string): s is StageName {
  return (STAGE_NAMES as readonly string[]).includes(s);
}

export function stageIndex(stage: StageName): number {
  return STAGE_NAMES.indexOf(stage);
}

/**
 * Progress inside a stage maps linearly onto the stage's range (seed 003):
 * fraction 0 → the range's first percent, fraction 1 → its last. Never 100: only completion is 100.
 */
export function stagePercent(stage: StageName, fraction: number): number {
  const s = STAGES[stageIndex(stage)];
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  return s.from + Math.floor(f * (s.to - s.from));
}

/** The last stage a job of this mode runs. */
export function lastStage(mode: Mode): StageName {
  return mode === "style_only" ? "style_extraction" : "rendering";
}

/** The inputs of a job: its source and, when it has one, its template. */
export const INPUT_ROLES = ["source", "template"] as const;
export type InputRole = (typeof INPUT_ROLES)[number];
export const isInputRole = (s: string): s is InputRole => (INPUT_ROLES as readonly string[]).includes(s);

/** The stages that analyse each input on its own: each input's analysis is an artifact of its own. */
export const INPUT_STAGES: readonly StageName[] = ["video_analysis", "audio_analysis", "motion_analysis"];

/**
 * The parts a stage of a job runs as, one task each, that any workers take side by side: the
 * source's and the template's analyses of a job with a template. Empty: one task for the stage.
 */
export function stageParts(stage: StageName, hasTemplate: boolean): readonly InputRole[] {
  return hasTemplate && INPUT_STAGES.includes(stage) ? INPUT_ROLES : [];
}

/**
 * Each input's share of an analysis stage's work, for its progress: its duration's share of the
 * inputs' (at least 0.1 s each); the template's is 0 without one.
 */
export function inputShares(
  sourceSeconds: number,
  templateSeconds: number | null,
): Record<InputRole, number> {
  if (templateSeconds === null) return { source: 1, template: 0 };
  const [s, t] = [Math.max(sourceSeconds, 0.1), Math.max(templateSeconds, 0.1)];
  return { source: s / (s + t), template: t / (s + t) };
}
