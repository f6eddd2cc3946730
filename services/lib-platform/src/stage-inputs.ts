import { type InputRole, inputShares, type StageName, storageKeys } from "@clipzy/contracts";
import type { StageTask, VideoRef } from "@clipzy/proto";
import type { z } from "zod";
import { readArtifact, writeJson } from "./artifacts.js";
import type { ObjectStore } from "./objectstore/port.js";
import { StageInputError } from "./stage-worker.js";

export type { InputRole };

export interface StageInput {
  role: InputRole;
  ref: VideoRef;
  /** Where this input's share of the stage's progress starts (0..1), and how wide it is. */
  from: number;
  span: number;
}

type TaskInputs = Pick<StageTask, "source" | "template" | "part">;

/**
 * The inputs the task analyses, sharing its progress by duration: its one input when it is a part
 * of the stage (`part`), else the source, then the template when there is one.
 */
export function stageInputs(task: TaskInputs): StageInput[] {
  const list: { role: InputRole; ref: VideoRef }[] = [];
  if (task.source && task.part !== "template") list.push({ role: "source", ref: task.source });
  if (task.template && task.part !== "source") list.push({ role: "template", ref: task.template });
  if (list.length === 0) throw new StageInputError(`the task has no ${task.part ?? "source"} to analyse`);
  const shares = inputShares(list[0].ref.durationSeconds, list[1]?.ref.durationSeconds ?? null);
  let from = 0;
  return list.map((x, i) => {
    const span = i === 0 ? shares.source : shares.template;
    const out = { ...x, from, span };
    from += span;
    return out;
  });
}

/**
 * Runs `work` on every input of the task side by side (a task without `input` that has a template
 * analyses both; the two decodes use two cores when there are), and stores each input's result as
 * its own artifact (storageKeys.inputArtifact), so the stages after it read the same artifacts
 * however the analysis was split into tasks. `progress` gets the inputs' combined fraction (each
 * input's own fraction, monotonic, weighted by its span), so it stays monotonic too. Returns the
 * key of the first artifact stored.
 */
export async function analyzeInputs<T>(
  store: ObjectStore,
  task: TaskInputs & Pick<StageTask, "jobId">,
  stage: StageName,
  progress: (fraction: number) => void,
  work: (input: StageInput, progress: (fraction: number) => void) => Promise<T>,
): Promise<string> {
  const inputs = stageInputs(task);
  const done = inputs.map(() => 0);
  const keys = await Promise.all(
    inputs.map(async (input, i) => {
      const value = await work(input, (f) => {
        done[i] = Math.max(done[i], Math.min(1, f));
        progress(inputs.reduce((s, x, j) => s + x.span * done[j], 0));
      });
      return writeJson(store, storageKeys.inputArtifact(task.jobId, stage, input.role), value);
    }),
  );
  return keys[0];
}

/**
 * The one way a stage reads an analysis stage's results: the source's artifact, and the
 * template's when the job has a template, each checked against `schema` (one input's entry).
 */
export async function readInputArtifacts<T>(
  store: ObjectStore,
  task: Pick<StageTask, "jobId" | "template">,
  stage: StageName,
  schema: z.ZodType<T>,
): Promise<{ source: T; template: T | null }> {
  const read = (role: InputRole) =>
    readArtifact(store, storageKeys.inputArtifact(task.jobId, stage, role), schema);
  const [source, template] = await Promise.all([read("source"), task.template ? read("template") : null]);
  return { source, template };
}

/** One input's result of an analysis stage (a stage analysing that input alone reads just it). */
export function readInputArtifact<T>(
  store: ObjectStore,
  jobId: string,
  stage: StageName,
  role: InputRole,
  schema: z.ZodType<T>,
): Promise<T> {
  return readArtifact(store, storageKeys.inputArtifact(jobId, stage, role), schema);
}
