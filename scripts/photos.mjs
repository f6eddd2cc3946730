// Real photographs for the analysis tests: scikit-image's wheel (PyPI) ships a few in
// skimage/data/*.png (astronaut, chelsea, coffee, rocket, …). Installed once into a pinned venv of
// its own (scripts/venv.mjs); the tests read the PNGs from there.
//
//   node scripts/photos.mjs   → installs it and prints the directory of the PNGs
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureVenv } from "./venv.mjs";

export const PHOTO_REQUIREMENTS = ["scikit-image==0.24.0"];

/** The directory holding scikit-image's sample photographs (the venv is created once, cached). */
export function photosDir() {
  const { dir } = ensureVenv(PHOTO_REQUIREMENTS);
  const lib = join(dir, "lib");
  for (const py of readdirSync(lib)) {
    const data = join(lib, py, "site-packages", "skimage", "data");
    if (existsSync(join(data, "astronaut.png"))) return data;
  }
  throw new Error(`scikit-image's sample photographs not found under ${lib}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${photosDir()}\n`);
}
