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

/** What decides how a stage of a job is split: its template, and its render's chunk count. */
export interface JobShape {
  hasTemplate: boolean;
  /** The chunks the render is split into (1: one render). */
  renderChunks: number;
}

/**
 * The parts a stage of a job runs as, one task each, that any workers take side by side, and the
 * one part that runs after all of them (`final`): the source's and the template's analyses of a
 * job with a template; a chunked render's chunks, then the join. No parts: one task for the stage.
 */
export interface StageParts {
  parts: readonly string[];
  final: string | null;
}

const WHOLE: StageParts = { parts: [], final: null };

export function stageParts(stage: StageName, job: JobShape): StageParts {
  if (job.hasTemplate && INPUT_STAGES.includes(stage)) return { parts: INPUT_ROLES, final: null };
  if (stage === "rendering" && job.renderChunks > 1) {
    const n = job.renderChunks;
    return { parts: Array.from({ length: n }, (_, i) => renderChunkPart(i, n)), final: renderJoinPart(n) };
  }
  return WHOLE;
}

/** Every part of the stage, the final one last. */
export const allParts = (p: StageParts): readonly string[] => (p.final ? [...p.parts, p.final] : p.parts);

/**
 * A chunked render's parts name their chunk and the chunk count (each task carries all the
 * renderer needs): `chunk-<i>-of-<n>` renders chunk i's video, `join-of-<n>` joins the n chunks
 * and muxes the audio.
 */
export const renderChunkPart = (index: number, count: number) => `chunk-${index}-of-${count}`;
export const renderJoinPart = (count: number) => `join-of-${count}`;

export type RenderPart = { kind: "chunk"; index: number; count: number } | { kind: "join"; count: number };

export function parseRenderPart(part: string): RenderPart | null {
  const chunk = /^chunk-(\d+)-of-(\d+)$/.exec(part);
  if (chunk) return { kind: "chunk", index: Number(chunk[1]), count: Number(chunk[2]) };
  const join = /^join-of-(\d+)$/.exec(part);
  return join ? { kind: "join", count: Number(join[1]) } : null;
}

/**
 * The chunks a render of `seconds` of output is split into, chunks of about `chunkSeconds`
 * (0: never split): at least 1, the nearest whole count.
 */
export function renderChunkCount(seconds: number, chunkSeconds: number): number {
  if (!(chunkSeconds > 0) || !(seconds > 0)) return 1;
  return Math.max(1, Math.round(seconds / chunkSeconds));
}

/** The share of a chunked render's progress the join has (it measures the output's style). */
export const JOIN_SHARE = 0.15;

/**
 * Each part's share of its stage's work, for the stage's progress: an input's analysis by its
 * duration (inputShares), a render's chunks equally (they are of about equal frames), the join
 * JOIN_SHARE.
 */
export function partShares(
  p: StageParts,
  sourceSeconds: number,
  templateSeconds: number | null,
): Record<string, number> {
  if (!p.final) {
    const shares: Record<string, number> = inputShares(sourceSeconds, templateSeconds);
    return Object.fromEntries(p.parts.map((part) => [part, shares[part] ?? 1 / p.parts.length]));
  }
  const each = (1 - JOIN_SHARE) / Math.max(1, p.parts.length);
  return { ...Object.fromEntries(p.parts.map((part) => [part, each])), [p.final]: JOIN_SHARE };
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
