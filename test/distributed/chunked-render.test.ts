/**
 * A chunked render in distributed mode, on real processes and servers: two renderer instances
 * share the rendering queue's chunk tasks; one is killed with SIGKILL while it renders a chunk; its
 * chunk is redelivered to the other, and the job completes with the edit's exact frame count.
 */

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseRenderPart, storageKeys } from "@clipzy/contracts";
import { connectObjectStore } from "@clipzy/platform/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, WORKER_OF } from "../support/cluster.js";
import { makeClip, probe } from "../support/media.js";

let cluster: Cluster;
const RENDERER = WORKER_OF.rendering;

beforeAll(async () => {
  // 1 s chunks: a 6 s edit renders as 6 chunks
  cluster = await Cluster.start({ env: { RENDER_CHUNK_SECONDS: "1" } });
  cluster.startWorker("rendering", 2);
  await cluster.ready();
});

afterAll(async () => {
  await cluster?.stop();
});

/** The chunk tasks a renderer instance has started and not finished, from its log. */
async function chunkInFlight(name: string, jobId: string): Promise<string | null> {
  const lines = (await cluster.logLines(name)).filter((l) => l.job_id === jobId && l.part);
  const started = lines.filter((l) => l.msg === "stage started").map((l) => l.part as string);
  const done = new Set(lines.filter((l) => l.msg === "stage done").map((l) => l.part as string));
  return started.find((p) => !done.has(p) && parseRenderPart(p)?.kind === "chunk") ?? null;
}

describe("chunked rendering, distributed", () => {
  it("spreads the chunks over two renderers; one killed mid-chunk, the job completes with the exact frame count", async () => {
    const clip = await makeClip(join(cluster.dir, "six.mp4"), { seconds: 6, width: 320, height: 180 });
    const videoId = await cluster.upload(clip);
    const jobId = await cluster.createJob({ video_id: videoId, config: { quality: "high" } });
    let killed: string | null = null;
    const states = await cluster.poll(jobId, {
      intervalMs: 20,
      onState: async (j) => {
        if (killed || j.current_stage !== "rendering") return;
        const part = await chunkInFlight(`${RENDERER}-1`, jobId);
        if (!part) return;
        killed = part;
        await cluster.kill(`${RENDERER}-1`, "SIGKILL");
      },
    });
    const final = states.at(-1);
    expect(killed, "a renderer was killed while it rendered a chunk").toBeTruthy();
    expect(final.status, JSON.stringify(final)).toBe("completed");
    const progress = states.map((s) => s.progress_percent);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    const done = (await cluster.stageDone()).filter((d) => d.job === jobId && d.stage === "rendering");
    const parts = done.map((d) => d.part ?? "whole");
    const count = parseRenderPart(parts[0])?.count ?? 0;
    expect(count).toBeGreaterThanOrEqual(5);
    // every chunk and the join done; the killed renderer's chunk by the other one
    expect(new Set(parts).size).toBe(count + 1);
    expect(done.find((d) => d.part === killed)?.worker).toBe(`${RENDERER}-2`);

    const store = await connectObjectStore(cluster.env.OBJECT_STORE_URL);
    const edl = JSON.parse(
      (await store.getBytes(storageKeys.artifact(jobId, "style_application"))).toString(),
    );
    const out = join(cluster.dir, "chunked.mp4");
    await writeFile(out, await store.getBytes(storageKeys.output(jobId)));
    const p = await probe(out);
    expect(p.frames).toBe(edl.output.frames);
    expect(p.duration).toBeCloseTo(edl.output.frames / edl.fps, 1);
  });
});
