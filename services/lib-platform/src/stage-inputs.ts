import type { StageTask, VideoRef } from "@clipzy/proto";

export type InputRole = "source" | "template";

export interface StageInput {
  role: InputRole;
  ref: VideoRef;
  /** Where this input's share of the stage's progress starts (0..1), and how wide it is. */
  from: number;
  span: number;
}

/** The task's inputs (the source, then the template when there is one), sharing progress by duration. */
export function stageInputs(task: Pick<StageTask, "source" | "template">): StageInput[] {
  const list: { role: InputRole; ref: VideoRef }[] = [];
  if (task.source) list.push({ role: "source", ref: task.source });
  if (task.template) list.push({ role: "template", ref: task.template });
  const weight = (r: VideoRef) => Math.max(r.durationSeconds, 0.1);
  const total = list.reduce((s, x) => s + weight(x.ref), 0);
  let from = 0;
  return list.map((x) => {
    const span = weight(x.ref) / total;
    const out = { ...x, from, span };
    from += span;
    return out;
  });
}

/**
 * Runs `work` on every input of the task side by side: the source's and the template's analyses
 * are independent, so the template's starts with the task instead of after the source's, and the
 * two decodes use two cores when there are. `progress` gets their combined fraction (each input's
 * own fraction, monotonic, weighted by its span), so it stays monotonic too.
 */
export async function analyseInputs<T>(
  task: Pick<StageTask, "source" | "template">,
  progress: (fraction: number) => void,
  work: (input: StageInput, progress: (fraction: number) => void) => Promise<T>,
): Promise<{ source: T; template: T | null }> {
  const inputs = stageInputs(task);
  const done = inputs.map(() => 0);
  const results = await Promise.all(
    inputs.map((input, i) =>
      work(input, (f) => {
        done[i] = Math.max(done[i], Math.min(1, f));
        progress(inputs.reduce((s, x, j) => s + x.span * done[j], 0));
      }),
    ),
  );
  return { source: results[0], template: inputs[1] ? results[1] : null };
}
