import type { EditDecisionList } from "../edit/edl.js";
import {
  beatFrames,
  framingKeyframes,
  musicSpan,
  type TimelineMedia,
  transitionKind,
  transitionSplit,
} from "./model.js";

/**
 * The edit as an OpenTimelineIO timeline (the `otio_json` serialisation, schemas Timeline.1,
 * Stack.1, Track.1, Clip.2, ExternalReference.1, Transition.1, Marker.2, TimeRange.1,
 * RationalTime.1, all at the EDL's rate):
 * - track V1: one clip per segment, its source range the segment's core; a Transition.1 between two
 *   clips for every boundary that is not a cut, in_offset the frames before the cut and out_offset
 *   those after it (OTIO's transitions take their frames from the media beyond the clips' ranges,
 *   which is where the renderer takes them from: the segments' handles);
 * - track A1: the music bed (the source's audio from its start) in continuous mode, or the
 *   segments' own audio, clip for clip, in spliced mode; none without audio;
 * - the beats as markers on the timeline's stack (output time);
 * - framing (aspect crop, zoom, reframe) as keyframes in each clip's `metadata.clipzy` (OTIO has no
 *   standard effect for them), the grade as the URL of the job's `.cube` in the timeline's.
 */
export function otioTimeline(edl: EditDecisionList, media: TimelineMedia): OtioObject {
  const rate = edl.fps;
  const time = (value: number) => ({ OTIO_SCHEMA: "RationalTime.1", rate, value });
  const range = (start: number, duration: number) => ({
    OTIO_SCHEMA: "TimeRange.1",
    start_time: time(start),
    duration: time(duration),
  });
  const reference = {
    OTIO_SCHEMA: "ExternalReference.1",
    name: media.filename,
    metadata: { clipzy: { video_id: media.videoId, original_filename: media.filename } },
    target_url: media.url,
    available_range: range(0, edl.source.frames),
    available_image_bounds: null,
  };
  const clip = (name: string, start: number, frames: number, metadata: Record<string, unknown>) => ({
    OTIO_SCHEMA: "Clip.2",
    name,
    metadata,
    source_range: range(start, frames),
    effects: [],
    markers: [],
    enabled: true,
    media_references: { DEFAULT_MEDIA: structuredClone(reference) },
    active_media_reference_key: "DEFAULT_MEDIA",
  });
  const item = (schema: string, name: string, kind: string | null, children: unknown[], extra = {}) => ({
    OTIO_SCHEMA: schema,
    name,
    ...(kind ? { kind } : {}),
    metadata: {},
    source_range: null,
    effects: [],
    markers: [],
    enabled: true,
    children,
    ...extra,
  });

  const video: unknown[] = [];
  edl.segments.forEach((s, k) => {
    if (k > 0) {
      const t = edl.boundaries[k - 1].transition;
      if (t.type !== "cut" && t.frames > 0) {
        const { before, after } = transitionSplit(t.frames);
        const kind = transitionKind(t.type);
        video.push({
          OTIO_SCHEMA: "Transition.1",
          name: kind.dissolve ? "Cross Dissolve" : t.type,
          metadata: { clipzy: { xfade: t.type, easing: t.easing, frames: t.frames } },
          transition_type: kind.otio,
          in_offset: time(before),
          out_offset: time(after),
        });
      }
    }
    video.push(
      clip(`segment ${k + 1}`, s.source_in, s.source_out - s.source_in, {
        clipzy: {
          segment: k,
          output_start: s.out_start,
          boundary_kind: k > 0 ? edl.boundaries[k - 1].kind : null,
          score: s.score,
          // the handles the renderer drew past the core for the transitions: from the source, then
          // `hold` frames repeating the edge frame (an editor's transition uses media instead)
          handles: { pre: s.pre, post: s.post },
          zoom: s.zoom,
          framing: {
            crop: edl.crop,
            source: { width: edl.source.width, height: edl.source.height },
            output: { width: edl.output.width, height: edl.output.height },
            keyframes: framingKeyframes(edl, s),
          },
        },
      }),
    );
  });

  const tracks = [item("Track.1", "V1", "Video", video)];
  const music = musicSpan(edl);
  if (music)
    tracks.push(
      item("Track.1", "A1", "Audio", [
        clip("music", music.from, music.frames, {
          clipzy: { audio: "continuous", filters: edl.audio.filters },
        }),
      ]),
    );
  else if (edl.audio.mode === "spliced")
    tracks.push(
      item(
        "Track.1",
        "A1",
        "Audio",
        edl.segments.map((s, k) =>
          clip(`segment ${k + 1} audio`, s.source_in, s.source_out - s.source_in, {
            clipzy: { audio: "spliced", crossfade_ms: edl.audio.crossfade_ms, filters: edl.audio.filters },
          }),
        ),
      ),
    );

  const markers = beatFrames(edl).map((f, i) => ({
    OTIO_SCHEMA: "Marker.2",
    name: `beat ${i + 1}`,
    metadata: { clipzy: { beat_source: edl.beat_source } },
    color: "GREEN",
    marked_range: range(f, 0),
    comment: "",
  }));

  return {
    OTIO_SCHEMA: "Timeline.1",
    name: media.name,
    metadata: {
      clipzy: {
        job_id: media.name,
        fps: edl.fps,
        fps_fraction: edl.fps_fraction,
        output: edl.output,
        grade: {
          cube_url: media.gradeUrl,
          method: edl.colour.transfer?.method ?? null,
          applied: edl.colour.transfer !== null,
        },
        beat_source: edl.beat_source,
        applied: edl.applied,
      },
    },
    global_start_time: null,
    tracks: item("Stack.1", "tracks", null, tracks, { markers }),
  };
}

export type OtioObject = { OTIO_SCHEMA: string } & Record<string, unknown>;
