import { execFile } from "node:child_process";
import { openAsBlob } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { ffmpeg } from "@clipzy/media/test-media";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureOtio } from "../scripts/otio.mjs";
import { makeBeatTemplate, makeEditedClip } from "./support/edit-media.js";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir } from "./support/media.js";
import { expectError } from "./support/shapes.js";
import { waitFor } from "./support/wait.js";

/**
 * The timeline exports (GET /jobs/{id}/timeline.{otio,fcpxml,edl}) read back with the reference
 * library, OpenTimelineIO and its FCP X XML and CMX 3600 adapters from PyPI (scripts/otio.mjs,
 * test/timeline/read_timeline.py), not with our own parser: for templated jobs with cuts,
 * dissolves and zooms, the cut points, the transitions, the source in/out points and the total
 * duration read back equal the result's `edit` to the frame, in each format. A render of the OTIO
 * timeline's cuts by plain ffmpeg (trims and concat from the source) matches the engine's output at
 * the midpoints of the segments that have no zoom, in a job whose grade is neutral (its style_json
 * is the templated job's with color_profile and color_grade null, so the engine applies no colour).
 *
 * Media at 24 fps: the FCP X XML adapter truncates float seconds × rate to frames (int()), which
 * drops a frame at 25 and 30 fps for some frame numbers (123 at 30 fps); at 24 the float product
 * is exact. The transitions, read from the XML's own rationals, are exact at any rate.
 */
const run = promisify(execFile);
const A = { authorization: "Bearer tok_a" };
const B = { authorization: "Bearer tok_b" };
const FPS = 24;
const JOB_TIMEOUT = 300_000;
const ORIGINAL_NAME = "holiday clip.mp4";
const PSNR_MIN_DB = 40;

interface ReadTrack {
  name: string;
  kind: string;
  items: any[];
}
interface ReadTimeline {
  name: string;
  duration: number;
  tracks: ReadTrack[];
  markers: number[];
  metadata: any;
  xml_transitions?: { name: string; start: number; frames: number }[];
}

const fr = (seconds: number) => Math.round(seconds * FPS);
const clipsOf = (t: ReadTrack) => t.items.filter((i) => i.type === "clip");

