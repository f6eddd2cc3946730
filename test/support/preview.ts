import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { storageKeys } from "@clipzy/contracts";
import type { EngineHooks } from "@clipzy/engine";
import { FsObjectStore, type ObjectStore } from "@clipzy/platform/objectstore";
import type { StageHandler } from "@clipzy/platform/stage-worker";
import { fixtureDir, makeClip } from "./media.js";

/**
 * The early preview (GET /jobs/{id}/preview) of the preview, CLI and dashboard tests.
 *
 * The closed loop in the style-applier renders low-resolution proxies of the planned edit during
 * style_application and stores the last one at storageKeys.preview(jobId). Until that lands, no
 * job writes the key, so these tests use a stand-in that does what the loop will: right after
 * the real style_application handler, a real small MP4 made with ffmpeg is put at the job's
 * preview key through an object store on the engine's own storage root (FsObjectStore writes a
 * temp file and renames it into place, as the style-applier's put does).
 *
 * When the loop lands: set PREVIEW_FROM_THE_LOOP to true (the job writes its own preview, and
 * `standInPreview` is no longer called), or delete the stand-in; the holds stay as they are.
 */
export const PREVIEW_FROM_THE_LOOP = false;

/**
 * A small real MP4 unlike any output (hue-shifted bars, no audio), made once per directory: round
 * 1 is 160×90 for 2 s; a later round (a loop's next proxy replacing the first) 224×126 for 3 s.
 */
async function standInClip(dir: string, round: number): Promise<string> {
  const path = join(await fixtureDir(dir), `stand-in-preview-${round}.mp4`);
  const size = round === 1 ? "160x90" : "224x126";
  made.set(
    path,
    made.get(path) ??
      makeClip(path, {
        seconds: round === 1 ? 2 : 3,
        audio: false,
        source: `testsrc2=size=${size}:rate=12,hue=h=${90 * round}`,
      }),
  );
  return made.get(path)!;
}
const made = new Map<string, Promise<string>>();

/**
 * Puts the stand-in proxy of `round` at storageKeys.preview(jobId) in the engine's store under
 * `dataDir`, as the style-applier will (each round replacing the last); returns the bytes stored.
 */
export const standInPreview = (dataDir: string, jobId: string, round = 1): Promise<Buffer> =>
  putStandInPreview(new FsObjectStore({ root: join(dataDir, "storage") }), dataDir, jobId, round);

/** The same into any object store (MinIO in distributed mode); the clip is made under `dir`. */
export async function putStandInPreview(
  store: ObjectStore,
  dir: string,
  jobId: string,
  round = 1,
): Promise<Buffer> {
  const bytes = await readFile(await standInClip(dir, round));
  await store.putBytes(storageKeys.preview(jobId), bytes, { contentType: "video/mp4" });
  return bytes;
}

type StageTask = Parameters<StageHandler>[0];

export interface PreviewHooks {
  /** The engine's data directory (known once it started). */
  dataDir(): string;
  /** Awaited before style_application runs: the job has no preview until it resolves. */
  beforePreview?(jobId: string, task: StageTask): Promise<void> | void;
  /** Awaited before the final encode (rendering) runs: the job stays processing, preview in place. */
  beforeRender?(jobId: string, task: StageTask): Promise<void> | void;
}

/**
 * Engine hooks for a job that makes a preview before its final encode: the stand-in (or, with
 * PREVIEW_FROM_THE_LOOP, the real loop) writes it during style_application, and the test may hold
 * the job before that stage and before rendering.
 */
export function previewHooks(o: PreviewHooks): EngineHooks {
  return {
    wrapHandler: (stage, handler): StageHandler => {
      if (stage === "style_application")
        return async (task, ctx) => {
          await o.beforePreview?.(task.jobId, task);
          const key = await handler(task, ctx);
          if (!PREVIEW_FROM_THE_LOOP) await standInPreview(o.dataDir(), task.jobId);
          return key;
        };
      if (stage === "rendering")
        return async (task, ctx) => {
          await o.beforeRender?.(task.jobId, task);
          return handler(task, ctx);
        };
      return handler;
    },
  };
}

/** The preview the engine stores for a job, read from its storage root (null before it exists). */
export async function storedPreview(dataDir: string, jobId: string): Promise<Buffer | null> {
  const store = new FsObjectStore({ root: join(dataDir, "storage") });
  return (await store.stat(storageKeys.preview(jobId))) ? store.getBytes(storageKeys.preview(jobId)) : null;
}

/**
 * Deletes a job's preview (held before its final encode): a job that completes without one,
 * whether the stand-in or the loop wrote it.
 */
export async function removePreview(dataDir: string, jobId: string): Promise<void> {
  await new FsObjectStore({ root: join(dataDir, "storage") }).delete(storageKeys.preview(jobId));
}

/** A gate a hook awaits until the test opens it. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}
