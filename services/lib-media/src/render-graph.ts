import type { EditDecisionList, EdlSegment } from "@clipzy/models/edit/edl";

/**
 * The ffmpeg command line executing an edit decision list in one run, built here and run by the
 * stages that render. The source is decoded once and split into one branch per segment; each
 * branch trims its frames (core plus transition handles, holding the edge frame where the plan
 * says so), frames them (subject-centred crop; slow zooms through `perspective`, which resamples
 * at sub-pixel precision — bench/zoom.ts measured zoompan's integer steps as 10× the centre
 * jitter) and scales to the output size; the branches' pieces are joined in order by one concat,
 * xfade blending only a transition's own frames (joinGraph; all on one timebase and rate, in
 * 4:2:0). Segments are in source order with small overlaps at most, so the split queues only the
 * frames of an overlap.
 */
export const AUDIO_RATE = 48000;

export function renderArgs(edl: EditDecisionList, input: string, output: string): string[] {
  return graphArgs(edl, input, output, { audio: edl.audio.mode !== "none" });
}

/**
 * The video of an EDL alone (a chunk of a chunked render, its audio rendered once for the whole
 * timeline by audioArgs). With `seekFrame`, the source is read from that source frame on
 * (`-ss` to it, from the keyframe before it): the EDL's source frames must then count from it
 * (rebaseSource), and the fps filter starts its grid there. Only for a source at the EDL's own
 * rate: resampling another rate from a shifted origin could resolve a tie between two source
 * frames the other way than a render from the file's start. A chunk's frames are the whole
 * render's: the pieces join (joinGraph) leaves every frame but a transition's own in 4:2:0, and no
 * chunk boundary falls inside a transition (planChunks).
 */
export function videoArgs(
  edl: EditDecisionList,
  input: string,
  output: string,
  opts: { seekFrame?: number } = {},
): string[] {
  return graphArgs(edl, input, output, { audio: false, ...opts });
}

/** The audio of an EDL alone, over its whole timeline (AAC in an .m4a). */
export function audioArgs(edl: EditDecisionList, input: string, output: string): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-y",
    "-i",
    input,
    "-filter_complex",
    audioGraph(edl).join(";"),
    "-map",
    "[a]",
    "-c:a",
    "aac",
    "-b:a",
    `${edl.audio.bitrate_kbps}k`,
    output,
  ];
}

/**
 * Joins chunk videos (identically configured x264 streams, listed in a concat demuxer file) without
 * re-encoding, muxing the audio in when there is one.
 */
export function joinArgs(list: string, audio: string | null, output: string): string[] {
  const withAudio = audio ? ["-i", audio, "-map", "0:v", "-map", "1:a"] : [];
  return [
    "-hide_banner",
    "-nostdin",
    "-y",
    "-f",
    "concat",
    "-safe",
    "0",
    "-i",
    list,
    ...withAudio,
    "-c",
    "copy",
    "-movflags",
    "+faststart",
    output,
  ];
}

/** A concat demuxer list of files (absolute paths). */
export const concatList = (files: readonly string[]): string =>
  files.map((f) => `file '${f.replaceAll("'", "'\\''")}'\n`).join("");

function graphArgs(
  edl: EditDecisionList,
  input: string,
  output: string,
  opts: { audio: boolean; seekFrame?: number },
): string[] {
  const seek = opts.seekFrame ? opts.seekFrame : 0;
  const [num, den] = edl.fps_fraction.split("/").map(Number);
  const video = videoGraph(edl, seek > 0);
  const graph = [...video, ...(opts.audio ? audioGraph(edl) : [])];
  const args = [
    "-hide_banner",
    "-nostdin",
    "-y",
    ...(seek > 0 ? ["-ss", ((seek * den) / num).toFixed(6), "-noaccurate_seek"] : []),
    "-i",
    input,
    "-filter_complex",
    graph.join(";"),
    "-map",
    "[v]",
  ];
  if (opts.audio) {
    args.push("-map", "[a]", "-c:a", "aac", "-b:a", `${edl.audio.bitrate_kbps}k`);
  }
  args.push(
    "-c:v",
    "libx264",
    "-preset",
    edl.encode.preset,
    "-crf",
    String(edl.encode.crf),
    "-r",
    edl.fps_fraction,
    "-frames:v",
    String(edl.output.frames),
    "-movflags",
    "+faststart",
    "-progress",
    "pipe:1",
    "-nostats",
    output,
  );
  return args;
}