describe("timeline export (OTIO, FCPXML, CMX 3600) read back by OpenTimelineIO", () => {
  let engine: TestEngine;
  let dir = "";
  let python = "";
  let source = "";
  let sourceId = "";
  let templateId = "";
  const figures: Record<string, unknown> = {};

  const api = (path: string, init: RequestInit = {}, headers = A) =>
    engine.api(`/api/v1${path}`, { ...init, headers: { ...headers, ...(init.headers ?? {}) } });
  const raw = async (path: string, headers = A) => {
    const res = await fetch(`http://127.0.0.1:${engine.port}/api/v1${path}`, { headers });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body, text, headers: res.headers };
  };
  const upload = async (file: string, filename: string) => {
    const form = new FormData();
    form.set("file", await openAsBlob(file), filename);
    const res = await api("/videos/upload", { method: "POST", body: form });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data.video_id as string;
  };
  const create = async (config: Record<string, unknown>, template = true) => {
    const body = { video_id: sourceId, ...(template ? { template_video_id: templateId } : {}), config };
    const res = await engine.api("/api/v1/jobs", json(body, A));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data.job_id as string;
  };
  const finish = async (jobId: string) => {
    await waitFor(
      `job ${jobId} to end`,
      async () =>
        ["completed", "failed", "cancelled"].includes((await api(`/jobs/${jobId}`)).body.data?.status),
      { timeoutMs: JOB_TIMEOUT, intervalMs: 200 },
    );
    const res = await api(`/jobs/${jobId}/result`);
    expect(res.body.data?.status, JSON.stringify(res.body)).toBe("completed");
    return res.body.data;
  };
  /** The export, written to a file and read by the reference library. */
  const readBack = async (jobId: string, ext: string, adapter: string): Promise<ReadTimeline> => {
    const res = await raw(`/jobs/${jobId}/timeline.${ext}`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-disposition")).toContain(`${jobId}.${ext}`);
    const file = join(dir, `${jobId}.${ext}`);
    await writeFile(file, res.text);
    const { stdout } = await run(
      python,
      [join(import.meta.dirname, "timeline", "read_timeline.py"), file, adapter, String(FPS)],
      { maxBuffer: 64 << 20 },
    );
    return JSON.parse(stdout);
  };

  /** A yuv420p frame of a file, by index. */
  const frameOf = async (file: string, n: number) => {
    const { stdout } = await run(
      "ffmpeg",
      [
        "-v",
        "error",
        "-i",
        file,
        "-vf",
        `select=eq(n\\,${n})`,
        "-vsync",
        "0",
        "-frames:v",
        "1",
        "-pix_fmt",
        "yuv420p",
        "-f",
        "rawvideo",
        "-",
      ],
      { encoding: "buffer", maxBuffer: 64 << 20 },
    );
    return stdout as Buffer;
  };

  beforeAll(async () => {
    python = ensureOtio();
    engine = await startTestEngine({ API_KEYS: "tok_a:tenant_a,tok_b:tenant_b" });
    dir = await fixtureDir(engine.dataDir);
    // the template: dissolves of 14 frames (12 at 24 fps) on every 5th beat of a 128 BPM track, shots 1 and 3
    // zooming; the source: 4 shots of its own with music at 100 BPM. Both made at 30 fps and
    // resampled to 24 (see above).
    const t30 = await makeBeatTemplate(dir, "template30.mp4", { frames: 300, dissolveFrames: 14 });
    const s30 = await makeEditedClip(
      dir,
      "source30.mp4",
      [
        { seed: 31, frames: 80 },
        { seed: 32, frames: 85 },
        { seed: 33, frames: 70 },
        { seed: 36, frames: 75 },
      ],
      { dissolveFrames: 0, bpm: 100, seed: 6 },
    );
    const to24 = async (from: string, name: string) => {
      const path = join(dir, name);
      await ffmpeg([
        "-i",
        from,
        "-vf",
        `fps=${FPS}`,
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "16",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "copy",
        path,
      ]);
      return path;
    };
    const template = await to24(t30.path, "template.mp4");
    source = await to24(s30.path, "source.mp4");
    templateId = await upload(template, "template.mp4");
    sourceId = await upload(source, ORIGINAL_NAME);
  }, 600_000);
  afterAll(async () => {
    if (process.env.CLIPZY_PRINT_FIGURES) console.log(`timeline export: ${JSON.stringify(figures)}`);
    await engine?.cleanup();
  });

  let templated: any;
  let neutral: any;

  it(
    "answers 409 before completion, 404 to another tenant and for an unknown format, 409 for style_only",
    async () => {
      const jobId = await create({ quality: "high" });
      for (const ext of ["otio", "fcpxml", "edl"]) {
        const early = await raw(`/jobs/${jobId}/timeline.${ext}`);
        expectError(early, 409, "job_not_completed");
        expect(early.body.message).toMatch(/timeline exists once it is completed/);
      }
      templated = await finish(jobId);
      expectError(await raw(`/jobs/${jobId}/timeline.otio`, B), 404, "job_not_found");
      expectError(await raw(`/jobs/${jobId}/timeline.xyz`), 404, "not_found");
      expectError(await raw(`/jobs/${jobId}/timeline.`), 404, "not_found");
      const styleOnly = await finish(await create({ quality: "low", mode: "style_only" }));
      for (const ext of ["otio", "fcpxml", "edl"]) {
        const res = await raw(`/jobs/${styleOnly.job_id}/timeline.${ext}`);
        expectError(res, 409, "conflict");
        // a sentence that says why and what to do
        expect(res.body.message).toMatch(/^job \S+ is a style_only job: .+; create a full job for one$/);
      }
    },
    JOB_TIMEOUT * 2,
  );

  it(
    "a neutral-grade job from the templated job's style (for the render comparison)",
    async () => {
      // and dissolves of 9 frames (375 ms): odd, so the frame the renderer puts after the cut is checked
      const style = {
        ...templated.style_json,
        color_profile: null,
        color_grade: null,
        primary_transition: { ...templated.style_json.primary_transition, duration_ms: 375 },
      };
      neutral = await finish(await create({ quality: "high", style_json: style }, false));
      expect(neutral.edit.cuts.length).toBeGreaterThan(0);
      expect(neutral.edit.transitions.map((t: any) => fr(t.duration_ms / 1000))).toContain(9);
    },
    JOB_TIMEOUT,
  );

  const jobs = () =>
    [
      ["templated", templated],
      ["neutral", neutral],
    ] as const;

  it("OTIO: cuts, transitions, source ranges, duration, music, beats, framing and grade as the edit says", async () => {
    for (const [name, job] of jobs()) {
      const edit = job.edit;
      const tl = await readBack(job.job_id, "otio", "otio_json");
      const total = fr(edit.duration_seconds);
      expect(tl.name).toBe(job.job_id);
      expect(tl.duration, name).toBe(total);
      const [v1, a1] = tl.tracks;
      expect(v1.kind).toBe("Video");
      const clips = clipsOf(v1);
      expect(clips).toHaveLength(edit.segments.length);
      edit.segments.forEach((s: any, k: number) => {
        expect(clips[k].record_in, `${name} segment ${k}`).toBe(fr(s.output_start_seconds));
        expect(clips[k].source_in).toBe(fr(s.source_in_seconds));
        expect(clips[k].duration).toBe(fr(s.source_out_seconds) - fr(s.source_in_seconds));
        expect(clips[k].target_url).toMatch(new RegExp(`/api/v1/videos/${sourceId}/content$`));
      });
      const cuts = clips.slice(1).map((c) => c.record_in);
      expect(cuts).toEqual(edit.cuts.map((c: any) => fr(c.time_seconds)));
      // a transition between clips k and k+1 for every boundary that is not a cut
      let k = 0;
      const transitions: any[] = [];
      for (const item of v1.items) {
        if (item.type === "clip") k++;
        else if (item.type === "transition") transitions.push({ at: k - 1, ...item });
      }
      const expected = edit.transitions
        .map((t: any, j: number) => ({ j, ...t }))
        .filter((t: any) => t.type !== "cut" && t.duration_ms > 0);
      expect(transitions.length, name).toBe(expected.length);
      expect(expected.length, `${name}: the job has dissolves`).toBeGreaterThan(0);
      expected.forEach((t: any, i: number) => {
        const frames = fr(t.duration_ms / 1000);
        expect(transitions[i].at).toBe(t.j);
        expect(transitions[i].transition_type).toBe(
          t.type === "fade" ? "SMPTE_Dissolve" : "Custom_Transition",
        );
        expect(transitions[i].in_offset).toBe(Math.floor(frames / 2));
        expect(transitions[i].in_offset + transitions[i].out_offset).toBe(frames);
      });
      // the music bed: the source's audio from its start, as long as the edit
      expect(edit.audio).toBe("continuous");
      expect(a1.kind).toBe("Audio");
      expect(clipsOf(a1).map((c) => [c.record_in, c.source_in, c.duration])).toEqual([[0, 0, total]]);
      // the beats: markers, inside the edit, and every cut within a frame of one
      expect(tl.markers.length).toBeGreaterThan(3);
      expect(Math.max(...tl.markers)).toBeLessThan(total);
      for (const c of cuts)
        expect(Math.min(...tl.markers.map((m) => Math.abs(m - c)))).toBeLessThanOrEqual(1);
      // framing in metadata; some segments zoom or punch in, and the grade is a link to the .cube
      const zooms = clips.map((c) => c.metadata.clipzy.zoom);
      expect(
        zooms.some((z: any) => z.from !== 1 || z.to !== 1),
        `${name}: zooms`,
      ).toBe(true);
      for (const c of clips) expect(c.metadata.clipzy.framing.keyframes.length).toBeGreaterThan(0);
      expect(tl.metadata.clipzy.grade.cube_url).toMatch(new RegExp(`/api/v1/jobs/${job.job_id}/grade.cube$`));
      expect(tl.metadata.clipzy.grade.applied).toBe(name === "templated");
      figures[`${name}_otio`] = {
        segments: clips.length,
        transition_frames: transitions.map((t) => t.in_offset + t.out_offset),
        markers: tl.markers.length,
      };
    }
  });

  it("FCPXML: the same cuts, source ranges and duration; transitions centred on the cuts; the music connected", async () => {
    for (const [name, job] of jobs()) {
      const edit = job.edit;
      const tl = await readBack(job.job_id, "fcpxml", "fcpx_xml");
      const total = fr(edit.duration_seconds);
      const spine = tl.tracks.find((t) => t.name === "0")!;
      const music = tl.tracks.find((t) => t.name === "-1")!;
      const clips = clipsOf(spine);
      expect(
        clips.map((c) => [c.record_in, c.source_in, c.duration]),
        name,
      ).toEqual(
        edit.segments.map((s: any) => [
          fr(s.output_start_seconds),
          fr(s.source_in_seconds),
          fr(s.source_out_seconds) - fr(s.source_in_seconds),
        ]),
      );
      expect(clips.slice(1).map((c) => c.record_in)).toEqual(edit.cuts.map((c: any) => fr(c.time_seconds)));
      expect(clips.at(-1)!.record_in + clips.at(-1)!.duration).toBe(total);
      expect(clips[0].target_url).toMatch(new RegExp(`/api/v1/videos/${sourceId}/content$`));
      expect(clipsOf(music).map((c) => [c.record_in, c.source_in, c.duration])).toEqual([[0, 0, total]]);
      expect(tl.markers.length).toBeGreaterThan(3);
      // the adapter drops <transition>: read from the XML (exact rationals)
      const expected = edit.transitions
        .map((t: any, j: number) => ({ ...t, at: fr(edit.cuts[j].time_seconds) }))
        .filter((t: any) => t.type !== "cut" && t.duration_ms > 0);
      expect(tl.xml_transitions!.length).toBe(expected.length);
      expected.forEach((t: any, i: number) => {
        const frames = fr(t.duration_ms / 1000);
        const x = tl.xml_transitions![i];
        expect(x.frames).toBe(frames);
        expect(x.start).toBe(t.at - Math.floor(frames / 2));
        if (t.type === "fade") expect(x.name).toBe("Cross Dissolve");
      });
    }
  });

  it("CMX 3600: the same cuts, dissolves, source ranges and duration", async () => {
    for (const [name, job] of jobs()) {
      const edit = job.edit;
      const tl = await readBack(job.job_id, "edl", "cmx_3600");
      const total = fr(edit.duration_seconds);
      const v = tl.tracks.find((t) => t.kind === "Video")!;
      // a CMX dissolve starts where its incoming event does: `before` frames ahead of the cut, and
      // as many frames early in the incoming source
      const clips = clipsOf(v).filter((c) => c.duration > 0);
      expect(clips).toHaveLength(edit.segments.length);
      const leads: number[] = [0];
      let k = 0;
      for (const item of v.items) {
        if (item.type === "clip" && item.duration > 0) k++;
        else if (item.type === "transition") {
          const t = edit.transitions[k - 1];
          const frames = fr(t.duration_ms / 1000);
          expect(item.transition_type, name).toBe("SMPTE_Dissolve");
          expect(item.in_offset + item.out_offset).toBe(frames);
          leads[k] = Math.floor(frames / 2);
        }
      }
      edit.segments.forEach((s: any, j: number) => {
        const lead = leads[j] ?? 0;
        expect(clips[j].record_in + lead, `${name} segment ${j}`).toBe(fr(s.output_start_seconds));
        expect(clips[j].source_in + lead).toBe(fr(s.source_in_seconds));
        if (j > 0 && edit.transitions[j - 1].type === "cut") expect(lead).toBe(0);
      });
      expect(leads.filter((l) => l > 0).length).toBe(
        edit.transitions.filter((t: any) => t.type !== "cut" && t.duration_ms > 0).length,
      );
      expect(clips.at(-1)!.record_in + clips.at(-1)!.duration).toBe(total);
      const audio = tl.tracks.find((t) => t.kind === "Audio")!;
      expect(clipsOf(audio).map((c) => [c.source_in, c.duration])).toEqual([[0, total]]);
    }
  });

  it("plain ffmpeg trims and concat of the OTIO cuts match the engine's render at unzoomed segments' midpoints", async () => {
    const tl = await readBack(neutral.job_id, "otio", "otio_json");
    const clips = clipsOf(tl.tracks[0]);
    const parts = clips.map(
      (c, k) =>
        `[0:v]fps=${FPS},trim=start_frame=${c.source_in}:end_frame=${c.source_in + c.duration},setpts=PTS-STARTPTS[c${k}]`,
    );
    const plain = join(dir, "plain-cuts.mkv");
    await ffmpeg([
      "-i",
      source,
      "-filter_complex",
      `${parts.join(";")};${clips.map((_, k) => `[c${k}]`).join("")}concat=n=${clips.length}:v=1:a=0,format=yuv420p[v]`,
      "-map",
      "[v]",
      "-c:v",
      "ffv1",
      plain,
    ]);
    const output = new URL(neutral.output_video_url).pathname;
    const still = clips.filter((c) => {
      const { zoom, framing } = c.metadata.clipzy;
      return zoom.from === 1 && zoom.to === 1 && framing.crop.width === framing.source.width;
    });
    expect(still.length, "some segments have no zoom").toBeGreaterThan(0);
    const psnr: Record<number, number> = {};
    for (const c of still) {
      const mid = c.record_in + Math.floor(c.duration / 2);
      const [a, b] = await Promise.all([frameOf(plain, mid), frameOf(output, mid)]);
      expect(a.length).toBe(b.length);
      let se = 0;
      for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
      psnr[mid] = Math.round(10 * Math.log10((255 * 255) / Math.max(1e-9, se / a.length)) * 100) / 100;
    }
    figures.psnr_db_at_midpoints = psnr;
    figures.unzoomed_segments = `${still.length} of ${clips.length}`;
    for (const [mid, db] of Object.entries(psnr)) expect(db, `frame ${mid}`).toBeGreaterThan(PSNR_MIN_DB);
  });
});
