import { routes, type StageName, stagePercent } from "@clipzy/contracts";
import { describe, expect, it } from "vitest";
import { sleep } from "../../../test/support/wait.js";
import { MemoryBroker } from "./broker/memory.js";
import { createLogger } from "./log.js";
import { decode, publish } from "./messaging.js";
import { type StageHandler, startStageWorker } from "./stage-worker.js";

/** What a job would show for each progress event a worker sends. */
async function progressShown(stage: StageName, handler: StageHandler, intervalMs: number) {
  const broker = new MemoryBroker();
  const shown: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  await broker.subscribe(routes.stageProgress.key, async (raw) => {
    const p = decode(routes.stageProgress, raw);
    shown.push(stagePercent(stage, p.fraction));
  });
  await broker.subscribe(routes.stageDone.key, async () => done());
  const worker = await startStageWorker({
    broker,
    stage,
    handler,
    log: createLogger("test", "silent"),
    progressIntervalMs: intervalMs,
  });
  await publish(broker, routes.stageTask(stage), { jobId: "job_000000000001", tenantId: "t", stage });
  await finished;
  await worker.stop();
  await broker.close();
  return shown;
}

describe("stage worker progress", () => {
  it("sends only percents the job can show: new ones, below the stage's last, at most once an interval", async () => {
    // 1,000 reports in ~200 ms: a 0..1 sweep across the rendering stage's 86..99
    const shown = await progressShown(
      "rendering",
      async (_task, ctx) => {
        for (let i = 0; i <= 1000; i++) {
          ctx.progress(i / 1000);
          if (i % 100 === 0) await sleep(20);
        }
        return "artifact";
      },
      50,
    );
    // not 86 (StageDone of the stage before put the job there), not 99 (StageDone moves it on)
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThanOrEqual(6); // ~200 ms at one per 50 ms
    expect(Math.min(...shown)).toBeGreaterThan(86);
    expect(Math.max(...shown)).toBeLessThan(99);
    expect([...shown].sort((a, b) => a - b)).toEqual(shown);
    expect(new Set(shown).size).toBe(shown.length);
  });

  it("reports the first stage's 0 at once (it moves a queued job to processing)", async () => {
    const shown = await progressShown("video_analysis", async () => "artifact", 1000);
    expect(shown).toEqual([1]);
  });

  it("a later stage done within one interval sends no progress (StageDone says it all)", async () => {
    const shown = await progressShown(
      "style_extraction",
      async (_task, ctx) => {
        ctx.progress(0.5);
        await sleep(50);
        ctx.progress(0.9);
        return "artifact";
      },
      1000,
    );
    expect(shown).toEqual([]);
  });
});
