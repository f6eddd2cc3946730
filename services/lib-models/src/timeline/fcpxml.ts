import type { EditDecisionList, EdlSegment } from "../edit/edl.js";
import {
  beatFrames,
  type Framing,
  framingKeyframes,
  musicSpan,
  type TimelineMedia,
  transitionKind,
  transitionSplit,
} from "./model.js";

/**
 * The edit as Final Cut Pro XML (FCPXML 1.8, the version whose assets carry their `src` directly;
 * Final Cut Pro 10.4.1 and later and DaVinci Resolve import it). A project of one sequence at the
 * output's size and rate:
 * - the spine: one asset-clip per segment (start = source in, duration = the core), with a
 *   transition element centred on each boundary that is not a cut (offset = cut − before; every
 *   shape is written as a Cross Dissolve of the same frames, named for what it was);
 * - framing: `adjust-conform type="fill"` (the aspect crop) and `adjust-transform` with position
 *   (percent of the frame height, y up) and scale, keyframed where the render zooms or follows a
 *   subject; keyframe times are the clip's own (source) times;
 * - audio: in continuous mode the spine clips are video only and the music bed is a connected
 *   audio clip under the first (lane −1); in spliced mode the clips keep their own audio;
 * - beats: markers on the clip they fall in.
 */
export function fcpxmlDocument(edl: EditDecisionList, media: TimelineMedia): string {
  const [num, den] = edl.fps_fraction.split("/").map(Number);
  const t = (frames: number) => rationalSeconds(frames * den, num);
  const frameDuration = rationalSeconds(den, num);
  const music = musicSpan(edl);
  const beats = beatFrames(edl);
  const cross = 'uid="FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265"';
  const spine: string[] = [];

  edl.segments.forEach((s, k) => {
    const len = s.source_out - s.source_in;
    if (k > 0) {
      const b = edl.boundaries[k - 1];
      if (b.transition.type !== "cut" && b.transition.frames > 0) {
        const { before } = transitionSplit(b.transition.frames);
        const name = transitionKind(b.transition.type).dissolve ? "Cross Dissolve" : b.transition.type;
        spine.push(
          `<transition name="${esc(name)}" offset="${t(b.at - before)}" duration="${t(b.transition.frames)}">`,
          `  <filter-video ref="r4" name="Cross Dissolve"/>`,
          "</transition>",
        );
      }
    }
    const attrs = [
      `ref="r3"`,
      `name="${esc(`segment ${k + 1}`)}"`,
      `offset="${t(s.out_start)}"`,
      `start="${t(s.source_in)}"`,
      `duration="${t(len)}"`,
      `format="r2"`,
      `tcFormat="NDF"`,
      ...(music ? [`srcEnable="video"`] : []),
    ];
    const inner = [`<adjust-conform type="fill"/>`, ...transform(edl, s, t)];
    if (music && k === 0)
      inner.push(
        `<asset-clip ref="r3" name="music" lane="-1" offset="${t(s.source_in)}" start="${t(music.from)}" duration="${t(music.frames)}" format="r2" tcFormat="NDF" srcEnable="audio"/>`,
      );
    beats.forEach((f, i) => {
      if (f >= s.out_start && f < s.out_start + len)
        inner.push(
          `<marker start="${t(s.source_in + f - s.out_start)}" duration="${frameDuration}" value="beat ${i + 1}"/>`,
        );
    });
    spine.push(`<asset-clip ${attrs.join(" ")}>`, ...inner.map((l) => `  ${l}`), "</asset-clip>");
  });

  const hasAudio = edl.audio.mode !== "none";
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    "<!DOCTYPE fcpxml>",
    `<fcpxml version="1.8">`,
    "  <resources>",
    `    <format id="r1" name="FFVideoFormatRateUndefined" frameDuration="${frameDuration}" width="${edl.output.width}" height="${edl.output.height}"/>`,
    `    <format id="r2" name="FFVideoFormatRateUndefined" frameDuration="${frameDuration}" width="${edl.source.width}" height="${edl.source.height}"/>`,
    `    <asset id="r3" name="${esc(media.filename)}" uid="${esc(media.videoId)}" src="${esc(media.url)}" start="0s" duration="${t(edl.source.frames)}" hasVideo="1" format="r2"${hasAudio ? ` hasAudio="1" audioSources="1" audioChannels="2" audioRate="48000"` : ""}/>`,
    `    <effect id="r4" name="Cross Dissolve" ${cross}/>`,
    "  </resources>",
    "  <library>",
    `    <event name="clipzy">`,
    `      <project name="${esc(media.name)}">`,
    `        <sequence format="r1" duration="${t(edl.output.frames)}" tcStart="0s" tcFormat="NDF"${hasAudio ? ` audioLayout="stereo" audioRate="48k"` : ""}>`,
    // the grade: a note pointing at the job's .cube (FCPXML has no LUT link of its own)
    `          <note>${esc(`clipzy ${media.name}: grade ${media.gradeUrl}`)}</note>`,
    "          <spine>",
    ...spine.map((l) => `            ${l}`),
    "          </spine>",
    "        </sequence>",
    "      </project>",
    "    </event>",
    "  </library>",
    "</fcpxml>",
  ];
  return `${lines.join("\n")}\n`;
}

/** The framing as FCP's transform: scale relative to the filled frame, position in % of its height. */
function transform(edl: EditDecisionList, s: EdlSegment, t: (frames: number) => string): string[] {
  const keys = framingKeyframes(edl, s);
  const value = (f: Framing) => {
    const { width: W, height: H } = edl.source;
    // source pixels → output pixels once the crop fills the frame, then ×scale
    const k = (edl.output.height / edl.crop.height) * f.scale;
    const x = ((0.5 - f.cx) * W * k * 100) / edl.output.height;
    const y = ((f.cy - 0.5) * H * k * 100) / edl.output.height;
    return { position: `${num4(x)} ${num4(y)}`, scale: `${num4(f.scale)} ${num4(f.scale)}` };
  };
  const first = value(keys[0]);
  if (keys.length === 1) {
    if (first.position === "0 0" && first.scale === "1 1") return [];
    return [`<adjust-transform position="${first.position}" scale="${first.scale}"/>`];
  }
  const anim = (name: "position" | "scale") => [
    `  <param name="${name}">`,
    "    <keyframeAnimation>",
    ...keys.map((kf) => `      <keyframe time="${t(kf.frame)}" value="${value(kf)[name]}"/>`),
    "    </keyframeAnimation>",
    "  </param>",
  ];
  return [
    `<adjust-transform position="${first.position}" scale="${first.scale}">`,
    ...anim("position"),
    ...anim("scale"),
    "</adjust-transform>",
  ];
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/** a/b seconds as FCPXML writes time: "0s", "2s", "1001/30000s". */
export function rationalSeconds(a: number, b: number): string {
  if (a === 0) return "0s";
  const g = gcd(Math.abs(a), b);
  return b / g === 1 ? `${a / g}s` : `${a / g}/${b / g}s`;
}

const num4 = (x: number) => String(Math.round(x * 1e4) / 1e4 || 0);

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