const f6 = (x: number) => String(Math.round(x * 1e6) / 1e6);
const even = (x: number) => Math.max(2, Math.floor(x / 2) * 2);
const evenUp = (x: number) => Math.ceil(x / 2) * 2;
const clampInt = (x: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, x)));

/** The crop/zoom/scale chain of one segment, in source pixels. */
export function framingFilters(edl: EditDecisionList, s: EdlSegment, zoomFlags = ZOOM_FLAGS): string[] {
  const { width: W, height: H } = edl.source;
  const { width: CW, height: CH } = edl.crop;
  const { from, to, cx, cy } = s.zoom;
  const out = `scale=${edl.output.width}:${edl.output.height}`;
  if (from === to) {
    const w = even(CW / from);
    const h = even(CH / from);
    if (w === W && h === H) return [out];
    const path = s.zoom.path;
    if (path) {
      // the window's centre glides along the subject's path (crop evaluates x and y per frame)
      const pre = s.pre.source + s.pre.hold;
      const x = `clip((${pathExpr(path, "cx", pre)})*${W}-${w / 2},0,${W - w})`;
      const y = `clip((${pathExpr(path, "cy", pre)})*${H}-${h / 2},0,${H - h})`;
      return [`crop=${w}:${h}:x='${x}':y='${y}':exact=1`, out];
    }
    const x = clampInt(cx * W - w / 2, 0, W - w);
    const y = clampInt(cy * H - h / 2, 0, H - h);
    return [`crop=${w}:${h}:${x}:${y}:exact=1`, out];
  }
  return zoomFilters(edl, s, out, zoomFlags);
}

/**
 * The zoom's resampling grid has at least this many columns (rows, for a portrait output): the
 * output itself at 1080p, the output times m below it (then scaled down by m).
 */
export const ZOOM_GRID = 1920;
/** swscale's resampler for the zoom (bench/zoom.ts measures it against the others). */
export const ZOOM_FLAGS = "bilinear";

/**
 * A slow zoom: a window of 1/s of the aspect crop around the subject, s from → to at a constant
 * rate over all the branch's frames, handles included (a zoom that started or stopped inside a
 * dissolve would put a kink in it). Rendered as swscale does it cheapest: the box holding every
 * window of the segment is cropped (on the chroma grid), scaled per frame (`eval=frame`) to
 * whole grid pixels at the frame's scale, and the window cropped out of it at whole grid pixels;
 * the grid is the output's (times m when the output is under ZOOM_GRID, then scaled down by m).
 * So the window's edges are within half a grid pixel of the plan's (RMS ~0.27), and every pixel
 * is resampled once, at the grid's size. Bilinear: measured against bicubic and
 * `perspective` in bench/zoom.ts (jitter and cost).
 */
