/**
 * Distributed-mode scaling per core (prints figures; not a test):
 *   corepack pnpm exec tsc -b && corepack pnpm exec tsx bench/distributed.ts
 *   BENCH_JOBS (default 8 per run), BENCH_SECONDS (15), BENCH_SIZE (640x360), BENCH_QUALITY (medium),
 *   BENCH_SERVICE_CPUS (see below), BENCH_PROFILE=1 (CPU profiles of every service process to ./profiles)
 *
 * Every service its own process on RabbitMQ, FerretDB on PostgreSQL and MinIO (scripts/infra.mjs).
 * Each run submits BENCH_JOBS templated jobs at once; every job has a source of its own (distinct
 * generated footage, so the content-hash analysis cache never short-circuits a job's analyses),
 * all on one shared template (a product's usual case: many sources, one style), whose analysis
 * the warm-up job stores and every later job reuses. Two runs:
 * - one instance of each stage worker, all pinned to core 0 (`taskset -c 0`);
 * - then a second instance of each, pinned to core 1 (two instances per stage on two cores).
 * The other processes (gateway, jobs, upload, webhooks, RabbitMQ, FerretDB, PostgreSQL, MinIO and
 * this script) are on the same cores in both runs: with 3 or more CPUs, pinned to the CPUs from 2
 * up, away from the workers' cores; on a 2-core machine there is no core to spare, so they are
 * unpinned in both runs (pinning them to core 0 in both would take from the one-instance run's
 * only core and leave core 1 whole to the second instances, inflating the ratio). Unpinned, the
 * one-instance run has core 1 for them alone while the two-instance run shares both cores with
 * them, so the ratio is understated by their CPU, which is measured and printed per job.
 * BENCH_SERVICE_CPUS=<taskset list> overrides (e.g. "0-1" to state the 2-core default).
 *
 * Printed: jobs/min of each run (from submitting the first job to the last job's terminal event,
 * received on its event stream: no polling to round it or to load the engine) and their ratio,
 * beside the machine's own ceiling for it (two libx264 encodes on cores 0 and 1 against one);
 * the CPU each process group used per job in each run (/proc utime + stime of each process tree,
 * ffmpeg inside its worker's) and at rest; state changes and broker messages per job; where the
 * workers' threads ran (ffmpeg's threads follow its worker's mask: checked by reading every
 * thread's CPU while it runs, not assumed); the machine's load and the CPU other users took (a
 * CONTENDED line when they took more than 0.1 core: then the ratio is not the engine's); per
 * stage: CPU per task in each run, wall, queue wait, how busy its workers were and the throughput its CPU time
 * allows with N workers each on a core of its own; last, the ratio the measured CPU predicts for
 * an idle machine: with W the stages' CPU per job and O everyone else's on the same two cores,
 * 2W / (W + O) (the one-instance run is bound by core 0, the other by both cores shared with O).
 * Media are generated once and cached under .tmp/bench/distributed/.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
// @ts-expect-error: plain ESM script without type declarations
import { freePort } from "../scripts/infra.mjs";
import { STAGE_NAMES } from "../services/lib-contracts/src/stages.js";
import type { Proc } from "../test/support/cluster.js";
import { beatFrames, makeEditedClip, type Shot, shotLengths } from "../test/support/edit-media.js";
import { machineCeiling } from "./support/ceiling.js";
import { withDistributed } from "./support/distributed.js";
import {
  cpuTimes,
  descendants,
  emptyPlacement,
  loadAverage,
  observePlacement,
  type Placement,
  snapshot,
  treeSeconds,
} from "./support/proc-cpu.js";

const N = Number(process.env.BENCH_JOBS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const [W, H] = (process.env.BENCH_SIZE ?? "640x360").split("x").map(Number);
const QUALITY = process.env.BENCH_QUALITY ?? "medium";
const FPS = 30;
const PROFILE = process.env.BENCH_PROFILE
  ? ["--cpu-prof", `--cpu-prof-dir=${join(process.cwd(), "profiles")}`]
  : [];
const SERVICE_CPUS =
  process.env.BENCH_SERVICE_CPUS ?? (availableParallelism() >= 3 ? `2-${availableParallelism() - 1}` : null);
/** Whether the other processes may run on the workers' cores 0 and 1 (a taskset list like "0-1,3"). */
const SHARED = (() => {
  if (!SERVICE_CPUS) return true;
  const cpus = SERVICE_CPUS.split(",").flatMap((part) => {
    const [a, b = a] = part.split("-").map(Number);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
  return cpus.includes(0) || cpus.includes(1);
})();

// ---- media: a source per job (and one for the warm-up), one template --------------------------
const dir = join(".tmp", "bench", "distributed");
mkdirSync(dir, { recursive: true });

/** Source k: three shots of stills no other source uses, hard cuts, its own drum track and tempo. */
async function source(k: number): Promise<string> {
  const name = `source-${W}x${H}-${SECONDS}s-${k}.mp4`;
  const path = join(dir, name);
  if (existsSync(path)) return path;
  const total = SECONDS * FPS;
  const lengths = [Math.round(total * 0.3), Math.round(total * 0.45)];
  const shots: Shot[] = [...lengths, total - lengths[0] - lengths[1]].map((frames, i) => ({
    seed: 100 + 3 * k + i,
    frames,
  }));
  await makeEditedClip(dir, name, shots, { dissolveFrames: 0, bpm: 84 + 4 * (k % 9), seed: k, size: [W, H] });
  return path;
}

/** The template: dissolves on every 5th beat at 128 BPM, slow zooms on 2 of 5 shots (as bench/job.ts). */
async function template(): Promise<string> {
  const name = `template-${W}x${H}-${SECONDS}s.mp4`;
  const path = join(dir, name);
  if (existsSync(path)) return path;
  const total = SECONDS * FPS;
  const shots: Shot[] = shotLengths(beatFrames(128, 5, total - 20), total, 12).map((frames, k) => ({
    seed: 70 + (k % 9),
    frames,
    zoom: k % 5 === 1 || k % 5 === 3 ? 1.3 : undefined,
  }));
  await makeEditedClip(dir, name, shots, { dissolveFrames: 12, bpm: 128, size: [W, H] });
  return path;
}

const missing = [...Array(2 * N + 1).keys()].filter(
  (k) => !existsSync(join(dir, `source-${W}x${H}-${SECONDS}s-${k}.mp4`)),
).length;
if (missing)
  console.log(`generating ${missing} sources and the template under ${dir} (cached for next time) …`);
const templateFile = await template();
const sourceFiles: string[] = [];
for (let k = 0; k <= 2 * N; k++) sourceFiles.push(await source(k));

// ---- measuring --------------------------------------------------------------------------------
interface Run {
  label: string;
  cores: number;
  jobs: any[];
  /** From the first job's created_at to the last one's completed_at. */
  wallSeconds: number;
  jobsPerMinute: number;
  /** CPU seconds of each process group over the run. */
  cpu: Record<string, number>;
  /** CPU seconds of the machine's CPUs over the run (busy) and the run's length by /proc/stat. */
  machine: { busy: number; span: number }[];
  placement: Placement;
  /** Broker messages over the run, by routing key. */
  messages: Record<string, number>;
  /** Sequence number of each job's last recorded state change (how many it recorded). */
  stateChanges: number[];
  load: [string, string];
}

const pinTree = (pids: number[], cpus: string) => {
  for (const pid of descendants(snapshot(), pids))
    execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
};

await withDistributed(
  "distributed",
  async ({ cluster, docstore, serverPids }) => {
    const services = ["gateway", "jobs", "upload", "webhooks"];
    const groups: Record<string, () => number[]> = {
      ...Object.fromEntries(services.map((s) => [s, () => [cluster.procs.get(s)!.child.pid!]])),
      ...Object.fromEntries(Object.entries(serverPids).map(([name, pid]) => [name, () => [pid]])),
    };
    if (SERVICE_CPUS) {
      pinTree([process.pid, ...Object.values(groups).flatMap((g) => g())], SERVICE_CPUS);
    }
    const workers: Proc[] = [];
    const workerPids = () => workers.map((p) => p.child.pid!);
    const ops = async () => ({ METRICS_PORT: String(await freePort()) });
    const addWorkers = async (instance: number, core: string) => {
      for (const stage of STAGE_NAMES) workers.push(cluster.startWorker(stage, instance, await ops(), core));
      await cluster.ready();
    };

    const templateId = await cluster.upload(templateFile);
    const videoIds: string[] = [];
    for (const f of sourceFiles) videoIds.push(await cluster.upload(f));
    const submit = (videoId: string) =>
      cluster.createJob({ video_id: videoId, template_video_id: templateId, config: { quality: QUALITY } });
    /**
     * Waits on the job's event stream (pushed by the jobs service, no polling): it ends after the
     * terminal event. Returns the job, when the stream ended and the last event id, which is the
     * job's sequence number: how many state changes it recorded.
     */
    const finish = async (id: string) => {
      const text = await (await fetch(`${cluster.base}/api/v1/jobs/${id}/events`)).text();
      const endedAt = performance.now();
      const seq = Number([...text.matchAll(/^id: (\d+)$/gm)].at(-1)?.[1] ?? 0);
      // a stream cut short (a gateway hiccup) falls back to polling
      const job = (await cluster.poll(id, { intervalMs: 1000, timeoutMs: 1_800_000 })).at(-1);
      if (job.status !== "completed") throw new Error(`job did not complete: ${JSON.stringify(job)}`);
      return { job, endedAt, seq };
    };

    await addWorkers(1, "0");
    // Warm-up: one job through every process; stores the template's analysis.
    const warm = (await finish(await submit(videoIds[0]))).job;

    // What one status read costs the engine (what a client polling a job pays for each poll).
    const readCost = await (async () => {
      const reads = 100;
      const roots = Object.values(groups).flatMap((g) => g());
      const before = treeSeconds(snapshot(), roots);
      for (let i = 0; i < reads; i++) await cluster.api(`/api/v1/jobs/${warm.job_id}`);
      return (treeSeconds(snapshot(), roots) - before) / reads;
    })();

    const ceiling = await machineCeiling(sourceFiles[0]);

    // Every message on the exchange, counted by routing key.
    const tap = await cluster.tapMessages();
    const messages = tap.counts;
    const roots = { ...groups, "stage workers (ffmpeg included)": workerPids };
    const sample = () => {
      const snap = snapshot();
      return Object.fromEntries(Object.entries(roots).map(([name, g]) => [name, treeSeconds(snap, g())]));
    };
    // At rest (no job running): what every process costs per second whatever the load (timers,
    // heartbeats, sweeps), so the per-job figures can be read net of it.
    const rest = await (async () => {
      const seconds = 10;
      const before = sample();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const after = sample();
      return Object.fromEntries(Object.keys(before).map((k) => [k, (after[k] - before[k]) / seconds]));
    })();

    const run = async (label: string, cores: number, ids: string[]): Promise<Run> => {
      const load0 = loadAverage();
      const cpu0 = sample();
      const client0 = process.cpuUsage();
      const machine0 = cpuTimes();
      for (const k of Object.keys(messages)) delete messages[k];
      const placement = emptyPlacement();
      const watch = setInterval(() => observePlacement(workerPids(), placement), 500);
      const t0 = performance.now();
      let done: Awaited<ReturnType<typeof finish>>[];
      try {
        const created = await Promise.all(ids.map(submit));
        done = await Promise.all(created.map(finish));
      } finally {
        clearInterval(watch);
      }
      const cpu1 = sample();
      const client = process.cpuUsage(client0);
      const machine1 = cpuTimes();
      const counted = { ...messages };
      const cpu = Object.fromEntries(Object.keys(cpu0).map((k) => [k, cpu1[k] - cpu0[k]]));
      cpu["this script (streams, /proc reads)"] = (client.user + client.system) / 1e6;
      const jobs = done.map((d) => d.job);
      const wallSeconds = (Math.max(...done.map((d) => d.endedAt)) - t0) / 1000;
      return {
        label,
        cores,
        jobs,
        wallSeconds,
        jobsPerMinute: (ids.length / wallSeconds) * 60,
        cpu,
        machine: machine1.map((m, i) => ({
          busy: m.busy - machine0[i].busy,
          span: m.total - machine0[i].total,
        })),
        placement,
        load: [load0, loadAverage()],
        messages: counted,
        stateChanges: done.map((d) => d.seq),
      };
    };

    const one = await run("1 instance per stage, all on core 0", 1, videoIds.slice(1, N + 1));
    await addWorkers(2, "1");
    const two = await run("2 instances per stage, on cores 0 and 1", 2, videoIds.slice(N + 1));
    await tap.close();
    report(one, two, { docstore, readCost, warm, rest, ceiling });
  },
  { workers: 0, nodeArgs: PROFILE },
);

// ---- the report -------------------------------------------------------------------------------
function signedPercent(x: number): string {
  return `${x >= 0 ? "+" : ""}${(100 * x).toFixed(0)}%`;
}

function report(
  one: Run,
  two: Run,
  ctx: { docstore: string; readCost: number; warm: any; rest: Record<string, number>; ceiling: number },
) {
  const f1 = (n: number) => n.toFixed(1);
  const f2 = (n: number) => n.toFixed(2);
  const runs = [one, two];
  const perJob = (r: Run, k: string) => r.cpu[k] / r.jobs.length;
  const WORKERS = "stage workers (ffmpeg included)";
  const overheadKeys = Object.keys(one.cpu).filter((k) => k !== WORKERS);
  const overhead = (r: Run) => overheadKeys.reduce((s, k) => s + perJob(r, k), 0);
  const reused = (r: Run) =>
    r.jobs.flatMap((j) => j.analysis_reused.map((u: any) => `${u.stage}:${u.input}`));
  const sourcesReused = (r: Run) => reused(r).filter((u) => u.endsWith(":source")).length;

  console.log(
    `\ndistributed mode (${ctx.docstore}); per run ${N} jobs submitted at once, each a distinct ${SECONDS} s ${W}x${H} source ` +
      `on one shared ${SECONDS} s ${W}x${H} template, quality ${QUALITY}`,
  );
  console.log(
    `other services, servers and this script: ${SERVICE_CPUS ? `pinned to CPUs ${SERVICE_CPUS}` : "unpinned (2-core machine: no core to spare)"} in both runs`,
  );
  console.log(
    `analyses reused from the cache: sources ${sourcesReused(one)} + ${sourcesReused(two)} of ${2 * N} (must be 0), ` +
      `template ${reused(one).length - sourcesReused(one)} + ${reused(two).length - sourcesReused(two)} of ${2 * N} (stored by the warm-up job)\n`,
  );
  for (const r of runs) {
    console.log(
      `${r.label.padEnd(42)}: ${f1(r.jobsPerMinute)} jobs/min (${r.jobs.length} jobs in ${f1(r.wallSeconds)} s)`,
    );
  }
  console.log(
    `ratio ${f2(two.jobsPerMinute / one.jobsPerMinute)} (goal ≥ 1.7; at most 2 with the workers' cores doubled)`,
  );
  console.log(
    `the machine's own ceiling: two libx264 encodes pinned to cores 0 and 1 run ${f2(ctx.ceiling)}× the work of one on ` +
      "core 0 in the same wall time (3 interleaved rounds, medians, the engine at rest)\n",
  );

  console.log(
    "CPU seconds per job, by process group (/proc utime+stime of each process tree), and each group's CPU per\n" +
      "second at rest (no job running, 10 s before the runs; the 1-instance workers):",
  );
  const row = (cells: string[], first = 36) =>
    `  ${cells[0].padEnd(first)}${cells
      .slice(1)
      .map((x) => x.padStart(12))
      .join("")}`;
  const rest = (k: string) => ctx.rest[k]?.toFixed(3) ?? "";
  const restOverhead = overheadKeys.reduce((s, k) => s + (ctx.rest[k] ?? 0), 0);
  console.log(row(["", "1 instance", "2 instances", "at rest /s"]));
  for (const k of [WORKERS, ...overheadKeys])
    console.log(row([k, ...runs.map((r) => perJob(r, k).toFixed(3)), rest(k)]));
  console.log(
    row(["everything but the workers", ...runs.map((r) => overhead(r).toFixed(3)), restOverhead.toFixed(3)]),
  );
  console.log(
    row([
      "  of which at-rest cost over the run",
      ...runs.map((r) => ((restOverhead * r.wallSeconds) / r.jobs.length).toFixed(3)),
    ]),
  );
  const stageCpu = (r: Run) =>
    r.jobs.reduce(
      (s, j) =>
        s +
        j.stage_timings.reduce(
          (a: number, t: any) => a + (t.ffmpeg_cpu_seconds ?? 0) + t.worker_cpu_seconds,
          0,
        ),
      0,
    ) / r.jobs.length;
  console.log(
    row(["(workers, by the jobs' stage_timings)", ...runs.map((r) => stageCpu(r).toFixed(3))]) +
      "   the rest of the workers' CPU is their idle loops, heartbeats and metrics",
  );
  for (const r of runs) {
    const per = (n: number) => f1(n / r.jobs.length);
    const changes = r.stateChanges.reduce((a, b) => a + b, 0);
    console.log(
      `  ${r.label}: per job ${per(changes)} state changes recorded (each a guarded update, an event document and a ` +
        `broadcast); broker messages per job: ${Object.entries(r.messages)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `${k} ${per(v)}`)
          .join(", ")}`,
    );
  }
  console.log(
    `  a status read costs the engine ${(ctx.readCost * 1000).toFixed(1)} ms CPU (100 reads of a finished job); ` +
      "(this bench does not poll: it waits on each job's event stream)\n",
  );

  console.log("where the CPU went in each run (core-seconds per second of the run):");
  const others = runs.map((r) => {
    const workerCores = r.cpu[WORKERS] / r.wallSeconds;
    const overheadCores = (overhead(r) * r.jobs.length) / r.wallSeconds;
    const machineBusy = r.machine.reduce((s, m) => s + m.busy / m.span, 0);
    return {
      workerCores,
      overheadCores,
      machineBusy,
      others: Math.max(0, machineBusy - workerCores - overheadCores),
    };
  });
  runs.forEach((r, i) => {
    const { workerCores, overheadCores, machineBusy, others: theirs } = others[i];
    console.log(
      `  ${r.label}: workers ${f2(workerCores)} of their ${r.cores} pinned core(s), everything else of ours ${f2(overheadCores)}, ` +
        `other users of the machine ${f2(theirs)} (machine ${f2(machineBusy)} of ${r.machine.length} busy per /proc/stat; ` +
        `load average ${r.load[0]} → ${r.load[1]})`,
    );
  });
  const contended = others.some((o) => o.others > 0.1);
  if (contended) {
    console.log(
      `  CONTENDED: other processes on this machine took ${others.map((o) => f2(o.others)).join(" and ")} cores during ` +
        "the runs, from the same cores the workers are pinned to; the jobs/min ratio above is not the engine's. " +
        "Re-run on an idle machine; the CPU figures below hold either way.",
    );
  }
  for (const r of runs) {
    const ffmpeg = [...r.placement.processes.values()].filter((c) => c === "ffmpeg").length;
    console.log(
      `  pinning, ${r.label}: ${r.placement.processes.size} worker processes seen (${ffmpeg} ffmpeg runs), ` +
        `allowed CPUs ${[...r.placement.allowed].sort().join(" / ")}; running threads seen on CPU ${[...r.placement.ranOn].sort().join(", ")}`,
    );
  }

  const stages = STAGE_NAMES.map((stage) => {
    const of = (r: Run) =>
      r.jobs.map((j) => j.stage_timings.find((t: any) => t.stage === stage)).filter(Boolean);
    const mean = (ts: any[], g: (t: any) => number) => ts.reduce((s, t) => s + g(t), 0) / ts.length;
    const busy = (r: Run) =>
      of(r).reduce((s: number, t: any) => s + t.wall_seconds, 0) / (r.wallSeconds * r.cores);
    return {
      stage,
      cpu: mean(of(one), (t) => (t.ffmpeg_cpu_seconds ?? 0) + t.worker_cpu_seconds),
      cpu2: mean(of(two), (t) => (t.ffmpeg_cpu_seconds ?? 0) + t.worker_cpu_seconds),
      wall: runs.map((r) => mean(of(r), (t) => t.wall_seconds)),
      wait: runs.map((r) => mean(of(r), (t) => t.queue_wait_seconds)),
      busy: runs.map(busy),
    };
  });
  console.log(
    "\nper stage: mean CPU per task (ffmpeg + worker) in each run, wall and queue wait per task and how busy the\n" +
      "stage's workers were (Σ wall / run wall / instances) in each run, and the throughput its CPU time allows with N\n" +
      "workers each on a core of its own (60·N / CPU s per task of the 1-instance run):",
  );
  const head = [
    "stage",
    "CPU 1",
    "CPU 2",
    "wall 1",
    "wall 2",
    "wait 1",
    "wait 2",
    "busy 1",
    "busy 2",
    "N=1/min",
    "N=2",
    "N=4",
    "N=8",
  ];
  const cols = (c: string[]) =>
    `  ${c[0].padEnd(18)}${c
      .slice(1)
      .map((x) => x.padStart(8))
      .join("")}`;
  console.log(cols(head));
  for (const s of stages) {
    const per = (n: number) => (s.cpu > 0 ? ((60 * n) / s.cpu).toFixed(0) : "∞");
    const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
    console.log(
      cols([
        s.stage,
        f2(s.cpu),
        f2(s.cpu2),
        ...s.wall.map(f1),
        ...s.wait.map(f1),
        ...s.busy.map(pct),
        per(1),
        per(2),
        per(4),
        per(8),
      ]),
    );
  }
  const pipeline = stages.reduce((s, c) => s + c.cpu, 0);
  const bottleneck = stages.reduce((a, b) => (b.cpu > a.cpu ? b : a));
  const o = overhead(one);
  console.log(
    `\n  a job's stages take ${f2(pipeline)} CPU s (the slowest, ${bottleneck.stage}, ${f2(bottleneck.cpu)} s); everything else ` +
      `${f2(o)} CPU s per job. With N cores for the workers alone (the other processes elsewhere, as pods on other nodes): ` +
      `${f1(60 / pipeline)}·N jobs/min; with the other processes on the same N cores: ${f1(60 / (pipeline + o))}·N.`,
  );
  console.log(
    `  workers' CPU per job: ${f2(perJob(one, WORKERS))} s with one instance per stage, ${f2(perJob(two, WORKERS))} s with two ` +
      `(${signedPercent(perJob(two, WORKERS) / perJob(one, WORKERS) - 1)}; equal means a second instance adds no work per job, ` +
      "more means each task took more CPU with both cores busy: shared caches, or the host's scheduling of the cores)",
  );
  // The ratio these CPU figures predict for this bench's layout, each run from its own W (stages'
  // CPU per job) and O (everyone else's): one run's workers get at most core 0 (the rest runs on
  // core 1 while it has room), the other's share both cores with everything else.
  const [w1, w2] = runs.map(stageCpu);
  const [o1, o2] = runs.map(overhead);
  const predicted1 = SHARED ? Math.min(60 / w1, 120 / (w1 + o1)) : 60 / w1;
  const predicted2 = SHARED ? 120 / (w2 + o2) : 120 / w2;
  console.log(
    `  what those CPU figures predict on an idle machine for the two runs here: ${f1(predicted1)} and ${f1(predicted2)} jobs/min, ` +
      `ratio ${f2(predicted2 / predicted1)}` +
      (SHARED
        ? ` (2W/(W+O) with both runs' figures; ≥ 1.7 needs O ≤ ${f2((2 / 1.7 - 1) * w1)} CPU s per job, or the other processes on other cores)`
        : " (the other processes are off the workers' cores: the ratio can reach 2)"),
  );
  console.log(
    `  warm-up job (template analysed): ${ctx.warm.stage_timings.map((t: any) => `${t.stage} ${f1(t.wall_seconds)} s`).join(", ")}`,
  );
}
