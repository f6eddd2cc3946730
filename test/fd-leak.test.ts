import { readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";
import { sleep } from "./support/wait.js";

/** Descriptors this process (the engine runs in it) holds on files under `dir`. */
async function openFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
    if (target.startsWith(dir)) out.push(target);
  }
  return out;
}

/** Reads the response's first bytes, then hangs up, as a player seeking or a closed tab does. */
async function abandon(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  const reader = res.body!.getReader();
  await reader.read();
  await reader.cancel(); // closes the connection mid-body
  return res.status;
}

describe("downloads the client abandons close their file", () => {
  let engine: TestEngine;
  let base = "";
  let videoId = "";
  let jobId = "";

  beforeAll(async () => {
    engine = await startTestEngine();
    base = `http://127.0.0.1:${engine.port}`;
    const dir = await fixtureDir(engine.dataDir);
    const clip = await makeClip(join(dir, "a.mp4"), { seconds: 2, width: 320, height: 180 });
    videoId = (await engine.upload(clip)).body.data.video_id;
    jobId = (await engine.api("/api/v1/jobs", json({ video_id: videoId, config: { quality: "low" } }))).body
      .data.job_id;
    expect((await engine.waitFor(jobId)).status).toBe("completed");
  });
  afterAll(() => engine?.cleanup());

  it("leaves no descriptor open on the stored file (was left to garbage collection)", async () => {
    const storage = join(engine.dataDir, "storage");
    for (let i = 0; i < 15; i++) {
      expect(await abandon(`${base}/api/v1/jobs/${jobId}/output`)).toBe(200);
      expect(await abandon(`${base}/api/v1/jobs/${jobId}/output`, { range: "bytes=100-" })).toBe(206);
      expect(await abandon(`${base}/api/v1/videos/${videoId}/content`)).toBe(200);
    }
    await sleep(300);
    expect(await openFilesUnder(storage)).toEqual([]);
  });
});
