import { readFileSync } from "node:fs";
import { type ClipzyClient, createClipzyClient, JOB_STATUSES, QUALITIES, unwrap } from "@clipzy/client";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { type CliEnv, loadEnv } from "./config.js";
import { CliError, describeError, EXIT, EXIT_HELP } from "./errors.js";
import { followJob } from "./follow.js";
import {
  bytes,
  deliveryLines,
  editSummary,
  jobDetails,
  jobLine,
  seconds,
  styleSummary,
  videoDetails,
  videoLine,
} from "./format.js";
import {
  defaultOutput,
  download,
  downloadTimeline,
  readStyle,
  TIMELINE_FORMATS,
  type TimelineFormat,
  templateVideo,
  timelineFormatOf,
  uploadFile,
} from "./media.js";
import { downloadPreview, previewSaver } from "./preview.js";
import { createProgress, type Progress } from "./progress.js";

const env = loadEnv();
const version = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

interface Globals {
  url: string;
  token?: string;
  json?: boolean;
}

interface Ctx {
  client: ClipzyClient;
  json: boolean;
  progress: Progress;
  env: CliEnv;
}

function context(cmd: Command): Ctx {
  const g = cmd.optsWithGlobals<Globals>();
  const json = Boolean(g.json);
  return {
    client: createClipzyClient({ baseUrl: g.url, token: g.token ?? env.token }),
    json,
    progress: createProgress({ tty: env.tty, quiet: json }),
    env,
  };
}

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));

/** Runs an action; errors print the API's message (and a hint) and set the exit code. */
function action<A extends unknown[]>(fn: (ctx: Ctx, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const cmd = args.at(-1) as Command;
    const ctx = context(cmd);
    try {
      await fn(ctx, ...(args.slice(0, -1) as A));
    } catch (err) {
      const { message, hint, exitCode } = describeError(err);
      process.stderr.write(`clipzy: ${message}\n${hint ? `hint: ${hint}\n` : ""}`);
      process.exitCode = exitCode;
    }
  };
}

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

const positiveNumber = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number of seconds");
  return n;
};

type Quality = (typeof QUALITIES)[number];

interface RunOptions {
  template?: string;
  style?: string;
  quality?: Quality;
  duration?: number;
  out?: string;
  timeline?: string;
  preview?: string;
  webhook?: string;
  chunkSize?: number;
}

const program = new Command("clipzy")
  .description("Clipzy ML Engine from the command line: style transfer, jobs, videos and webhooks")
  .version(version)
  .addOption(new Option("--url <url>", "the engine's URL (env CLIPZY_URL)").default(env.url))
  // no default shown: help must not print the token
  .option("--token <token>", "bearer token (env CLIPZY_TOKEN)")
  .option("--json", "print the API's JSON instead of text (progress is not shown)")
  .addHelpText("after", EXIT_HELP)
  .showHelpAfterError("(add --help for usage)")
  .exitOverride();

