import { create } from "@bufbuild/protobuf";
import { FidelityReportSchema, storageKeys } from "@clipzy/contracts";
import { probeMedia } from "@clipzy/media/ffmpeg";
import { audioStreamInfo, videoStreamInfo } from "@clipzy/media/probe";
import { recordingContext, stageFixture, writeAnalyses, writeOwnStyle } from "@clipzy/media/stage-fixtures";
import { EdlSchema } from "@clipzy/models/edit/edl";
import { readArtifact, writeJson } from "@clipzy/platform/artifacts";
import { StageTaskSchema } from "@clipzy/proto";
import { afterAll, describe, expect, it } from "vitest";
import { renderingStage } from "./rendering-stage.js";

const f = await stageFixture("rendering", { seconds: 2, fps: 15 });
afterAll(() => f.cleanup());

/** The identity edit of the fixture's clip: all of it, as it is, with its audio. */
const identityEdl = (frames: number) =>
  EdlSchema.parse({
    version: 1,
    input_key: f.task.source.storageKey,
    fps: 15,
    fps_fraction: "15/1",
    source: { width: 160, height: 90, frames },
    crop: { width: 160, height: 90 },
    output: { width: 160, height: 90, frames },
    segments: [
      {
        source_in: 0,
        source_out: frames,
        out_start: 0,
        zoom: { from: 1, to: 1, cx: 0.5, cy: 0.5 },
        pre: { source: 0, hold: 0 },
        post: { source: 0, hold: 0 },
        score: null,
      },
    ],
    boundaries: [],
    beats_ms: [],
    beat_source: "none",
    audio: { mode: "continuous", crossfade_ms: 0, filters: null, bitrate_kbps: 96 },
    colour: { transfer: null, filter: null, lut_key: storageKeys.gradeLut(f.task.jobId) },
    encode: { crf: 30, preset: "ultrafast", max_height: 1080 },
    applied: [],
  });

describe("rendering stage (real ffmpeg, filesystem store)", () => {
  it("renders the EDL into the job's output and reports its fidelity, re-measured on the output", async () => {
    await writeOwnStyle(f, await writeAnalyses(f));
    const task = create(StageTaskSchema, f.task);
    await writeJson(f.store, storageKeys.artifact(task.jobId, "style_application"), identityEdl(30));
    const r = recordingContext();
    const key = await renderingStage(f.store)(task, r.ctx);
    expect(key).toBe(storageKeys.output(task.jobId));
    const probe = await probeMedia(await f.store.readableLocation(key));
    const video = videoStreamInfo(probe, key);
    expect([video.displayWidth, video.displayHeight, video.fps]).toEqual([160, 90, 15]);
    expect(video.durationSeconds).toBeCloseTo(2, 1);
    expect(audioStreamInfo(probe).hasAudio).toBe(true);
    const report = await readArtifact(
      f.store,
      storageKeys.artifact(task.jobId, "fidelity"),
      FidelityReportSchema,
    );
    expect(report.measured_on.frames).toBeGreaterThan(0);
    expect(r.progress.at(-1)).toBe(1);
    expect([...r.progress].sort((a, b) => a - b)).toEqual(r.progress);
  });
});
