import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { analyzeAudio } from "@clipzy/media/analyze-audio";
import { analyzeVideo } from "@clipzy/media/analyze-video";
import { analyzeMotion } from "@clipzy/models/motion/analyze-motion";
import { visualStyleFields } from "@clipzy/models/style/visual-style";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FPS, makeBeatTemplate, makeEditedClip } from "./support/edit-media.js";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir } from "./support/media.js";

/**
 * The edit round trip: a template with a known edit (a dissolve of 12 frames every 5 beats, slow
 * zooms on 2 of its 5 shots, a 128 BPM drum track) is applied to sources with their own music at
 * 100 BPM — one long shot, and one with its own cuts off the beat — and the output's style is
 * re-extracted with the engine's own analysers.
 */
const run = promisify(execFile);
const FRAME = 1 / FPS;
const JOB_TIMEOUT = 300_000;

interface Measured {
  cut_frequency: number;
  primary_transition: { type: string; duration_ms: number } | null;
  zoom_usage: number | null;
  /** Edit points (cut frame, or a gradual transition's middle), seconds. */
  cuts: number[];
  beats: number[];
  videoSeconds: number;
  audioSeconds: number | null;
}

async function measure(file: string): Promise<Measured> {
  const { analysis, frames } = await analyzeVideo(file);
  const motion = await analyzeMotion(frames, { transitions: analysis.transitions });
  const v = visualStyleFields(analysis, motion);
  const audio = await analyzeAudio(file);
  const stream = async (s: string) => {
    const { stdout } = await run("ffprobe", [
      "-v",
      "error",
      "-select_streams",
      `${s}:0`,
      "-show_entries",
      "stream=duration",
      "-of",
      "csv=p=0",
      file,
    ]);
    return stdout.trim() ? Number(stdout.trim()) : null;
  };
  return {
    cut_frequency: v.cut_frequency ?? 0,
    primary_transition: v.primary_transition,
    zoom_usage: v.zoom_usage,
    cuts: analysis.transitions.map(
      (t) => (t.frames === 0 ? t.start_frame : t.start_frame + t.frames / 2) / FPS,
    ),
    beats: audio.beats.map((b) => b.time_s),
    videoSeconds: (await stream("v"))!,
    audioSeconds: await stream("a"),
  };
}

const nearest = (xs: readonly number[], t: number) =>
  xs.reduce((best, x) => (Math.abs(x - t) < Math.abs(best - t) ? x : best), Number.POSITIVE_INFINITY);