program
  .command("run")
  .description("upload SOURCE (resumable), style it like a template or a StyleJSON, download the result")
  .argument("<source>", "the video to style")
  .option("--template <file|video_id>", "a template video: a file to upload, or an uploaded video's id")
  .option("--style <file.json>", "a StyleJSON (or a job result holding one) to apply instead of a template")
  .addOption(new Option("--quality <quality>", "encoding quality").choices(QUALITIES))
  .option("--duration <seconds>", "a highlight edit of this length (config.duration_seconds)", positiveNumber)
  .option("--out <file.mp4>", "where to write the output (default <source>.clipzy.mp4)")
  .option(
    "--timeline <file>",
    "also write the edit as a timeline for an editor: .otio, .fcpxml (or .xml) or .edl",
  )
  .option(
    "--preview <file.mp4>",
    "also save the early preview (a low-resolution proxy of the edit) as soon as it exists, while the job runs",
  )
  .option("--webhook <url>", "a webhook for the job's terminal event")
  .option(
    "--chunk-size <bytes>",
    "upload in chunks of this size (default: one request)",
    positiveInt("--chunk-size"),
  )
  .addHelpText(
    "after",
    "\nCtrl-C while the job runs cancels it (after asking, on a terminal); during the upload it stops\n" +
      "the upload, and running the same command again resumes it where it stopped.\n" +
      "--preview: saved once the first proxy exists, and the last one again once the job completed;\n" +
      "a job that completes without one still writes the output, then exits 1 saying why.",
  )
  .action(
    action(async (ctx, source: string, o: RunOptions) => {
      if (o.template && o.style) throw new CliError("give --template or --style, not both", EXIT.usage);
      const style = o.style ? await readStyle(o.style) : undefined;
      const out = o.out ?? defaultOutput(source);
      const timeline = o.timeline ? { file: o.timeline, format: timelineFormatOf(o.timeline) } : null;
      const up = { stateDir: ctx.env.stateDir, progress: ctx.progress, chunkSize: o.chunkSize };
      const video = await uploadFile(ctx.client, source, { ...up, label: "source" });
      const templateId = o.template ? await templateVideo(ctx.client, o.template, up) : undefined;
      const config = {
        ...(o.quality ? { quality: o.quality } : {}),
        ...(style ? { style_json: style } : {}),
        ...(o.duration !== undefined ? { duration_seconds: o.duration } : {}),
      };
      const job = await unwrap(
        ctx.client.api.POST("/jobs", {
          body: {
            video_id: video.video_id,
            ...(templateId ? { template_video_id: templateId } : {}),
            ...(o.webhook ? { webhook_url: o.webhook } : {}),
            config,
          },
        }),
      );
      ctx.progress.note(`job ${job.job_id} queued`);
      const saver = o.preview ? previewSaver(ctx.client, job.job_id, o.preview, ctx) : null;
      try {
        await followJob(ctx.client, job.job_id, {
          progress: ctx.progress,
          cancelOnInterrupt: true,
          interactive: ctx.env.interactive,
          onJob: (j) => saver?.seen(j),
        });
      } finally {
        await saver?.stop();
      }
      const size = await download(ctx.client, job.job_id, out);
      if (timeline) await downloadTimeline(ctx.client, job.job_id, timeline.format, timeline.file);
      // after the output: a job without a preview has still delivered, and then says why (exit 1)
      const preview = saver ? await saver.finish().catch((err: unknown) => err as CliError) : null;
      const result = await unwrap(
        ctx.client.api.GET("/jobs/{job_id}/result", { params: { path: { job_id: job.job_id } } }),
      );
      const saved = preview && !(preview instanceof Error) ? preview : null;
      if (ctx.json)
        printJson({
          ...result,
          output_file: out,
          ...(timeline ? { timeline_file: timeline.file } : {}),
          ...(saved ? { preview_file: o.preview } : {}),
        });
      else {
        print(
          `output: ${out} (${bytes(size)}), job ${job.job_id} in ${seconds(result.processing_time_seconds)}`,
        );
        if (timeline) print(`timeline: ${timeline.file} (${timeline.format})`);
        if (saved)
          print(
            `preview: ${o.preview} (${bytes(saved.bytes)}${saved.early ? ", saved while the job ran" : ""})`,
          );
        if (result.edit) print(editSummary(result.edit));
        if (result.style_json) print(styleSummary(result.style_json));
      }
      if (preview instanceof Error) throw preview;
    }),
  );

program
  .command("style")
  .description("extract a video's Style DNA (a style_only job) and print it")
  .argument("<file|video_id>", "a video file to upload, or an uploaded video's id")
  .action(
    action(async (ctx, input: string) => {
      const videoId = await templateVideo(ctx.client, input, {
        stateDir: ctx.env.stateDir,
        progress: ctx.progress,
      });
      const job = await unwrap(
        ctx.client.api.POST("/jobs", { body: { video_id: videoId, config: { mode: "style_only" } } }),
      );
      ctx.progress.note(`job ${job.job_id} queued`);
      await followJob(ctx.client, job.job_id, {
        progress: ctx.progress,
        cancelOnInterrupt: true,
        interactive: ctx.env.interactive,
      });
      const result = await unwrap(
        ctx.client.api.GET("/jobs/{job_id}/result", { params: { path: { job_id: job.job_id } } }),
      );
      if (ctx.json) return printJson(result.style_json);
      print(result.style_json ? styleSummary(result.style_json) : "no Style DNA");
    }),
  );

