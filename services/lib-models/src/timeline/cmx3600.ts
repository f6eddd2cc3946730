import type { EditDecisionList } from "../edit/edl.js";
import { musicSpan, type TimelineMedia, transitionKind, transitionSplit } from "./model.js";

/**
 * The edit as a CMX 3600 EDL: cuts and dissolves only. Timecode is non-drop-frame at the EDL's
 * nominal rate (round(fps): read it at that rate), source timecode counted from the file's first
 * frame, record timecode from 01:00:00:00.
 *
 * A CMX dissolve starts at the incoming event's record in (the outgoing source is frozen at a
 * zero-length event and plays on under the dissolve), so a dissolve centred on cut c, `before`
 * frames ahead of it and `after` behind, is the outgoing event ending at c − before and the
 * incoming one starting there, `before` frames early in its source, with a dissolve of all its
 * frames. Every transition other than a cross-dissolve (dips, wipes, slides) is written as a
 * dissolve of the same frames, its shape named in a comment. Audio: the music bed as one A event
 * (continuous mode), or the segments' audio as cut A events (spliced mode).
 */
export function cmx3600(edl: EditDecisionList, media: TimelineMedia): string {
  const rate = Math.round(edl.fps);
  const REC0 = 3600 * rate;
  const tc = (frames: number) => {
    const ff = frames % rate;
    const s = Math.floor(frames / rate);
    const p2 = (x: number) => String(x).padStart(2, "0");
    return `${p2(Math.floor(s / 3600))}:${p2(Math.floor(s / 60) % 60)}:${p2(s % 60)}:${p2(ff)}`;
  };
  const line = (n: number, channel: string, edit: string, src: [number, number], rec: [number, number]) =>
    `${String(n).padStart(3, "0")}  AX       ${channel.padEnd(5)} ${edit.padEnd(8)} ${tc(src[0])} ${tc(src[1])} ${tc(REC0 + rec[0])} ${tc(REC0 + rec[1])}`;
  // one line each: a control character in a name cannot start a line of its own
  const oneLine = (s: string) => s.replace(/\p{Cc}/gu, " ");
  const name = oneLine(media.filename);
  const url = oneLine(media.url);
  const from = [`* FROM CLIP NAME: ${name}`, `* FROM FILE: ${url}`];
  const out = [`TITLE: ${oneLine(media.name)}`, "FCM: NON-DROP FRAME", ""];
  let n = 0;

  // Where each segment's event starts, on the record side and in its source: `before` frames early
  // where a dissolve leads into it (no earlier than the file's first frame).
  const lead = edl.segments.map((s, k) => {
    const t = k > 0 ? edl.boundaries[k - 1].transition : null;
    if (!t || t.type === "cut" || t.frames === 0) return 0;
    return Math.min(transitionSplit(t.frames).before, s.source_in);
  });
  edl.segments.forEach((s, k) => {
    const next = lead[k + 1] ?? 0;
    const src: [number, number] = [s.source_in - lead[k], s.source_out - next];
    const rec: [number, number] = [s.out_start - lead[k], s.out_start + (s.source_out - s.source_in) - next];
    const t = k > 0 ? edl.boundaries[k - 1].transition : null;
    n++;
    if (!t || lead[k] === 0) {
      out.push(line(n, "V", "C", src, rec), ...from, "");
      return;
    }
    // the outgoing side frozen where the dissolve begins, then the dissolve into this segment
    const prev = edl.segments[k - 1];
    const aOut = prev.source_out - lead[k];
    const frames = lead[k] + transitionSplit(t.frames).after;
    out.push(
      line(n, "V", "C", [aOut, aOut], [rec[0], rec[0]]),
      line(n, "V", `D ${String(frames).padStart(3, "0")}`, src, rec),
      `* FROM CLIP NAME: ${name}`,
      `* TO CLIP NAME: ${name}`,
      `* FROM FILE: ${url}`,
      ...(transitionKind(t.type).dissolve ? [] : [`* CLIPZY TRANSITION: ${t.type}`]),
      "",
    );
  });

  const music = musicSpan(edl);
  const audio: [number, number][] = music
    ? [[music.from, music.frames]]
    : edl.audio.mode === "spliced"
      ? edl.segments.map((s) => [s.source_in, s.source_out - s.source_in])
      : [];
  let at = 0;
  for (const [start, frames] of audio) {
    n++;
    out.push(line(n, "A", "C", [start, start + frames], [at, at + frames]), ...from, "");
    at += frames;
  }
  return `${out.join("\n").trimEnd()}\n`;
}
