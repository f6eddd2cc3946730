/**
 * A tracked subject (a face, a person, the salient object) over a span of source frames, as
 * motion analysis reports it. Coordinates are normalised 0..1 of the source frame (cx, cy the
 * centre; w, h the box size). The edit's reframing crop and zoom centres follow these tracks.
 */
export interface SubjectTrackPoint {
  frame: number;
  cx: number;
  cy: number;
  w: number;
  h: number;
  confidence: number;
}

export interface SubjectTrack {
  start_frame: number;
  end_frame: number;
  points: SubjectTrackPoint[];
}
