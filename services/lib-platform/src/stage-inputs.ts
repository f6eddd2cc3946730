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
