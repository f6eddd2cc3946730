import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storageKeys } from "@clipzy/contracts";
import { EdlSchema } from "@clipzy/models/edit/edl";
import { readJson } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { spawnTool } from "@clipzy/platform/process";
import type { StageHandler } from "@clipzy/platform/stage-worker";
import { progressSeconds, renderArgs } from "../domain/ffmpeg-args.js";

/** Executes the edit decision list in one ffmpeg run into a temp file, then stores it as the job's output. */
export function renderingStage(store: ObjectStore): StageHandler {
  return async (task, ctx) => {
    const edl = EdlSchema.parse(await readJson(store, storageKeys.artifact(task.jobId, "style_application")));
    const seconds = edl.output.frames / edl.fps;
    const dir = await mkdtemp(join(tmpdir(), `clipzy-render-${task.jobId}-`));
    try {
      let lutPath: string | null = null;
      if (edl.colour.lut_key) {
        lutPath = join(dir, "grade.cube");
        await writeFile(lutPath, await store.getBytes(edl.colour.lut_key));
      }
      const out = join(dir, "output.mp4");
      const input = await store.readableLocation(edl.input_key);
      const ff = spawnTool("ffmpeg", renderArgs(edl, input, out, lutPath), { signal: ctx.signal });
      ff.stdout.setEncoding("utf8");
      ff.stdout.on("data", (chunk: string) => {
        const t = progressSeconds(chunk);
        if (t !== null && seconds > 0) ctx.progress(0.95 * Math.min(1, t / seconds));
      });
      await ff.done;
      const key = storageKeys.output(task.jobId);
      await store.put(key, createReadStream(out), { contentType: "video/mp4" });
      ctx.progress(1);
      return key;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
