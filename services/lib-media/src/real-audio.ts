import { existsSync } from "node:fs";

/**
 * Real music for tests: the soundtrack of Debian's `frozen-bubble-data` (GPL-2, Ogg Vorbis),
 * installed by `npm test` beside ffmpeg. Synthetic drums hide what a real mix does to an analyser
 * (reverb, chords, vocals-like leads, mastering), so tests that can use real music do.
 */
export const REAL_MUSIC_PACKAGE = "frozen-bubble-data";
const DIR = "/usr/share/games/frozen-bubble/snd";
export const REAL_MUSIC = {
  main: `${DIR}/frozen-mainzik-1p.ogg`,
  duel: `${DIR}/frozen-mainzik-2p.ogg`,
  intro: `${DIR}/introzik.ogg`,
} as const;

/** The path, or an error saying how to get it (tests fail loudly rather than skip). */
export function realMusic(name: keyof typeof REAL_MUSIC): string {
  const path = REAL_MUSIC[name];
  if (!existsSync(path))
    throw new Error(`${path} is missing: install Debian's ${REAL_MUSIC_PACKAGE} (npm test does it)`);
  return path;
}