describe("style transfer carries the template's editing", () => {
  let engine: TestEngine;
  let dir = "";
  let template: Measured;
  let templateId = "";
  const ids: Record<string, string> = {};
  const errors: Record<string, unknown>[] = [];

  async function job(videoId: string, config: Record<string, unknown>, withTemplate = true) {
    const res = await engine.api(
      "/api/v1/jobs",
      json({ video_id: videoId, ...(withTemplate ? { template_video_id: templateId } : {}), config }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const done = await engine.waitFor(res.body.data.job_id, undefined, JOB_TIMEOUT);
    expect(done.status, JSON.stringify(done)).toBe("completed");
    const result = (await engine.api(`/api/v1/jobs/${done.job_id}/result`)).body.data;
    return { result, file: new URL(result.output_video_url).pathname };
  }

  beforeAll(async () => {
    engine = await startTestEngine();
    dir = await fixtureDir(engine.dataDir);
    // the template: 5 shots, dissolves centred on every 5th beat of its 128 BPM track (2.64,
    // 4.99, 7.33, 9.68 s: an edit on the beat, every 2.34 s); shots 1 and 3 zoom
    const t = await makeBeatTemplate(dir, "template.mp4", { frames: 360, dissolveFrames: 12 });
    const longShot = await makeEditedClip(dir, "long.mp4", [{ seed: 21, frames: 360 }], {
      dissolveFrames: 0,
      bpm: 100,
      seed: 5,
    });
    const ownCuts = await makeEditedClip(
      dir,
      "cuts.mp4",
      [
        { seed: 31, frames: 95 },
        { seed: 32, frames: 100 },
        { seed: 33, frames: 80 },
        // (not 34: a dissolve from 33 to 34, two textures of alike statistics, is read by the
        // shot detector as two short dissolves, whoever renders it)
        { seed: 36, frames: 85 },
      ],
      { dissolveFrames: 0, bpm: 100, seed: 6 },
    );
    const silent = await makeEditedClip(dir, "silent.mp4", [{ seed: 41, frames: 300 }], {
      dissolveFrames: 0,
      bpm: null,
    });
    const short = await makeEditedClip(dir, "short.mp4", [{ seed: 51, frames: 45 }], {
      dissolveFrames: 0,
      bpm: 100,
    });
    template = await measure(t.path);
    templateId = (await engine.upload(t.path)).body.data.video_id;
    for (const [k, f] of Object.entries({ longShot, ownCuts, silent, short }))
      ids[k] = (await engine.upload(f.path)).body.data.video_id;
  }, 600_000);
  afterAll(async () => {
    console.log(`round-trip errors: ${JSON.stringify(errors)}`);
    await engine?.cleanup();
  });

  it("the template reads back as built (the analysers' side of the round trip)", () => {
    expect(template.cut_frequency).toBeCloseTo(10 * (4 / 12), 1);
    expect(template.primary_transition?.type).toBe("dissolve");
    expect(Math.abs(template.primary_transition!.duration_ms - 400)).toBeLessThanOrEqual(1000 * FRAME);
    expect(Math.abs(template.zoom_usage! - 40)).toBeLessThanOrEqual(10);
  });

  it.each([
    ["one long shot", "longShot"],
    ["a source with its own cuts off the beat", "ownCuts"],
  ])(
    "%s: rhythm, transitions, zooms, beats, length and sync match the template",
    async (name, key) => {
      const { result, file } = await job(ids[key], { quality: "low" });
      const out = await measure(file);
      const edit = result.edit;
      const planned = edit.cuts.map((c: { time_seconds: number }) => c.time_seconds);
      const cutErr = out.cut_frequency / template.cut_frequency - 1;
      const durErr = (out.primary_transition?.duration_ms ?? 0) - template.primary_transition!.duration_ms;
      const zoomErr = out.zoom_usage! - template.zoom_usage!;
      const beatErr = Math.max(...out.cuts.map((c) => Math.abs(c - nearest(out.beats, c))));
      const drift = Math.abs(out.audioSeconds! - out.videoSeconds);
      errors.push({
        source: name,
        cut_frequency: [out.cut_frequency, template.cut_frequency],
        transition: [out.primary_transition, template.primary_transition],
        zoom_usage: [out.zoom_usage, template.zoom_usage],
        max_cut_to_beat_ms: Math.round(beatErr * 1000),
        duration: [out.videoSeconds, edit.duration_seconds],
        av_drift_ms: Math.round(drift * 1000),
        cuts: [out.cuts, planned],
      });
      expect(Math.abs(cutErr)).toBeLessThanOrEqual(0.15);
      expect(out.primary_transition?.type).toBe(template.primary_transition!.type);
      expect(Math.abs(durErr)).toBeLessThanOrEqual(2000 * FRAME);
      expect(Math.abs(zoomErr)).toBeLessThanOrEqual(15);
      // every cut of the output within one frame of a beat of the output's own music
      expect(beatErr).toBeLessThanOrEqual(FRAME);
      // as long as planned, audio and video together
      expect(Math.abs(out.videoSeconds - edit.duration_seconds)).toBeLessThanOrEqual(FRAME);
      expect(drift).toBeLessThan(FRAME);
      // the cuts the analyser finds are the planned ones, where they were planned: nothing dropped
      // or repeated shifted them
      expect(out.cuts.length).toBe(planned.length);
      for (const [i, c] of out.cuts.entries()) expect(Math.abs(c - planned[i])).toBeLessThanOrEqual(FRAME);
      // the music bed: the output's beats are the source's, unmoved
      expect(edit.audio).toBe("continuous");
      if (key === "longShot") {
        // nothing dropped or repeated: the segments tile the source
        for (let k = 1; k < edit.segments.length; k++)
          expect(edit.segments[k].source_in_seconds).toBe(edit.segments[k - 1].source_out_seconds);
        // a style_json taken from the result gives the same edit as the template did
        const again = await job(ids[key], { quality: "low", style_json: result.style_json }, false);
        expect(again.result.edit).toEqual(edit);
      }
    },
    JOB_TIMEOUT * 3,
  );

  it(
    "a highlight edit of duration_seconds is that long, cut to the rhythm",
    async () => {
      const { result, file } = await job(ids.ownCuts, { quality: "low", duration_seconds: 6 });
      const out = await measure(file);
      expect(result.edit.duration_seconds).toBe(6);
      expect(Math.abs(out.videoSeconds - 6)).toBeLessThanOrEqual(FRAME);
      expect(Math.abs(out.audioSeconds! - out.videoSeconds)).toBeLessThan(FRAME);
      for (const c of result.edit.cuts) expect(Math.abs(c.beat_offset_ms)).toBeLessThanOrEqual(1000 * FRAME);
      const segs = result.edit.segments;
      for (let k = 1; k < segs.length; k++)
        expect(segs[k].source_in_seconds).toBeGreaterThanOrEqual(segs[k - 1].source_out_seconds);
    },
    JOB_TIMEOUT,
  );

  it(
    "a source without audio gets the rhythm from the target's tempo",
    async () => {
      const { result, file } = await job(ids.silent, { quality: "low" });
      expect(result.edit.audio).toBe("none");
      expect(result.edit.cuts.length).toBeGreaterThan(0);
      const period = 60 / 128;
      for (const c of result.edit.cuts) {
        const k = Math.round(c.time_seconds / period);
        expect(Math.abs(c.time_seconds - k * period)).toBeLessThanOrEqual(FRAME);
      }
      const out = await measure(file);
      expect(out.audioSeconds).toBeNull();
      expect(out.cuts.length).toBe(result.edit.cuts.length);
    },
    JOB_TIMEOUT,
  );

  it(
    "a source shorter than one segment still renders, with no cut",
    async () => {
      const { result, file } = await job(ids.short, { quality: "low" });
      expect(result.edit.cuts).toEqual([]);
      expect(result.edit.segments).toHaveLength(1);
      const out = await measure(file);
      expect(Math.abs(out.videoSeconds - 1.5)).toBeLessThanOrEqual(FRAME);
    },
    JOB_TIMEOUT,
  );
});
