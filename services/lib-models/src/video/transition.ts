/**
 * Transition easing from a progress curve (0 → 1 across the transition), by least squares
 * against the four easings the renderer knows. Linear wins unless another fits clearly better.
 */
export type Easing = "linear" | "ease-in" | "ease-out" | "ease-in-out";

export const EASINGS: Record<Easing, (t: number) => number> = {
  linear: (t) => t,
  "ease-in": (t) => t * t,
  "ease-out": (t) => 1 - (1 - t) * (1 - t),
  "ease-in-out": (t) => t * t * (3 - 2 * t),
};

export function classifyEasing(progress: readonly number[]): Easing {
  const n = progress.length;
  if (n < 3) return "linear";
  // Normalise to the curve's own start and end.
  const p0 = progress[0];
  const p1 = progress[n - 1];
  const span = p1 - p0;
  if (Math.abs(span) < 1e-6) return "linear";
  const sse: Record<Easing, number> = { linear: 0, "ease-in": 0, "ease-out": 0, "ease-in-out": 0 };
  for (let k = 1; k < n - 1; k++) {
    const t = k / (n - 1);
    const v = (progress[k] - p0) / span;
    for (const e of Object.keys(EASINGS) as Easing[]) sse[e] += (v - EASINGS[e](t)) ** 2;
  }
  let best: Easing = "linear";
  for (const e of Object.keys(sse) as Easing[]) if (sse[e] < sse[best]) best = e;
  return best !== "linear" && sse[best] > 0.6 * sse.linear ? "linear" : best;
}
