import type { DescMessage } from "@bufbuild/protobuf";
import {
  JobCancelledSchema,
  JobChangedSchema,
  JobTerminalSchema,
  StageDoneSchema,
  StageFailedSchema,
  StageProgressSchema,
  StageTaskSchema,
} from "@clipzy/proto";
import { STAGE_NAMES, type StageName } from "./stages.js";

/** A routing key on the topic exchange and the protobuf message it carries. */
export interface Route<S extends DescMessage = DescMessage> {
  readonly key: string;
  readonly schema: S;
}

export const EXCHANGE = "clipzy";

const route = <S extends DescMessage>(key: string, schema: S): Route<S> => ({ key, schema });

export const routes = {
  stageTask: (stage: StageName) => route(`stage.${stage}`, StageTaskSchema),
  stageProgress: route("job.stage_progress", StageProgressSchema),
  stageDone: route("job.stage_done", StageDoneSchema),
  stageFailed: route("job.stage_failed", StageFailedSchema),
  jobTerminal: route("job.terminal", JobTerminalSchema),
  jobCancelled: route("job.cancelled", JobCancelledSchema),
  jobChanged: route("job.changed", JobChangedSchema),
} as const;

/** Durable queues and the routing keys bound to each. */
export const queues = {
  stage: (stage: StageName) => ({ name: `stage.${stage}`, bindings: [`stage.${stage}`] }),
  jobEvents: {
    name: "jobs.events",
    bindings: [routes.stageProgress.key, routes.stageDone.key, routes.stageFailed.key],
  },
  webhookEvents: { name: "webhooks.terminal", bindings: [routes.jobTerminal.key] },
} as const;

export const ALL_STAGE_QUEUES = STAGE_NAMES.map((s) => queues.stage(s));
