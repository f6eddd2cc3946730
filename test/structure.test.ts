/**
 * The layout's rules, checked over the sources (ARCHITECTURE.md): no service imports another
 * service's code (only the engine starts services, through each one's package entry, never a
 * subpath), nothing climbs out of its own package by a relative path, and every ffmpeg/ffprobe run
 * goes through the media edge (services/lib-media/src/ffmpeg.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const SERVICES = join(ROOT, "services");
const packages = readdirSync(SERVICES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith("."))
  .map((d) => d.name);
/** Package name (without @clipzy/) → its folder. */
const folderOf = new Map(
  packages.map((dir) => {
    const { name } = JSON.parse(readFileSync(join(SERVICES, dir, "package.json"), "utf8")) as {
      name: string;
    };
    return [name.replace(/^@clipzy\//, ""), dir];
  }),
);
const isService = (dir: string) => !dir.startsWith("lib-");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.parentPath.includes("/gen"))
    .map((e) => join(e.parentPath, e.name));
}

/** Every module specifier a file imports (static, dynamic and re-exports). */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) out.push(m[1]);
  return out;
}

/** The rule breaks in the sources of `dir` (a folder under services/). */
export function importViolations(dir: string, files: { path: string; text: string }[]): string[] {
  const bad: string[] = [];
  for (const { path, text } of files) {
    for (const spec of specifiers(text)) {
      const where = `${relative(ROOT, path)}: ${spec}`;
      if (spec.startsWith(".")) {
        const resolved = resolve(path, "..", spec);
        const shared = relative(join(ROOT, "test", "support"), resolved); // the suite's own helpers
        if (relative(join(SERVICES, dir), resolved).startsWith("..") && shared.startsWith(".."))
          bad.push(`${where} (leaves its package)`);
        continue;
      }
      const m = /^@clipzy\/([^/]+)(\/.*)?$/.exec(spec);
      const target = m && folderOf.get(m[1]);
      if (!target || target === dir || !isService(target)) continue;
      if (dir === "engine" && !m[2]) continue; // the engine starts each service by its entry
      bad.push(`${where} (another service's code)`);
    }
  }
  return bad;
}

/** A direct run of ffmpeg or ffprobe, however spawned. */
const SPAWNS_MEDIA_TOOL = /(?:spawn|execFile|exec|runTool|spawnTool)\w*\(\s*["'`](?:ffmpeg|ffprobe)["'`]/;

const read = (dir: string) =>
  sources(join(SERVICES, dir, "src")).map((path) => ({ path, text: readFileSync(path, "utf8") }));

describe("layout rules", () => {
  it("no service's src/ imports another service's code", () => {
    const bad = packages.flatMap((dir) => importViolations(dir, read(dir)));
    expect(bad).toEqual([]);
  });

  it("catches an import of another service, by package or by path", () => {
    const path = join(SERVICES, "jobs", "src", "app", "x.ts");
    const bad = importViolations("jobs", [
      {
        path,
        text: 'import { x } from "@clipzy/upload";\nimport { y } from "../../../upload/src/app/uploads.js";',
      },
    ]);
    expect(bad).toHaveLength(2);
    expect(
      importViolations("engine", [{ path, text: 'import * as u from "@clipzy/upload/app/uploads";' }]),
    ).toHaveLength(1);
    expect(importViolations("jobs", [{ path, text: 'import { z } from "@clipzy/contracts";' }])).toEqual([]);
    expect(SPAWNS_MEDIA_TOOL.test('spawn("ffprobe", ["-v", "error", file])')).toBe(true);
    expect(SPAWNS_MEDIA_TOOL.test('await runTool(\n  "ffmpeg",\n  args)')).toBe(true);
    expect(SPAWNS_MEDIA_TOOL.test('runFfmpeg(["-i", file])')).toBe(false);
  });

  it("runs ffmpeg and ffprobe only through the media edge (lib-media/src/ffmpeg.ts)", () => {
    const edge = join(SERVICES, "lib-media", "src", "ffmpeg.ts");
    // lib-platform's process runner is the edge's own machinery, tested with the tools themselves.
    const runner = join(SERVICES, "lib-platform", "src");
    const bad = packages
      .flatMap((dir) => read(dir))
      .filter(({ path }) => path !== edge && !path.startsWith(`${runner}/process`))
      .filter(({ text }) => SPAWNS_MEDIA_TOOL.test(text))
      .map(({ path }) => relative(ROOT, path));
    expect(bad).toEqual([]);
  });
});