const jobPath = (job_id: string) => ({ params: { path: { job_id } } });

const jobs = program.command("jobs").description("list, inspect, follow and cancel jobs");
jobs
  .command("list")
  .description("list jobs, newest first")
  .addOption(new Option("--status <status>", "only jobs in this status").choices(JOB_STATUSES))
  .option("--page <n>", "page number", positiveInt("--page"), 1)
  .option("--page-size <n>", "jobs per page (1–100)", positiveInt("--page-size"), 10)
  .action(
    action(async (ctx, o: { status?: "queued"; page: number; pageSize: number }) => {
      const list = await unwrap(
        ctx.client.api.GET("/jobs", {
          params: {
            query: { page: o.page, page_size: o.pageSize, ...(o.status ? { status: o.status } : {}) },
          },
        }),
      );
      if (ctx.json) return printJson(list);
      for (const j of list.jobs) print(jobLine(j));
      print(`${list.jobs.length} of ${list.total} (page ${list.page})`);
    }),
  );
jobs
  .command("get")
  .description("a job's status")
  .argument("<job_id>")
  .action(
    action(async (ctx, id: string) => {
      const job = await unwrap(ctx.client.api.GET("/jobs/{job_id}", jobPath(id)));
      if (ctx.json) return printJson(job);
      print(jobDetails(job));
    }),
  );
jobs
  .command("watch")
  .description("follow a job's progress until it ends (Ctrl-C stops watching, the job goes on)")
  .argument("<job_id>")
  .action(
    action(async (ctx, id: string) => {
      const job = await followJob(ctx.client, id, {
        progress: ctx.progress,
        cancelOnInterrupt: false,
        interactive: ctx.env.interactive,
      }).catch(async (err) => {
        if (ctx.json && err instanceof CliError && err.exitCode !== EXIT.interrupted)
          printJson(await unwrap(ctx.client.api.GET("/jobs/{job_id}", jobPath(id))));
        throw err;
      });
      if (ctx.json) return printJson(job);
      print(jobDetails(job));
    }),
  );
jobs
  .command("cancel")
  .description("cancel a queued or processing job")
  .argument("<job_id>")
  .action(
    action(async (ctx, id: string) => {
      const job = await unwrap(ctx.client.api.POST("/jobs/{job_id}/cancel", jobPath(id)));
      if (ctx.json) return printJson(job);
      print(`cancelled ${job.job_id}`);
    }),
  );
jobs
  .command("result")
  .description("a completed job's result: Style DNA and output")
  .argument("<job_id>")
  .option("--out <file.mp4>", "also download the output video")
  .action(
    action(async (ctx, id: string, o: { out?: string }) => {
      const result = await unwrap(ctx.client.api.GET("/jobs/{job_id}/result", jobPath(id)));
      if (o.out) await download(ctx.client, id, o.out);
      if (ctx.json) return printJson(result);
      print(jobDetails(result));
      print(`output    ${o.out ?? result.output_video_url ?? "—"}`);
      if (result.style_json) print(styleSummary(result.style_json));
    }),
  );

jobs
  .command("export")
  .description("a completed job's edit as a timeline for an editor (Resolve, Premiere, Final Cut)")
  .argument("<job_id>")
  .addOption(
    new Option("--format <format>", "otio (OpenTimelineIO), fcpxml (Final Cut Pro XML) or edl (CMX 3600)")
      .choices(TIMELINE_FORMATS)
      .makeOptionMandatory(),
  )
  .option("--out <file>", "where to write it (default <job_id>.<format>)")
  .action(
    action(async (ctx, id: string, o: { format: TimelineFormat; out?: string }) => {
      const out = o.out ?? `${id}.${o.format}`;
      const size = await downloadTimeline(ctx.client, id, o.format, out);
      if (ctx.json) return printJson({ job_id: id, format: o.format, file: out, bytes: size });
      print(`timeline: ${out} (${o.format}, ${bytes(size)})`);
    }),
  );

