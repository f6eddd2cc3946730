import type { RenderPlan } from "@clipzy/models/render-plan";

/** The ffmpeg command line for a render plan: built here, executed only by the adapter. */
export function renderArgs(
  plan: RenderPlan,
  input: string,
  output: string,
  lutPath: string | null,
): string[] {
  const vf = [...plan.video_filters];
  if (lutPath) vf.push(`lut3d=file='${lutPath.replace(/'/g, "")}'`);
  vf.push("format=yuv420p");
  const args = ["-hide_banner", "-nostdin", "-y", "-i", input, "-map", "0:v:0", "-vf", vf.join(",")];
  if (plan.has_audio) {
    args.push("-map", "0:a:0?");
    if (plan.audio_filters) args.push("-af", plan.audio_filters);
    args.push("-c:a", "aac", "-b:a", `${plan.encode.audio_bitrate_kbps}k`);
  }
  args.push(
    "-c:v",
    "libx264",
    "-preset",
    plan.encode.preset,
    "-crf",
    String(plan.encode.crf),
    "-movflags",
    "+faststart",
    "-progress",
    "pipe:1",
    "-nostats",
    output,
  );
  return args;
}

/** Parses ffmpeg's `-progress` key=value stream; returns seconds of output written, when the chunk says. */
export function progressSeconds(chunk: string): number | null {
  let last: number | null = null;
  for (const m of chunk.matchAll(/^out_time_us=(\d+)$/gm)) last = Number(m[1]) / 1e6;
  return last;
}
