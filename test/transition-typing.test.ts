import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeVideo, type TransitionRecord } from "@clipzy/media/analyze-video";
import {
  CLIP_FPS,
  makeStillClip,
  makeTransitionClip,
  SOFT_EDGED,
  type StillCase,
  transitionCases,
} from "@clipzy/media/transition-clips";
import { analyzeMotion } from "@clipzy/models/motion/analyze-motion";
import { afterAll, describe, expect, it } from "vitest";
import { photosDir } from "../scripts/photos.mjs";

/**
 * Transition typing and still shots on real photographs (scikit-image's sample photos, installed
 * by `npm test`; services/lib-media/src/transition-clips.ts). Each transition clip is two Ken Burns
 * pans with mild sensor noise at 320×180, 25 fps, joined by one of ffmpeg's xfade transitions
 * (0.3–1.5 s) or a hard cut, over two different photographs or two windows of one photograph / two
 * texture photographs ("similar"). The truth (family, first frame, length) is known by construction;
 * for the circles and the radial sweep the span is where xfade's formulas move pixels.
 */
const SEED = 21;
/** A second seed of the same generator, for figures the classifier was not tuned on. */
const HELD_OUT_SEED = 7;
const COUNT = 40;
const print = !!process.env.CLIPZY_PRINT_FIGURES;

type Family = "blend" | "wipe" | "other" | "cut" | "none";
const familyOf = (t: TransitionRecord | undefined): Family =>
  !t
    ? "none"
    : t.type === "cut"
      ? "cut"
      : t.type === "wipe"
        ? "wipe"
        : t.type === "other"
          ? "other"
          : "blend";