function zoomFilters(edl: EditDecisionList, s: EdlSegment, out: string, flags: string): string[] {
  const { width: W, height: H } = edl.source;
  const { width: CW, height: CH } = edl.crop;
  const { from, to, cx, cy } = s.zoom;
  const { width: OW, height: OH } = edl.output;
  const x0 = clampInt(cx * W - CW / 2, 0, W - CW);
  const y0 = clampInt(cy * H - CH / 2, 0, H - CH);
  // a chunk's branch (span) draws frames first.. of the whole segment's zoom
  const first = s.zoom.span?.first ?? 0;
  const n =
    s.zoom.span?.of ?? s.source_out - s.source_in + s.pre.source + s.pre.hold + s.post.source + s.post.hold;
  const S = `(${f6(from)}*pow(${f6(to / from)},clip((n+${first})/${Math.max(1, n - 1)},0,1)))`;
  const m = Math.max(1, Math.ceil(ZOOM_GRID / Math.max(OW, OH)));
  const [GW, GH] = [OW * m, OH * m];
  // the window's left (top) edge in source pixels at scale `sc` (a number or an expression)
  const lo = (c: number, C: number, o: number) => (sc: string) =>
    `(${o}+clip(${f6(c - o)}-${C / 2}/${sc},0,${C}-${C}/${sc}))`;
  const axis = (c: number, C: number, o: number, size: number, G: number) => {
    // the box holding every window: the widest one's, widened onto the chroma grid
    const smin = Math.min(from, to);
    const left = o + Math.min(C - C / smin, Math.max(0, c - o - C / (2 * smin)));
    const b0 = Math.max(0, Math.floor(left / 2) * 2);
    const b1 = Math.min(size, evenUp(left + C / smin));
    const B = b1 - b0;
    // The box's size at the frame's scale (grid px) is the nearest whole size or one either side,
    // whichever puts the window's two edges, cropped out at whole grid px, closest to the plan's
    // (the larger of the two errors: ≤ 0.49 grid px, against 0.81 for the nearest size alone).
    // Registers: 7 the scale, 0 the window's start in the box and 1 its size (source px), 2 the
    // nearest size, 3–5 the misses of sizes 2−1, 2, 2+1, 6 the size chosen (8, 9 scratch).
    const miss = (z: string) =>
      `(st(9,${z});st(8,round(ld(0)*ld(9)/${B}));` +
      `max(abs(ld(8)-ld(0)*ld(9)/${B}),abs(ld(8)+${G}-(ld(0)+ld(1))*ld(9)/${B})))`;
    const scaled =
      `st(7,${S});st(0,${lo(c, C, o)("ld(7)")}-${b0});st(1,${C}/ld(7));st(2,round(${B}*${G}/ld(1)));` +
      `st(3,${miss("ld(2)-1")});st(4,${miss("ld(2)")});st(5,${miss("ld(2)+1")});` +
      "st(6,if(lt(ld(3),min(ld(4),ld(5))),ld(2)-1,if(lt(ld(5),ld(4)),ld(2)+1,ld(2))))";
    const at = `${scaled};round(ld(0)*ld(6)/${B})`; // the window's place in the box so scaled
    return { b0, B, scaled, at };
  };
  const X = axis(cx * W, CW, x0, W, GW);
  const Y = axis(cy * H, CH, y0, H, GH);
  const box = X.B === W && Y.B === H ? [] : [`crop=${X.B}:${Y.B}:${X.b0}:${Y.b0}:exact=1`];
  return [
    ...box,
    `scale=w='${X.scaled}':h='${Y.scaled}':eval=frame:flags=${flags}`,
    `crop=${GW}:${GH}:x='${X.at}':y='${Y.at}':exact=1`,
    out,
  ];
}

/** A keyframed path as an ffmpeg expression of the frame number n: piecewise linear, held at its ends. */
function pathExpr(
  path: readonly { at: number; cx: number; cy: number }[],
  key: "cx" | "cy",
  pre: number,
): string {
  let e = f6(path[0][key]);
  for (let i = 0; i + 1 < path.length; i++) {
    const d = path[i + 1][key] - path[i][key];
    if (d === 0) continue;
    const span = Math.max(1, path[i + 1].at - path[i].at);
    e += `+${f6(d)}*clip((n-${pre + path[i].at})/${span},0,1)`;
  }
  return e;
}

