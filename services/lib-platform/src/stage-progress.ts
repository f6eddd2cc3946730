import { STAGE_NAMES, STAGES, type StageName, stageIndex, stagePercent } from "@clipzy/contracts";

/**
 * The progress throttle of one task. Each progress event is a state change of the job (a guarded
 * write, an event document and a broadcast), so only one the job can show is sent: a percent it
 * has not reached, below the stage's last (StageDone moves it on to the next stage's first), at
 * most once an interval. The first stage's 0 moves the job from queued to processing; a later
 * stage's 0 is where StageDone of the one before already put it, so its first report waits an
 * interval: a stage done within it (most are, but the analyses and the render) shows no progress
 * of its own. Returns the reporter handlers call with a fraction 0..1 of the stage.
 */
export function progressThrottle(
  stage: StageName,
  intervalMs: number,
  send: (fraction: number) => void,
  now: () => number = Date.now,
): (fraction: number) => void {
  const range = STAGES[stageIndex(stage)];
  let shown = stage === STAGE_NAMES[0] ? range.from - 1 : range.from;
  let lastAt = now();
  return (fraction) => {
    const f = Math.min(1, Math.max(0, fraction));
    const percent = stagePercent(stage, f);
    const at = now();
    if (percent <= shown || percent >= range.to || (at - lastAt < intervalMs && shown >= range.from)) return;
    shown = percent;
    lastAt = at;
    send(f);
  };
}
