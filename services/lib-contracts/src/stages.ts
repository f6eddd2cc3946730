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