function videoGraph(edl: EditDecisionList, seeked: boolean): string[] {
  const K = edl.segments.length;
  const [num, den] = edl.fps_fraction.split("/");
  const tb = `${den}/${num}`;
  const parts: string[] = [];
  // seeked (videoArgs): the input's frames before the seek point come with negative timestamps,
  // and the frame grid starts at the seek point as it would in a render from the file's start
  const rate = seeked ? `fps=fps=${edl.fps_fraction}:start_time=0` : `fps=${edl.fps_fraction}`;
  const head = `[0:v]${rate},settb=${tb}`;
  parts.push(K > 1 ? `${head},split=${K}${edl.segments.map((_, k) => `[i${k}]`).join("")}` : `${head}[i0]`);
  edl.segments.forEach((s, k) => {
    const chain = [
      `trim=start_frame=${s.source_in - s.pre.source}:end_frame=${s.source_out + s.post.source}`,
    ];
    if (s.pre.hold || s.post.hold)
      chain.push(`tpad=start=${s.pre.hold}:start_mode=clone:stop=${s.post.hold}:stop_mode=clone`);
    // Timestamps renumbered from the frame count (tpad's clones carry unusable ones).
    chain.push(
      "setpts=N/FRAME_RATE/TB",
      ...framingFilters(edl, s),
      "setsar=1",
      "format=yuv420p",
      `settb=${tb}`,
    );
    parts.push(`[i${k}]${chain.join(",")}[s${k}]`);
  });
  parts.push(...joinGraph(edl));
  // The job's one colour transfer, on the joined output (its own size, after every framing).
  const tail = edl.colour.filter ? [edl.colour.filter] : [];
  parts.push(`[joined]${[...tail, "format=yuv420p"].join(",")}[v]`);
  return parts;
}

/** The frames a transition blends: output frames [start, start + frames), start = at − ⌊frames/2⌋. */
function blendSpan(b: EditDecisionList["boundaries"][number]): { start: number; frames: number } | null {
  const t = b.transition;
  if (t.type === "cut" || t.frames === 0) return null;
  return { start: b.at - Math.floor(t.frames / 2), frames: t.frames };
}

/**
 * Joins the framed branches [s0]…[sK−1] into [joined], all in yuv420p. Each branch is cut into
 * its pieces on the output timeline: the head it blends with the previous branch, its body, the
 * tail it blends with the next (branch frame i is output frame out_start − pre − hold + i). Only
 * the blended frames go through xfade, which in ffmpeg 5.1 takes no 4:2:0: the two pieces are
 * converted to 4:4:4 for their few frames and back, and every other frame stays in 4:2:0 as
 * decoded (no chroma round trip, no 4:4:4 concat or colour pass). One concat joins the pieces in
 * order. The result is xfade's: output frame start + i is tail[i]·(1 − i/F) + head[i]·i/F.
 */
function joinGraph(edl: EditDecisionList): string[] {
  const [num, den] = edl.fps_fraction.split("/");
  const tb = `${den}/${num}`;
  const parts: string[] = [];
  const pieces: string[] = [];
  const spans = edl.boundaries.map(blendSpan);
  const renumber = `setpts=N/FRAME_RATE/TB`;
  edl.segments.forEach((s, k) => {
    const first = s.out_start - s.pre.source - s.pre.hold; // output frame of branch frame 0
    const end = s.out_start + (s.source_out - s.source_in) + s.post.source + s.post.hold;
    const before = k > 0 ? spans[k - 1] : null;
    const after = k < spans.length ? spans[k] : null;
    // the body: from the previous blend's end (else the core's start) to the next blend's start
    // (else the core's end), as branch frames
    const bodyFrom = (before ? before.start + before.frames : s.out_start) - first;
    const bodyTo = (after ? after.start : s.out_start + (s.source_out - s.source_in)) - first;
    const cuts: { label: string; from: number; to: number }[] = [];
    if (before)
      cuts.push({ label: `ph${k}`, from: before.start - first, to: before.start + before.frames - first });
    const body = bodyTo > bodyFrom;
    if (body) cuts.push({ label: `pb${k}`, from: bodyFrom, to: bodyTo });
    if (after)
      cuts.push({
        label: `pt${k}`,
        from: after.start - first,
        to: Math.min(end, after.start + after.frames) - first,
      });
    const only = cuts.length === 1 && cuts[0].from === 0 && cuts[0].to === end - first;
    if (only) parts.push(`[s${k}]null[${cuts[0].label}]`);
    else {
      parts.push(`[s${k}]split=${cuts.length}${cuts.map((c) => `[c${c.label}]`).join("")}`);
      for (const c of cuts)
        parts.push(`[c${c.label}]trim=start_frame=${c.from}:end_frame=${c.to},${renumber}[${c.label}]`);
    }
    // the pieces in output order: the blend with the previous branch, then this branch's body
    if (before) {
      const t = edl.boundaries[k - 1].transition;
      parts.push(
        `[pt${k - 1}]format=yuv444p[pd${k - 1}a];[ph${k}]format=yuv444p[pd${k - 1}b];` +
          `[pd${k - 1}a][pd${k - 1}b]xfade=transition=${t.type}:duration=${f6(before.frames / edl.fps)}:offset=0,` +
          `format=yuv420p,settb=${tb}[pd${k - 1}]`,
      );
      pieces.push(`pd${k - 1}`);
    }
    if (body) pieces.push(`pb${k}`);
  });
  parts.push(
    pieces.length > 1
      ? `${pieces.map((p) => `[${p}]`).join("")}concat=n=${pieces.length}:v=1:a=0[joined]`
      : `[${pieces[0]}]null[joined]`,
  );
  return parts;
}

