import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { type ClipzyClient, type StyleJsonInput, uploadVideo, type VideoResponse } from "@clipzy/client";
import * as tus from "tus-js-client";
import { CliError, EXIT } from "./errors.js";
import type { Progress } from "./progress.js";

/** tus-js-client's Node build exports FileUrlStorage (a JSON file, locked); its typings omit it. */
const { FileUrlStorage } = tus as unknown as { FileUrlStorage: new (path: string) => tus.UrlStorage };

const VIDEO_ID = /^vid_[a-z0-9]{12,}$/;

export async function readableFile(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new CliError(`${path} is not a file`);
    return s.size;
  } catch (err) {
    if (err instanceof CliError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
}

/**
 * Uploads a file over tus. An earlier upload of the same file (path, size, mtime) that was cut
 * short is resumed: tus-js-client remembers its URL in the state directory. Ctrl-C stops the
 * upload and says how to resume it.
 */
export async function uploadFile(
  client: ClipzyClient,
  path: string,
  o: { label: string; stateDir: string; progress: Progress; chunkSize?: number; webhookUrl?: string },
): Promise<VideoResponse> {
  await readableFile(path);
  await mkdir(o.stateDir, { recursive: true });
  const bar = o.progress.upload(o.label);
  const abort = new AbortController();
  const onSigint = () => abort.abort(new CliError("interrupted", EXIT.interrupted));
  process.once("SIGINT", onSigint);
  try {
    const { video } = await uploadVideo(client, createReadStream(path), {
      filename: basename(path),
      filetype: "video/mp4",
      webhookUrl: o.webhookUrl,
      chunkSize: o.chunkSize,
      urlStorage: new FileUrlStorage(join(o.stateDir, "uploads.json")),
      signal: abort.signal,
      onResume: (offset) => bar.resumed(offset),
      onProgress: (p) => bar.update(p.sent, p.total),
    });
    bar.done();
    return video;
  } catch (err) {
    bar.stop();
    if (abort.signal.aborted)
      throw new CliError(
        `upload of ${path} interrupted; run the same command again to resume it where it stopped`,
        EXIT.interrupted,
      );
    throw err;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/** `--template FILE|VIDEO_ID`: an id stays an id, a file is uploaded. */
export async function templateVideo(
  client: ClipzyClient,
  template: string,
  o: { stateDir: string; progress: Progress; chunkSize?: number },
): Promise<string> {
  if (VIDEO_ID.test(template)) {
    const exists = await stat(template).then(
      () => true,
      () => false,
    );
    if (!exists) return template;
  }
  return (await uploadFile(client, template, { ...o, label: "template" })).video_id;
}

/** `--style FILE.json`: a StyleJSON, or a whole job result that carries one. */
export async function readStyle(path: string): Promise<StyleJsonInput> {
  await readableFile(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new CliError(`${path} is not JSON: ${(err as Error).message}`);
  }
  const o = parsed as { style_json?: unknown; data?: { style_json?: unknown } };
  const style = o?.data?.style_json ?? o?.style_json ?? parsed;
  if (!style || typeof style !== "object") throw new CliError(`${path} holds no StyleJSON object`);
  return style as StyleJsonInput;
}

export const defaultOutput = (source: string) => `${basename(source, extname(source))}.clipzy.mp4`;

/** Streams the job's rendered output to a file. */
export const download = (client: ClipzyClient, jobId: string, out: string) =>
  downloadTo(client, `/jobs/${encodeURIComponent(jobId)}/output`, out);

export const TIMELINE_FORMATS = ["otio", "fcpxml", "edl"] as const;
export type TimelineFormat = (typeof TIMELINE_FORMATS)[number];

/** Writes the job's edit as a timeline (GET /jobs/{id}/timeline.{format}) to a file. */
export const downloadTimeline = (client: ClipzyClient, jobId: string, format: TimelineFormat, out: string) =>
  downloadTo(client, `/jobs/${encodeURIComponent(jobId)}/timeline.${format}`, out);

/** `--timeline FILE`: the format from the file's extension (.otio, .fcpxml or .xml, .edl). */
export function timelineFormatOf(file: string): TimelineFormat {
  const ext = extname(file).toLowerCase().slice(1);
  if (ext === "xml") return "fcpxml";
  if ((TIMELINE_FORMATS as readonly string[]).includes(ext)) return ext as TimelineFormat;
  throw new CliError(
    `--timeline ${file}: the format comes from the extension, one of .otio, .fcpxml (or .xml), .edl`,
    EXIT.usage,
  );
}

async function downloadTo(client: ClipzyClient, path: string, out: string): Promise<number> {
  return saveBody(await client.fetch(path), out);
}

/**
 * Writes a response's body to `out` through `out.part`, renamed into place once whole: a download
 * cut short leaves nothing at `out`, and a player reading a preview that a later one replaces never
 * reads half of either.
 */
export async function saveBody(res: Response, out: string): Promise<number> {
  const part = `${out}.part`;
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(part));
    await rename(part, out);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  return (await stat(out)).size;
}
