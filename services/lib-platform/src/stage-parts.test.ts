import { STAGES, type StageName, stagePercent } from "@clipzy/contracts";
import { describe, expect, it } from "vitest";
import { ProcessError } from "./process.js";
import { CancelRegistry } from "./stage-cancel.js";
import { failureMessage, failureOutcome, StageInputError, TaskReleased } from "./stage-failure.js";
import { progressThrottle } from "./stage-progress.js";
import { startTiming } from "./stage-timing.js";

/** A throttle on a clock the test moves; returns the percents sent. */
function throttled(stage: StageName, intervalMs: number) {
  let t = 1000;
  const sent: number[] = [];
  const report = progressThrottle(
    stage,
    intervalMs,
    (f) => sent.push(stagePercent(stage, f)),
    () => t,
  );
  return { report, sent, advance: (ms: number) => (t += ms) };
}

describe("progress throttle", () => {
  it("sends the first stage's 0 at once, then new percents at most once an interval", () => {
    const p = throttled("video_analysis", 100);
    p.report(0);
    expect(p.sent).toEqual([1]);
    p.report(0.5); // within the interval
    p.advance(100);
    p.report(0.5);
    p.report(0.6); // same interval again
    p.advance(100);
    p.report(0.4); // backward: never
    expect(p.sent).toEqual([1, stagePercent("video_analysis", 0.5)]);
  });

  it("never sends a later stage's 0 or its last percent, and clamps fractions", () => {
    const range = STAGES.find((s) => s.name === "rendering")!;
    const p = throttled("rendering", 100);
    p.report(0);
    p.advance(100);
    p.report(-3); // clamped to 0: where the job already is
    p.report(7); // clamped to 1: the stage's last, which StageDone shows
    expect(p.sent).toEqual([]);
    p.report(0.5);
    expect(p.sent).toEqual([stagePercent("rendering", 0.5)]);
    expect(p.sent[0]).toBeGreaterThan(range.from);
    expect(p.sent[0]).toBeLessThan(range.to);
  });
});

describe("cancel registry", () => {
  it("aborts a cancelled job's running tasks (both parts), and only that job's", () => {
    const r = new CancelRegistry();
    const a1 = r.start("job_a");
    const a2 = r.start("job_a");
    const b = r.start("job_b");
    expect(r.size).toBe(3);
    r.cancel("job_a");
    expect([a1.controller.signal.aborted, a2.controller.signal.aborted, b.controller.signal.aborted]).toEqual(
      [true, true, false],
    );
    expect(r.isCancelled("job_a")).toBe(true);
    expect(r.isCancelled("job_b")).toBe(false);
    a1.done();
    a2.done();
    b.done();
    expect(r.size).toBe(0);
  });

  it("remembers a bounded number of cancelled jobs, forgetting the oldest", () => {
    const r = new CancelRegistry(2);
    for (const id of ["j1", "j2", "j3"]) r.cancel(id);
    expect(["j1", "j2", "j3"].map((id) => r.isCancelled(id))).toEqual([false, true, true]);
  });

  it("aborts every running task with the reason given (a stopping worker releases them)", () => {
    const r = new CancelRegistry();
    const tasks = [r.start("x"), r.start("y")];
    const reason = new TaskReleased();
    r.abortAll(reason);
    expect(tasks.map((t) => t.controller.signal.reason)).toEqual([reason, reason]);
  });
});

describe("stage timing", () => {
  it("reports wall time, the queue wait from the publish header, tools and CPU", () => {
    let now = 10_000;
    const clock = {
      now: () => now,
      cpuUsage: (since?: NodeJS.CpuUsage) =>
        since
          ? { user: 300_000 - since.user, system: 200_000 - since.system }
          : { user: 100_000, system: 50_000 },
    };
    const t = startTiming(7_500, clock);
    t.tools.runs = 2;
    t.tools.wallMs = 1500;
    t.tools.cpuMs = 2500;
    now += 4_000;
    expect(t.finish()).toEqual({
      wallSeconds: 4,
      queueWaitSeconds: 2.5,
      ffmpegRuns: 2,
      ffmpegSeconds: 1.5,
      ffmpegCpuSeconds: 2.5,
      workerCpuSeconds: 0.35,
    });
  });

  it("has no queue wait without a publish time, nor tool CPU where it is unknown", () => {
    const t = startTiming(Number.NaN);
    t.tools.cpuMs = null;
    const timing = t.finish();
    expect(timing.queueWaitSeconds).toBe(0);
    expect(timing.ffmpegCpuSeconds).toBeUndefined();
    expect(timing.wallSeconds).toBeGreaterThanOrEqual(0);
  });
});

describe("failure policy", () => {
  const task = (over: Partial<Parameters<typeof failureOutcome>[1]> = {}) => ({
    stage: "rendering" as const,
    signal: new AbortController().signal,
    deliveryCount: 0,
    maxDeliveries: 3,
    ...over,
  });
  const aborted = (reason: unknown) => {
    const ac = new AbortController();
    ac.abort(reason);
    return ac.signal;
  };

  it("releases a task its stopping worker aborted, and ends a cancelled job's quietly", () => {
    expect(failureOutcome(new Error("x"), task({ signal: aborted(new TaskReleased()) }))).toEqual({
      kind: "release",
    });
    expect(failureOutcome(new Error("x"), task({ signal: aborted(new Error("job cancelled")) }))).toEqual({
      kind: "cancelled",
    });
  });

  it("fails bad input at once with its own sentence", () => {
    expect(failureOutcome(new StageInputError("the video has no frames"), task())).toEqual({
      kind: "failed",
      message: "the video has no frames",
    });
  });

  it("retries anything else until the last allowed delivery, which fails the stage without its details", () => {
    const err = new ProcessError("/usr/bin/ffmpeg", 1, "secret path /data/x.mp4");
    expect(failureOutcome(err, task({ deliveryCount: 1 }))).toEqual({ kind: "retry" });
    const last = failureOutcome(err, task({ deliveryCount: 2 }));
    expect(last).toEqual({ kind: "failed", message: failureMessage("rendering", 3, err) });
    expect(last.kind === "failed" && last.message).toBe(
      "The rendering failed 3 times (ffmpeg could not process the media) and was stopped; the details are in the engine's logs.",
    );
    expect(failureMessage("video_analysis", 1, new Error("bug"))).toContain(
      "failed once (an internal error)",
    );
  });
});