const dir = mkdtempSync(join(tmpdir(), "clipzy-tt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function pairwise<T, R>(xs: readonly T[], f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < xs.length; i += 2) out.push(...(await Promise.all(xs.slice(i, i + 2).map(f))));
  return out;
}

interface SetFigures {
  cuts: number;
  cutsExact: number;
  falseGradual: number;
  gradual: number;
  found: number;
  right: number;
  /** Hard-edged wipes and blends within ±2 frames, and how many. */
  within2: number;
  hard: number;
  soft: { name: string; err: number }[];
}

/** Makes and analyses the `count` clips of `seed`; prints the confusion table; returns the figures. */
async function typingSet(seed: number, label: string): Promise<SetFigures> {
  const photos = photosDir();
  const results = await pairwise(transitionCases(seed, COUNT), async (c) => {
    const file = await makeTransitionClip(dir, photos, { ...c, name: `s${seed}-${c.name}` });
    const { analysis } = await analyzeVideo(file);
    return { c, transitions: analysis.transitions };
  });
  const families: Family[] = ["blend", "wipe", "other", "cut", "none"];
  const table = new Map<string, number>();
  const durErr: { name: string; err: number }[] = [];
  const fig = { cuts: 0, cutsExact: 0, falseGradual: 0, gradual: 0, found: 0, right: 0 };
  for (const { c, transitions } of results) {
    const near = (t: TransitionRecord) =>
      t.start_frame <= c.startFrame + c.frames + 3 && t.start_frame + t.frames >= c.startFrame - 3;
    const match = transitions.find(near);
    const got = familyOf(match);
    table.set(`${c.family}>${got}`, (table.get(`${c.family}>${got}`) ?? 0) + 1);
    fig.falseGradual += transitions.filter(
      (t) => t.type !== "cut" && (c.family === "cut" || !near(t)),
    ).length;
    if (c.family === "cut") {
      fig.cuts++;
      if (transitions.some((t) => t.type === "cut" && t.start_frame === c.startFrame)) fig.cutsExact++;
      continue;
    }
    fig.gradual++;
    if (got === "none" || got === "cut") continue;
    fig.found++;
    if (got === c.family) fig.right++;
    if (got === c.family && c.family !== "other")
      durErr.push({ name: c.name, err: match!.frames - c.frames });
  }
  // A smoothstep edge moves its first and last pixels by a percent or so: those frames read as
  // the shots themselves, so soft-edged wipes read up to 4 frames short; hard ones and blends ±2.
  const soft = durErr.filter((d) => SOFT_EDGED.has(d.name.replace(/^\d+-/, "")));
  const hard = durErr.filter((d) => !soft.includes(d));
  const within2 = hard.filter((d) => Math.abs(d.err) <= 2).length;
  if (print) {
    console.log(
      `transition typing, ${label}: ${COUNT} clips (seed ${seed}), ${CLIP_FPS} fps; rows truth, columns read`,
    );
    console.log(`| truth \\ read | ${families.join(" | ")} |`);
    for (const t of ["blend", "wipe", "other", "cut"] as const)
      console.log(`| ${t} | ${families.map((g) => table.get(`${t}>${g}`) ?? 0).join(" | ")} |`);
    console.log(
      `family right ${fig.right}/${fig.gradual} gradual (${fig.found} found); duration error (frames) ${durErr
        .map((d) => `${d.name} ${d.err > 0 ? "+" : ""}${d.err}`)
        .join(
          ", ",
        )}; hard-edged and blends within ±2: ${within2}/${hard.length}, soft-edged max |error| ${Math.max(0, ...soft.map((d) => Math.abs(d.err)))}; cuts exact ${fig.cutsExact}/${fig.cuts}; false gradual ${fig.falseGradual}`,
    );
    const missed = results.filter(
      ({ c, transitions }) =>
        c.family !== "cut" &&
        familyOf(
          transitions.find(
            (t) =>
              t.start_frame <= c.startFrame + c.frames + 3 && t.start_frame + t.frames >= c.startFrame - 3,
          ),
        ) !== c.family,
    );
    console.log(
      `wrong or not found: ${missed.map(({ c, transitions }) => `${c.name} (${c.content}, ${c.frames} frames) read ${transitions.map((t) => `${t.type}@${t.start_frame}+${t.frames}`).join(" ") || "nothing"}`).join("; ")}`,
    );
  }
  return { ...fig, within2, hard: hard.length, soft };
}

describe("transition typing on real photographs", () => {
  it("tuning set (seed 21): types the family of ≥ 87 % of gradual transitions right, spans within ±2 frames, keeps cuts cuts", async () => {
    const f = await typingSet(SEED, "tuning set");
    expect(f.cuts).toBeGreaterThanOrEqual(8);
    expect(f.cutsExact).toBe(f.cuts);
    expect(f.falseGradual).toBe(0);
    expect(f.right / f.gradual).toBeGreaterThanOrEqual(0.87);
    expect(f.right / f.found).toBeGreaterThanOrEqual(0.95);
    expect(f.within2 / f.hard).toBeGreaterThanOrEqual(0.95);
    for (const d of f.soft) expect(Math.abs(d.err), d.name).toBeLessThanOrEqual(4);
  }, 300_000);

  it("held-out set (seed 7, never tuned on): cuts stay cuts, no false gradual transition; typing figures printed", async () => {
    // Short of the tuning set's figures (see docs/analysis.md): what is asserted here is what holds.
    const f = await typingSet(HELD_OUT_SEED, "held-out set");
    expect(f.cutsExact).toBe(f.cuts);
    expect(f.falseGradual).toBe(0);
    expect(f.right / f.found).toBeGreaterThanOrEqual(0.9);
    expect(f.right / f.gradual).toBeGreaterThanOrEqual(0.78);
  }, 300_000);
});

describe("still shots read still, a slow zoom reads a zoom", () => {
  const still = (
    name: string,
    photo: string,
    noise: number,
    crf: number,
    subjectSpeed: number,
  ): StillCase => ({
    name,
    photo,
    zoom: 1,
    seconds: 4,
    noise,
    crf,
    subjectSpeed,
  });
  const stills: StillCase[] = [
    still("still-astronaut", "astronaut.png", 10, 30, 12),
    still("still-chelsea", "chelsea.png", 14, 28, 0),
    still("still-grass", "grass.png", 10, 32, 20),
    still("still-moon", "moon.png", 16, 30, 8),
  ];
  const zooms: StillCase[] = [
    { name: "zoom-coffee", photo: "coffee.png", zoom: 1.1, seconds: 5, noise: 10, crf: 28, subjectSpeed: 0 },
    { name: "zoom-rocket", photo: "rocket.jpg", zoom: 1.1, seconds: 5, noise: 10, crf: 28, subjectSpeed: 10 },
  ];

  it("static shots with noise, compression and a small moving subject: zoom_usage ≤ 10, motion_intensity ≤ 10; 1.1× over 5 s: a zoom", async () => {
    const photos = photosDir();
    const rows = await pairwise([...stills, ...zooms], async (c) => {
      const v = await analyzeVideo(await makeStillClip(dir, photos, c));
      const m = await analyzeMotion(v.frames, { transitions: v.analysis.transitions });
      return { c, m, cuts: v.analysis.transitions.length };
    });
    if (print)
      for (const { c, m } of rows)
        console.log(
          `${c.name}: zoom ${c.zoom}× noise ${c.noise} crf ${c.crf} subject ${c.subjectSpeed} px/s → zoom_usage ${m.zoom_usage}, motion_intensity ${m.motion_intensity}, zoom segments ${JSON.stringify(m.zoom_segments.map((s) => [s.direction, +s.duration_seconds.toFixed(2), +s.rate_per_second.toFixed(4)]))}`,
        );
    for (const { c, m, cuts } of rows) {
      expect(cuts, c.name).toBe(0);
      if (c.zoom === 1) {
        expect(m.zoom_usage, c.name).toBeLessThanOrEqual(10);
        expect(m.motion_intensity, c.name).toBeLessThanOrEqual(10);
      } else {
        expect(m.zoom_usage, c.name).toBeGreaterThanOrEqual(80);
        expect(m.zoom_segments.length, c.name).toBe(1);
        // ln(1.1)/5 s = 0.0191 per second
        expect(m.zoom_segments[0].direction).toBe("in");
        const truth = Math.log(c.zoom) / c.seconds;
        expect(Math.abs(m.zoom_segments[0].rate_per_second - truth)).toBeLessThan(0.35 * truth);
      }
    }
  }, 180_000);
});