jobs
  .command("preview")
  .description(
    "the early preview of a job: the last low-resolution proxy of its edit, while it runs or after",
  )
  .argument("<job_id>")
  .option("--out <file.mp4>", "where to write it (default <job_id>.preview.mp4)")
  .action(
    action(async (ctx, id: string, o: { out?: string }) => {
      const out = o.out ?? `${id}.preview.mp4`;
      const size = await downloadPreview(ctx.client, id, out);
      if (ctx.json) return printJson({ job_id: id, file: out, bytes: size });
      print(`preview: ${out} (${bytes(size)})`);
    }),
  );

const videoPath = (video_id: string) => ({ params: { path: { video_id } } });
const videos = program.command("videos").description("list, inspect and delete uploaded videos");
videos
  .command("list")
  .description("list videos, newest first")
  .option("--page <n>", "page number", positiveInt("--page"), 1)
  .option("--page-size <n>", "videos per page (1–100)", positiveInt("--page-size"), 10)
  .action(
    action(async (ctx, o: { page: number; pageSize: number }) => {
      const list = await unwrap(
        ctx.client.api.GET("/videos", { params: { query: { page: o.page, page_size: o.pageSize } } }),
      );
      if (ctx.json) return printJson(list);
      for (const v of list.videos) print(videoLine(v));
      print(`${list.videos.length} of ${list.total} (page ${list.page})`);
    }),
  );
videos
  .command("get")
  .description("a video's metadata")
  .argument("<video_id>")
  .action(
    action(async (ctx, id: string) => {
      const video = await unwrap(ctx.client.api.GET("/videos/{video_id}", videoPath(id)));
      if (ctx.json) return printJson(video);
      print(videoDetails(video));
    }),
  );
videos
  .command("delete")
  .description("delete a video (refused while a job uses it)")
  .argument("<video_id>")
  .action(
    action(async (ctx, id: string) => {
      const gone = await unwrap(ctx.client.api.DELETE("/videos/{video_id}", videoPath(id)));
      if (ctx.json) return printJson(gone);
      print(`deleted ${gone.video_id}`);
    }),
  );

const printSecrets = (secrets: { secret: string; expires_at: string | null }[]) => {
  for (const x of secrets) print(`${x.secret}  ${x.expires_at ? `(expires ${x.expires_at})` : "(current)"}`);
};

const webhooks = program.command("webhooks").description("signing secrets and deliveries");
webhooks
  .command("secret")
  .description("your webhook signing secrets, newest first")
  .action(
    action(async (ctx) => {
      const s = await unwrap(ctx.client.api.GET("/webhooks/secret"));
      if (ctx.json) return printJson(s);
      printSecrets(s.secrets);
    }),
  );
webhooks
  .command("rotate")
  .description("make a new signing secret current (the previous one signs until it expires)")
  .action(
    action(async (ctx) => {
      const s = await unwrap(ctx.client.api.POST("/webhooks/secret/rotate"));
      if (ctx.json) return printJson(s);
      printSecrets(s.secrets);
    }),
  );
webhooks
  .command("deliveries")
  .description("a job's webhook deliveries and their attempts")
  .argument("<job_id>")
  .action(
    action(async (ctx, id: string) => {
      const d = await unwrap(ctx.client.api.GET("/jobs/{job_id}/webhook-deliveries", jobPath(id)));
      if (ctx.json) return printJson(d);
      if (d.deliveries.length === 0) print(`no deliveries for ${id}`);
      for (const x of d.deliveries) print(deliveryLines(x));
    }),
  );
webhooks
  .command("replay")
  .description("send a delivery again")
  .argument("<delivery_id>")
  .action(
    action(async (ctx, id: string) => {
      const d = await unwrap(
        ctx.client.api.POST("/webhook-deliveries/{delivery_id}/replay", {
          params: { path: { delivery_id: id } },
        }),
      );
      if (ctx.json) return printJson(d);
      print(deliveryLines(d));
    }),
  );

for (const cmd of program.commands) {
  cmd.exitOverride();
  for (const sub of cmd.commands) sub.exitOverride();
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else throw err;
}
