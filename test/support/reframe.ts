import { expect } from "vitest";
import { json, type TestEngine } from "./engine.js";

/**
 * A 9:16 reframing job on an uploaded video (style `aspect_ratio: "9:16"`, no cuts, low
 * quality), run to completion: the job's result. Shared by the subject-following tests.
 */
export async function reframeJob(engine: TestEngine, videoId: string, timeoutMs = 90_000): Promise<any> {
  const res = await engine.api(
    "/api/v1/jobs",
    json({
      video_id: videoId,
      config: { quality: "low", style_json: { version: "1.0", aspect_ratio: "9:16", cut_frequency: 0 } },
    }),
  );
  expect(res.status).toBe(200);
  const done = await engine.waitFor(res.body.data.job_id, undefined, timeoutMs);
  expect(done.status).toBe("completed");
  return (await engine.api(`/api/v1/jobs/${done.job_id}/result`)).body.data;
}
