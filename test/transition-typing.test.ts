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
  type TransitionCase,
  transitionCases,
} from "@clipzy/media/transition-clips";
import { analyzeMotion } from "@clipzy/models/motion/analyze-motion";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe("transition typing on real photographs", () => {
  const cases = transitionCases(SEED, COUNT);
  let results: { c: TransitionCase; transitions: TransitionRecord[] }[] = [];

  beforeAll(async () => {
    const photos = photosDir();
    results = await pairwise(cases, async (c) => {
      const file = await makeTransitionClip(dir, photos, c);
      const { analysis } = await analyzeVideo(file);
      return { c, transitions: analysis.transitions };
    });
  }, 300_000);

  it("types the family of every found transition right, measures its span within ±2 frames, keeps cuts cuts", () => {
    const families: Family[] = ["blend", "wipe", "other", "cut", "none"];
    const table = new Map<string, number>();
    const durErr: { name: string; err: number }[] = [];
    let falseGradual = 0;
    let cutsExact = 0;
    let cuts = 0;
    let right = 0;
    let found = 0;
    let gradual = 0;
    for (const { c, transitions } of results) {
      const near = (t: TransitionRecord) =>
        t.start_frame <= c.startFrame + c.frames + 3 && t.start_frame + t.frames >= c.startFrame - 3;
      const match = transitions.find(near);
      const got = familyOf(match);
      table.set(`${c.family}>${got}`, (table.get(`${c.family}>${got}`) ?? 0) + 1);
      falseGradual += transitions.filter((t) => t.type !== "cut" && (c.family === "cut" || !near(t))).length;
      if (c.family === "cut") {
        cuts++;
        if (transitions.some((t) => t.type === "cut" && t.start_frame === c.startFrame)) cutsExact++;
        continue;
      }
      gradual++;
      if (got === "none" || got === "cut") continue;
      found++;
      if (got === c.family) right++;
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
        `transition typing: ${COUNT} clips (seed ${SEED}), ${CLIP_FPS} fps; rows truth, columns read`,
      );
      console.log(`| truth \\ read | ${families.join(" | ")} |`);
      for (const t of ["blend", "wipe", "other", "cut"] as const)
        console.log(`| ${t} | ${families.map((g) => table.get(`${t}>${g}`) ?? 0).join(" | ")} |`);
      console.log(
        `family right ${right}/${found} found (${gradual} gradual, ${found} found); duration error (frames) ${durErr
          .map((d) => `${d.name} ${d.err > 0 ? "+" : ""}${d.err}`)
          .join(
            ", ",
          )}; hard-edged and blends within ±2: ${within2}/${hard.length}, soft-edged max |error| ${Math.max(0, ...soft.map((d) => Math.abs(d.err)))}; cuts exact ${cutsExact}/${cuts}; false gradual ${falseGradual}`,
      );
      const missed = results.filter(
        ({ c, transitions }) => c.family !== "cut" && !transitions.some((t) => t.type !== "cut"),
      );
      console.log(`not found: ${missed.map(({ c }) => `${c.name} (${c.content})`).join(", ")}`);
    }
    expect(cuts).toBeGreaterThanOrEqual(8);
    expect(cutsExact).toBe(cuts);
    expect(falseGradual).toBe(0);
    expect(found).toBeGreaterThanOrEqual(0.7 * gradual);
    expect(right / found).toBeGreaterThanOrEqual(0.95);
    expect(within2 / hard.length).toBeGreaterThanOrEqual(0.95);
    for (const d of soft) expect(Math.abs(d.err), d.name).toBeLessThanOrEqual(4);
  });
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
