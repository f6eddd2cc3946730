import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type StageHandler, StageInputError } from "@clipzy/platform/stage-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip, probe } from "./support/media.js";
import { previewHooks, storedPreview } from "./support/preview.js";
import { closedPort, startHoldingProxy } from "./support/proxy.js";
import { sleep, waitFor } from "./support/wait.js";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "services/cli/bin/clipzy.js");

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it (`npx clipzy …` from the repository root, or its bin directly). */
function start(args: string[], env: Record<string, string>, how: "npx" | "bin" = "bin"): ChildProcess {
  const [cmd, argv] = how === "npx" ? ["npx", ["clipzy", ...args]] : [process.execPath, [BIN, ...args]];
  const { CLIPZY_TOKEN: _t, CLIPZY_URL: _u, ...rest } = process.env;
  return spawn(cmd, argv, { cwd: ROOT, env: { ...rest, ...env }, stdio: ["pipe", "pipe", "pipe"] });
}

function collect(child: ChildProcess): Promise<Ran> & { stderrSoFar(): string } {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c) => {
    stdout += c;
  });
  child.stderr!.on("data", (c) => {
    stderr += c;
  });
  const done = new Promise<Ran>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return Object.assign(done, { stderrSoFar: () => stderr });
}

describe("the clipzy CLI against the embedded engine", () => {
  let engine: TestEngine;
  let dir = "";
  let home = "";
  let source = "";
  let template = "";
  let failStyleApplication = false;
  /** The job of the first `clipzy run`, exported by `clipzy jobs export`. */
  let runJobId = "";
  /** While set, style_application waits for it: a job that stays running as long as a test needs. */
  let hold: Promise<void> | undefined;
  /** While set, the final encode (rendering) of each job waits for it: the preview exists, the job runs. */
  let beforeRender: ((jobId: string) => Promise<void>) | undefined;
  const env = () => ({ CLIPZY_URL: `http://127.0.0.1:${engine.port}`, HOME: home, XDG_STATE_HOME: "" });
  const clipzy = (args: string[], how: "npx" | "bin" = "bin", extra: Record<string, string> = {}) =>
    collect(start(args, { ...env(), ...extra }, how));

  beforeAll(async () => {
    // a templated job's closed loop stores its early preview during style_application
    const preview = previewHooks({
      beforeRender: (jobId) => beforeRender?.(jobId),
    }).wrapHandler!;
    engine = await startTestEngine(
      {},
      {
        wrapHandler: (stage, handler): StageHandler =>
          preview(
            stage,
            stage !== "style_application"
              ? handler
              : async (task, ctx) => {
                  if (failStyleApplication) throw new StageInputError("simulated: this edit cannot be made");
                  await hold;
                  return handler(task, ctx);
                },
          ),
      },
    );
    dir = await fixtureDir(engine.dataDir);
    home = await mkdtemp(join(tmpdir(), "clipzy-cli-home-"));
    source = await makeClip(join(dir, "source.mp4"), { seconds: 3 });
    template = await makeClip(join(dir, "template.mp4"), {
      seconds: 3,
      source: "testsrc2=size=320x180:rate=25,hue=h=40:s=1.6,eq=contrast=1.3",
    });
  });
  afterAll(async () => {
    await engine?.cleanup();
    await rm(home, { recursive: true, force: true });
  });

  it("`npx clipzy run` uploads, follows the stages, downloads a playable output and summarises the Style DNA", async () => {
    const out = join(dir, "out.mp4");
    const timeline = join(dir, "out.fcpxml");
    const r = await clipzy(
      [
        "run",
        source,
        "--template",
        template,
        "--quality",
        "low",
        "--duration",
        "2",
        "--out",
        out,
        "--timeline",
        timeline,
      ],
      "npx",
    );
    expect(r.code, r.stderr).toBe(0);
    // --timeline: the edit as FCPXML (the format from the extension), a 2 s sequence
    expect(r.stdout).toContain(`timeline: ${timeline} (fcpxml)`);
    runJobId = /job (job_\w+) in/.exec(r.stdout)?.[1] ?? "";
    const xml = await readFile(timeline, "utf8");
    expect(xml).toContain(`<fcpxml version="1.8">`);
    expect(xml).toMatch(/<sequence format="r1" duration="2s"/);
    expect(r.stderr).toMatch(/source: .* sent in .* \(.*\/s\)/);
    expect(r.stderr).toMatch(/template: .* sent in/);
    for (const stage of ["video_analysis", "audio_analysis", "style_extraction", "rendering"])
      expect(r.stderr).toContain(`✓ ${stage}`);
    expect(r.stdout).toContain(`output: ${out}`);
    expect(r.stdout).toMatch(/Style DNA \(confidence [\d.]+\)/);
    expect(r.stdout).toMatch(/rhythm\s+[\d.]+ BPM|rhythm\s+no tempo/);
    const p = await probe(out);
    expect(p.codec).toBe("h264");
    expect(p.frames).toBeGreaterThan(25);
    // --duration 2 → config.duration_seconds: a 2 s highlight edit of the 3 s source
    expect(p.duration).toBeGreaterThan(1.8);
    expect(p.duration).toBeLessThan(2.3);
    expect(r.stdout).toMatch(/^edit: 2\.0 s, \d+ cuts/m);
  });

  it("`clipzy style --json` prints the StyleJSON raw, and text by default", async () => {
    const r = await clipzy(["style", template, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(""); // --json: nothing but the JSON
    const style = JSON.parse(r.stdout);
    expect(style.version).toBe("1.0");
    expect(Array.isArray(style.detected_beats)).toBe(true);
    expect(style.color_grade.saturation).toBeGreaterThan(0);
    const text = await clipzy(["style", template]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/colour\s+temperature [+-]?\d+/);
  });

  it("jobs, videos and webhooks commands answer in text and --json", async () => {
    const list = await clipzy(["jobs", "list", "--json"]);
    expect(list.code).toBe(0);
    const jobs = JSON.parse(list.stdout);
    expect(jobs.total).toBeGreaterThan(0);
    const id = jobs.jobs[0].job_id;
    const get = await clipzy(["jobs", "get", id]);
    expect(get.stdout).toMatch(new RegExp(`job\\s+${id}`));
    const result = await clipzy(["--json", "jobs", "result", id]);
    expect(JSON.parse(result.stdout).style_json.version).toBe("1.0");
    const watch = await clipzy(["jobs", "watch", id, "--json"]);
    expect(JSON.parse(watch.stdout).status).toBe("completed");
    const videos = JSON.parse((await clipzy(["videos", "list", "--json"])).stdout);
    expect(videos.videos.length).toBeGreaterThan(0);
    const v = await clipzy(["videos", "get", videos.videos[0].video_id]);
    expect(v.stdout).toMatch(/picture\s+320x180/);
    const secret = await clipzy(["webhooks", "secret"]);
    expect(secret.stdout).toMatch(/^whsec_\S+ {2}\(current\)$/m);
    const deliveries = await clipzy(["webhooks", "deliveries", id]);
    expect(deliveries.stdout).toContain(`no deliveries for ${id}`);
    // the API's own message for an API refusal, exit 1
    const cancel = await clipzy(["jobs", "cancel", id]);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/^clipzy: .*(completed|terminal).*/m);
    const gone = await clipzy(["jobs", "get", "job_doesnotexist1"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("job_doesnotexist1");
  });

  it("`clipzy jobs export` writes the job's edit as OTIO, FCPXML or an EDL; a bad format is a usage error", async () => {
    const id = runJobId;
    expect(id).toMatch(/^job_/);
    const otio = join(dir, "export.otio");
    const r = await clipzy(["jobs", "export", id, "--format", "otio", "--out", otio]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^timeline: ${otio} \\(otio, [\\d.]+ \\w?B\\)`));
    const timeline = JSON.parse(await readFile(otio, "utf8"));
    expect(timeline.OTIO_SCHEMA).toBe("Timeline.1");
    expect(timeline.name).toBe(id);
    const edl = join(dir, "export.edl");
    const e = await clipzy(["--json", "jobs", "export", id, "--format", "edl", "--out", edl]);
    expect(JSON.parse(e.stdout)).toMatchObject({ job_id: id, format: "edl", file: edl });
    expect(await readFile(edl, "utf8")).toMatch(/^TITLE: job_\w+\nFCM: NON-DROP FRAME\n\n001 {2}AX/);
    const bad = await clipzy(["jobs", "export", id, "--format", "xyz"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("otio, fcpxml, edl");
    const missing = await clipzy(["jobs", "export", id]);
    expect(missing.code).toBe(2);
    const ext = await clipzy(["run", source, "--timeline", join(dir, "edit.mov")]);
    expect(ext.code).toBe(2);
    expect(ext.stderr).toContain("the format comes from the extension");
    // the API's refusal, exit 1
    const gone = await clipzy(["jobs", "export", "job_doesnotexist1", "--format", "otio"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("job_doesnotexist1");
  });

  it("`clipzy run --preview` saves the preview while the job runs, then the job goes on to its output", async () => {
    const saved = join(dir, "early.preview.mp4");
    const out = join(dir, "with-preview.mp4");
    let renderingJob = "";
    // the final encode waits until the CLI has saved the preview: it was saved while the job ran
    beforeRender = async (jobId) => {
      renderingJob = jobId;
      await waitFor(
        "the CLI to save the preview",
        () =>
          stat(saved).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 60_000 },
      );
    };
    try {
      const r = await clipzy([
        "run",
        source,
        "--template",
        template,
        "--quality",
        "low",
        "--out",
        out,
        "--preview",
        saved,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const jobId = /job (job_\w+) in/.exec(r.stdout)![1];
      expect(jobId).toBe(renderingJob);
      // noted before rendering ended, then the job went on
      const note = r.stderr.indexOf(`preview: ${saved}`);
      expect(note, r.stderr).toBeGreaterThan(-1);
      expect(r.stderr.slice(note)).toMatch(/while the job runs; the final encode goes on[\s\S]*✓ rendering/);
      expect(r.stdout).toMatch(
        new RegExp(`^preview: ${saved} \\([\\d.]+ \\w?B, saved while the job ran\\)$`, "m"),
      );
      const stored = await storedPreview(engine.dataDir, jobId);
      expect(stored).not.toBeNull();
      expect((await readFile(saved)).equals(stored!)).toBe(true);
      expect(await stat(`${saved}.part`).catch(() => null)).toBeNull();
      expect((await probe(out)).frames).toBeGreaterThan(25);

      // `clipzy jobs preview` saves it again, after the job (--json says where)
      const again = join(dir, "again.preview.mp4");
      const j = await clipzy(["--json", "jobs", "preview", jobId, "--out", again]);
      expect(j.code, j.stderr).toBe(0);
      expect(JSON.parse(j.stdout)).toEqual({ job_id: jobId, file: again, bytes: stored!.length });
      expect((await readFile(again)).equals(stored!)).toBe(true);
    } finally {
      beforeRender = undefined;
    }
  });

  it("a job that completes without a preview: the output is written, then the engine's reason and exit 1", async () => {
    const saved = join(dir, "none.preview.mp4");
    const out = join(dir, "without-preview.mp4");
    // no template: nothing for the closed loop to correct, so no proxy is rendered
    beforeRender = async (jobId) => {
      expect(await storedPreview(engine.dataDir, jobId)).toBeNull();
    };
    try {
      const r = await clipzy(["run", source, "--quality", "low", "--out", out, "--preview", saved]);
      expect(r.code, r.stderr).toBe(1);
      const jobId = /job (job_\w+) in/.exec(r.stdout)![1];
      expect(r.stdout).toContain(`output: ${out}`);
      expect(r.stderr).toContain(
        `clipzy: no preview: job ${jobId} completed without a preview; its output is at GET /jobs/${jobId}/output`,
      );
      expect(await stat(saved).catch(() => null)).toBeNull();
      expect((await probe(out)).frames).toBeGreaterThan(25);
      const direct = await clipzy(["jobs", "preview", jobId]);
      expect(direct.code).toBe(1);
      expect(direct.stderr).toContain(`clipzy: no preview: job ${jobId} completed without a preview`);
    } finally {
      beforeRender = undefined;
    }
    // a style_only job renders no video: the engine says so, exit 1
    const videoId = (await engine.api("/api/v1/videos")).body.videos[0].video_id;
    const styleOnly = await engine.api(
      "/api/v1/jobs",
      json({ video_id: videoId, config: { mode: "style_only" } }),
    );
    const none = await clipzy(["jobs", "preview", styleOnly.body.data.job_id]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^clipzy: no preview: job job_\w+ is a style_only job: .* renders no video/m);
  });

  it("a failed job exits with its own code and the job's error", async () => {
    failStyleApplication = true;
    try {
      const r = await clipzy(["run", source, "--out", join(dir, "never.mp4")]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/clipzy: job job_\w+ failed at style_application: .*cannot be made/);
    } finally {
      failStyleApplication = false;
    }
  });

  it("bad input gets a clear message: a missing file, an unreachable engine, usage errors", async () => {
    const missing = await clipzy(["run", join(dir, "nope.mp4")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`clipzy: cannot read ${join(dir, "nope.mp4")}: no such file`);
    const port = await closedPort();
    const down = await clipzy(["jobs", "list", "--url", `http://127.0.0.1:${port}`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the engine at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(down.stderr).toContain("hint: is the engine running?");
    const usage = await clipzy(["run"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'source'");
    const bogus = await clipzy(["jobs", "list", "--page", "zero"]);
    expect(bogus.code).toBe(2);
    const help = await clipzy(["jobs", "watch", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: clipzy jobs watch");
  });

  it("Ctrl-C while the job runs cancels it (no terminal: without asking) and exits 130", async () => {
    const child = start(["run", source, "--out", join(dir, "interrupted.mp4")], env());
    const r = collect(child);
    await waitFor("the job queued", () => /job (job_\w+) queued/.test(r.stderrSoFar()));
    const jobId = /job (job_\w+) queued/.exec(r.stderrSoFar())![1];
    child.kill("SIGINT");
    const done = await r;
    expect(done.code, done.stderr).toBe(130);
    expect(done.stderr).toContain(`clipzy: cancelled job ${jobId}`);
    expect((await engine.api(`/api/v1/jobs/${jobId}`)).body.data.status).toBe("cancelled");
  });

  it("Ctrl-C on a terminal asks first: N goes on, y cancels (exit 130)", async () => {
    // a real pseudo-terminal (util-linux `script`): Ctrl-C is the byte 0x03 typed on it
    let release = () => {};
    hold = new Promise<void>((r) => {
      release = r;
    });
    try {
      const cmd = `${process.execPath} ${BIN} run ${source} --out ${join(dir, "tty.mp4")}`;
      const child = spawn("script", ["-qfec", cmd, "/dev/null"], {
        env: { ...process.env, ...env(), CLIPZY_TOKEN: "" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      child.stdout!.on("data", (c) => {
        out += c;
      });
      const closed = new Promise<number | null>((r) => child.on("close", r));
      const prompts = () => out.split("? [y/N]").length - 1;
      await waitFor("the job queued", () => /job (job_\w+) queued/.test(out));
      const jobId = /job (job_\w+) queued/.exec(out)![1];
      child.stdin!.write("\x03");
      await waitFor("the first prompt", () => prompts() === 1);
      child.stdin!.write("n\r"); // keep going
      await sleep(300);
      expect((await engine.api(`/api/v1/jobs/${jobId}`)).body.data.status).not.toBe("cancelled");
      child.stdin!.write("\x03");
      await waitFor("the second prompt", () => prompts() === 2);
      child.stdin!.write("y\r");
      const code = await closed;
      expect(code, out).toBe(130);
      expect(out).toContain(`Cancel job ${jobId}? [y/N]`);
      expect(out).toContain(`clipzy: cancelled job ${jobId}`);
      expect((await engine.api(`/api/v1/jobs/${jobId}`)).body.data.status).toBe("cancelled");
    } finally {
      hold = undefined;
      release();
    }
  });

  it("an upload cut off mid-file resumes where it stopped when the command is run again", async () => {
    const big = await makeClip(join(dir, "big.mp4"), {
      seconds: 3,
      source: "testsrc2=size=320x180:rate=25,noise=alls=30:allf=t",
      audio: false,
    });
    const { size } = await stat(big);
    expect(size).toBeGreaterThan(200 * 1024);
    const proxy = await startHoldingProxy(engine.port, 96 * 1024);
    try {
      const first = start(["style", big, "--url", proxy.url], env());
      const r1 = collect(first);
      await proxy.holding; // the link dies mid-upload…
      await sleep(300);
      first.kill("SIGKILL"); // …and the laptop is closed
      await r1;
      proxy.release();
      const r2 = await clipzy(["style", big, "--url", proxy.url]);
      expect(r2.code, r2.stderr).toBe(0);
      const resumed = /resuming an interrupted upload at ([\d.]+) KB/.exec(r2.stderr);
      expect(resumed, r2.stderr).not.toBeNull();
      expect(Number(resumed![1])).toBeGreaterThan(32);
      // the second run sent only the rest of the file (plus headers and the job's requests)
      expect(proxy.forwarded()).toBeLessThan(size - 32 * 1024);
      expect(r2.stdout).toContain("Style DNA");
    } finally {
      await proxy.close();
    }
  });
});

describe("the clipzy CLI against an engine with API keys", () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine({ API_KEYS: "cli-secret-token:acme" });
  });
  afterAll(() => engine?.cleanup());

  it("a bad or missing token gets the API's 401 message and a hint about CLIPZY_TOKEN; a good one works", async () => {
    const url = `http://127.0.0.1:${engine.port}`;
    const bad = await collect(start(["jobs", "list", "--token", "wrong"], { CLIPZY_URL: url }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("clipzy: the bearer token is not valid");
    expect(bad.stderr).toContain("hint: set CLIPZY_TOKEN");
    const none = await collect(start(["jobs", "list"], { CLIPZY_URL: url }));
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("missing Authorization: Bearer <token> header");
    const good = await collect(
      start(["jobs", "list", "--json"], { CLIPZY_URL: url, CLIPZY_TOKEN: "cli-secret-token" }),
    );
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout).total).toBe(0);
    const help = await collect(start(["--help"], { CLIPZY_URL: url, CLIPZY_TOKEN: "cli-secret-token" }));
    expect(help.stdout).not.toContain("cli-secret-token"); // help never prints the token
  });
});
