/**
 * Audio fingerprints: Chromaprint's raw form (ffmpeg's `chromaprint` muxer, algorithm 1), one
 * 32-bit sub-fingerprint per ~124 ms of audio (4096/3 samples at 11025 Hz), each bit the sign of
 * one chroma-image filter. Re-encoding, resampling or a change of loudness flips few bits;
 * different music agrees on about half of them, like any two random words.
 *
 * Similarity: the two sequences are slid against each other (±`maxOffsetItems`, about ±15 s);
 * at each offset the share of aligned items that differ in at most MATCH_BITS of 32 bits is
 * counted, and the best offset's share over the shorter sequence is the similarity, 0..1.
 * Unrelated audio: the chance that two random words are within 6 bits is 2.4e-4, so the score of
 * different music stays near 0 however long the overlap; the same music scores near 1.
 */
import type { AudioFingerprintField } from "@clipzy/contracts";

export const FINGERPRINT_ALGORITHM = "chromaprint-1";
/** Duration of audio one sub-fingerprint stands for (Chromaprint's item step, 1365.33/11025 s). */
export const ITEM_SECONDS = 4096 / 3 / 11025;
export const MATCH_BITS = 6;
/** The similarity at or above which two videos are said to carry the same music. */
export const SAME_MUSIC_THRESHOLD = 0.5;

/** items: the raw little-endian uint32 items, base64, in `data`; item_seconds of audio each. */
export type AudioFingerprint = Omit<AudioFingerprintField, "source_match">;

/** ffmpeg's raw output (little-endian uint32 items) → the stored form; null when there is none. */
export function fingerprintFromRaw(raw: Uint8Array): AudioFingerprint | null {
  const items = Math.floor(raw.byteLength / 4);
  if (items === 0) return null;
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, items * 4);
  return {
    algorithm: FINGERPRINT_ALGORITHM,
    item_seconds: Math.round(ITEM_SECONDS * 1e6) / 1e6,
    items,
    data: bytes.toString("base64"),
  };
}

export function fingerprintItems(fp: AudioFingerprint): Uint32Array {
  const bytes = Buffer.from(fp.data, "base64");
  const out = new Uint32Array(Math.floor(bytes.byteLength / 4));
  for (let i = 0; i < out.length; i++) out[i] = bytes.readUInt32LE(i * 4);
  return out;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * How alike two fingerprints are, 0..1 (see the module comment), or null when either is too
 * short to say (under ~2 s of audio: MIN_ITEMS).
 */
export const MIN_ITEMS = 16;
export function fingerprintSimilarity(a: Uint32Array, b: Uint32Array, maxOffsetItems = 120): number | null {
  if (a.length < MIN_ITEMS || b.length < MIN_ITEMS) return null;
  const shorter = Math.min(a.length, b.length);
  let best = 0;
  for (let off = -maxOffsetItems; off <= maxOffsetItems; off++) {
    // item i of a against item i + off of b
    const from = Math.max(0, -off);
    const to = Math.min(a.length, b.length - off);
    if (to - from < MIN_ITEMS) continue;
    let matches = 0;
    for (let i = from; i < to; i++) if (popcount((a[i] ^ b[i + off]) >>> 0) <= MATCH_BITS) matches++;
    best = Math.max(best, matches / shorter);
  }
  return Math.round(best * 1000) / 1000;
}

/** Similarity of two stored fingerprints; null when either is missing or too short. */
export function compareFingerprints(
  a: AudioFingerprint | null | undefined,
  b: AudioFingerprint | null | undefined,
): number | null {
  if (!a || !b) return null;
  return fingerprintSimilarity(fingerprintItems(a), fingerprintItems(b));
}
