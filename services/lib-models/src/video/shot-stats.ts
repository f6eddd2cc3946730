import type { DetectedTransition, Shot } from "./shot-detection.js";
import type { Easing } from "./transition.js";

export interface ShotStats {
  count: number;
  mean_seconds: number;
  median_seconds: number;
  min_seconds: number;
  max_seconds: number;
  std_seconds: number;
}

export function shotStats(shots: readonly Shot[]): ShotStats {
  const d = shots.map((s) => s.durationSeconds).sort((a, b) => a - b);
  const n = d.length;
  if (!n)
    return { count: 0, mean_seconds: 0, median_seconds: 0, min_seconds: 0, max_seconds: 0, std_seconds: 0 };
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const median = n % 2 ? d[(n - 1) / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return {
    count: n,
    mean_seconds: mean,
    median_seconds: median,
    min_seconds: d[0],
    max_seconds: d[n - 1],
    std_seconds: std,
  };
}

/** Edit points (hard cuts and gradual transitions) per 10 seconds. */
export function cutFrequency(transitions: readonly DetectedTransition[], durationSeconds: number): number {
  if (durationSeconds <= 0) return 0;
  return (10 * transitions.length) / durationSeconds;
}

export interface PrimaryTransition {
  type: string;
  duration_ms: number;
  easing: Easing;
}

/**
 * The transition the edit mostly uses: the most frequent gradual kind if gradual transitions make
 * at least a quarter of the edit points, with its median duration and majority easing; otherwise
 * a hard cut (duration 0, easing linear). Null without any edit point. "other" transitions (a zoom,
 * a squeeze: no StyleJSON type) count as gradual edit points but name the kind only when nothing
 * else does, as a dissolve (what the renderer plays for an xfade it has no name for).
 */
export function primaryTransition(transitions: readonly DetectedTransition[]): PrimaryTransition | null {
  if (!transitions.length) return null;
  const gradual = transitions.filter((t) => t.kind !== "cut");
  if (gradual.length < 0.25 * transitions.length) return { type: "cut", duration_ms: 0, easing: "linear" };
  const byKind = new Map<string, DetectedTransition[]>();
  const typed = gradual.some((t) => t.kind !== "other") ? gradual.filter((t) => t.kind !== "other") : gradual;
  for (const t of typed) {
    const kind = t.kind === "other" ? "dissolve" : t.kind;
    byKind.set(kind, [...(byKind.get(kind) ?? []), t]);
  }
  const [kind, list] = [...byKind.entries()].sort((a, b) => b[1].length - a[1].length)[0];
  const durs = list.map((t) => t.durationSeconds).sort((a, b) => a - b);
  const med = durs[Math.floor((durs.length - 1) / 2)];
  const easings = new Map<Easing, number>();
  for (const t of list) if (t.easing) easings.set(t.easing, (easings.get(t.easing) ?? 0) + 1);
  const easing = [...easings.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "linear";
  return { type: kind, duration_ms: Math.round(med * 1000), easing };
}
