/**
 * The closed loop's cost on the 60 s 1080p30 templated job of bench/job.ts (the same cached
 * media: a camera-like 1080p source with 100 BPM music, a 26-shot 1080p template with dissolves
 * and zooms; quality "high"): the loop's wall time (its low-resolution intermediate and its
 * proxy rounds, from artifacts/<job>/closed_loop.json) as a share of the job's processing time
 * (goal ≤ 15 %), and the first preview's time (artifacts/<job>/preview.mp4 appearing, polled
 * every 100 ms from the job's creation) as a share of it (goal ≤ 25 %).
 * Run (after bench/job.ts has generated the media once):
 *   corepack pnpm exec tsc -b && flock /tmp/clipzy-bench.lock corepack pnpm exec tsx bench/loop.ts
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { storageKeys } from "../services/lib-contracts/src/keys.js";
import { ClosedLoopArtifactSchema } from "../services/lib-models/src/closed-loop.js";
import { createJob, startEngineProcess, uploadVideo } from "./support/engine-process.js";
import { formatStageBreakdown } from "./support/stages.js";

const dir = ".tmp/bench";
const noise = Number(process.env.BENCH_NOISE ?? 5);
const source = join(dir, `job-source-camera${noise === 5 ? "" : `-noise${noise}`}-1080p30-60s.mp4`);
const template = join(dir, "job-template-1080p30-60s.mp4");
for (const f of [source, template])
  if (!existsSync(f))
    throw new Error(`${f} is missing: run bench/job.ts once, it generates and caches the media`);

const engine = await startEngineProcess();
try {
  const [videoId, templateId] = [
    await uploadVideo(engine.base, source),
    await uploadVideo(engine.base, template),
  ];
  const t0 = performance.now();
  const jobId = await createJob(engine.base, {
    video_id: videoId,
    template_video_id: templateId,
    config: { quality: "high" },
  });
  const storage = join(engine.dir, "data", "storage");
  let preview: number | null = null;
  let job: any;
  for (;;) {
    if (preview === null && existsSync(join(storage, storageKeys.preview(jobId))))
      preview = (performance.now() - t0) / 1000;
    const res = await fetch(`${engine.base}/api/v1/jobs/${jobId}`).catch((err) => {
      if (engine.child.exitCode !== null || engine.child.signalCode !== null)
        throw new Error(`engine exited (${engine.child.exitCode ?? engine.child.signalCode})`);
      return err as Error; // a reset connection: poll again
    });
    if (res instanceof Error) continue;
    job = (await res.json()).data;
    if (job.status === "completed") break;
    if (job.status !== "queued" && job.status !== "processing") throw new Error(`job ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const wall = (performance.now() - t0) / 1000;
  const result = (await (await fetch(`${engine.base}/api/v1/jobs/${jobId}/result`)).json()).data;
  const loop = ClosedLoopArtifactSchema.parse(
    JSON.parse(await readFile(join(storage, storageKeys.artifact(jobId, "closed_loop")), "utf8")),
  );
  const processing = result.processing_time_seconds as number;
  const f = result.fidelity;
  console.log(
    `rounds ${loop.rounds.length} (chosen ${loop.chosen}): ${loop.rounds.map((r) => `[${r.changed.join("; ") || "as planned"}] ${r.fields.filter((x) => x.verdict === "outside").length} outside, colour ${r.colour_share}`).join(" → ")}; ` +
      `final: ${f.summary.within} within, ${f.summary.outside} outside, ${f.summary.unreachable} unreachable`,
  );
  console.log(
    `loop ${loop.seconds.total.toFixed(2)} s (intermediate ${loop.seconds.intermediate.toFixed(2)} s) of the job's ${processing.toFixed(2)} s: ` +
      `${((100 * loop.seconds.total) / processing).toFixed(1)} % (goal ≤ 15 %)`,
  );
  console.log(
    `first preview after ${preview?.toFixed(2)} s of the job's ${wall.toFixed(2)} s (wall, from creation): ` +
      `${preview === null ? "never" : `${((100 * preview) / wall).toFixed(1)} %`} (goal ≤ 25 %)`,
  );
  console.log(formatStageBreakdown(job, {}));
} finally {
  await engine.stop();
}