/** Source spans the audio plays, joined where the source jumps (spliced mode). */
export function audioRuns(edl: EditDecisionList): { from: number; to: number }[] {
  const runs: { from: number; to: number }[] = [];
  for (const s of edl.segments) {
    const last = runs[runs.length - 1];
    if (last && last.to === s.source_in) last.to = s.source_out;
    else runs.push({ from: s.source_in, to: s.source_out });
  }
  return runs;
}

function audioGraph(edl: EditDecisionList): string[] {
  if (edl.audio.mode === "none") return [];
  const samples = (frames: number) => Math.round((frames / edl.fps) * AUDIO_RATE);
  const style = edl.audio.filters ? [edl.audio.filters, `aresample=${AUDIO_RATE}`] : [];
  const total = samples(edl.output.frames);
  if (edl.audio.mode === "continuous") {
    // The music bed: the source's audio from its start, exactly as long as the video.
    const chain = [
      `aresample=${AUDIO_RATE}`,
      `apad=whole_len=${total}`,
      `atrim=end_sample=${total}`,
      ...style,
    ];
    return [`[0:a]${chain.join(",")}[a]`];
  }
  const runs = audioRuns(edl);
  const half = Math.round((edl.audio.crossfade_ms / 2000) * AUDIO_RATE);
  const parts: string[] = [];
  const head = `[0:a]aresample=${AUDIO_RATE}`;
  parts.push(
    runs.length > 1
      ? `${head},asplit=${runs.length}${runs.map((_, r) => `[b${r}]`).join("")}`
      : `${head}[b0]`,
  );
  runs.forEach((run, r) => {
    // Each join takes `half` samples beyond the cut from both sides: the crossfade is centred on
    // the cut and the total length stays exact.
    const start = Math.max(0, samples(run.from) - (r > 0 ? half : 0));
    const end = samples(run.to) + (r < runs.length - 1 ? half : 0);
    parts.push(
      `[b${r}]atrim=start_sample=${start}:end_sample=${end},asetpts=PTS-STARTPTS,apad=whole_len=${end - start},atrim=end_sample=${end - start}[r${r}]`,
    );
  });
  let cur = "r0";
  for (let r = 1; r < runs.length; r++) {
    parts.push(`[${cur}][r${r}]acrossfade=ns=${2 * half}:c1=tri:c2=tri[x${r}]`);
    cur = `x${r}`;
  }
  parts.push(`[${cur}]${[...style, `apad=whole_len=${total}`, `atrim=end_sample=${total}`].join(",")}[a]`);
  return parts;
}

/** Parses ffmpeg's `-progress` key=value stream; returns seconds of output written, when the chunk says. */
export function progressSeconds(chunk: string): number | null {
  let last: number | null = null;
  for (const m of chunk.matchAll(/^out_time_us=(\d+)$/gm)) last = Number(m[1]) / 1e6;
  return last;
}
