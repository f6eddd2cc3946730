import { join } from "node:path";
import { runTool } from "@clipzy/platform/process";
import type { StageHandler } from "@clipzy/platform/stage-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";
import { sleep } from "./support/wait.js";

/** A real stage handler that crashes once in the middle of its work. */
describe("a stage that crashes mid-stage", () => {
  let engine: TestEngine;
  const attempts: number[] = [];

  beforeAll(async () => {
    engine = await startTestEngine(
      {},
      {
        wrapHandler: (stage, handler): StageHandler =>
          stage !== "motion_analysis"
            ? handler
            : async (task, ctx) => {
                attempts.push(ctx.attempt);
                if (ctx.attempt === 0) {
                  // past the first progress interval (1 s): a later stage's first report waits that long
                  await sleep(1100);
                  ctx.progress(0.6);
                  await sleep(300);
                  throw new Error("simulated crash in the middle of motion analysis");
                }
                return handler(task, ctx);
              },
      },
    );
  });
  afterAll(() => engine?.cleanup());

  it("is redelivered and the job still completes, progress never going back", async () => {
    const dir = await fixtureDir(engine.dataDir);
    const videoId = (await engine.upload(await makeClip(join(dir, "a.mp4"), { seconds: 3 }))).body.data
      .video_id;
    const job = (await engine.api("/api/v1/jobs", json({ video_id: videoId }))).body.data;
    const seen = await engine.poll(job.job_id, 20);
    expect(seen.at(-1).status).toBe("completed");
    expect(attempts).toEqual([0, 1]);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i].progress_percent).toBeGreaterThanOrEqual(seen[i - 1].progress_percent);
    const motion = seen.filter((s) => s.current_stage === "motion_analysis").map((s) => s.progress_percent);
    expect(Math.max(...motion)).toBeGreaterThanOrEqual(47); // the crashed attempt's 60% was reported and kept
  });
});

describe("a stage that keeps failing in ffmpeg", () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine(
      { STAGE_MAX_DELIVERIES: "2" },
      {
        wrapHandler: (stage, handler): StageHandler =>
          stage !== "rendering"
            ? handler
            : async () => {
                // a real ffmpeg failure, with its real stderr
                await runTool("ffmpeg", ["-v", "error", "-i", "/nonexistent/input.mp4", "-f", "null", "-"]);
                return "never";
              },
      },
    );
  });
  afterAll(() => engine?.cleanup());

  it("fails the job with a sentence for the user; ffmpeg's output is not in it", async () => {
    const dir = await fixtureDir(engine.dataDir);
    const videoId = (await engine.upload(await makeClip(join(dir, "a.mp4"), { seconds: 2 }))).body.data
      .video_id;
    const job = (await engine.api("/api/v1/jobs", json({ video_id: videoId, config: { quality: "low" } })))
      .body.data;
    const seen = await engine.poll(job.job_id, 100);
    const last = seen.at(-1);
    expect(last.status).toBe("failed");
    expect(last.error).toEqual({
      stage: "rendering",
      message:
        "The rendering failed 2 times (ffmpeg could not process the media) and was stopped; the details are in the engine's logs.",
    });
    expect(last.error.message).not.toMatch(/nonexistent|No such file|exited/);
  });
});
