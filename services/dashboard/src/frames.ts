/**
 * Frames of a video, grabbed in the browser: the video is loaded by a <video> element (Range
 * requests to the engine's media endpoint) and drawn at the given fractions of its duration. No
 * server-side frame endpoint is needed, and the page keeps CSP 'self' (bitmaps, no data: URLs).
 */
export async function grabFrames(url: string, fractions: readonly number[]): Promise<ImageBitmap[]> {
  const video = document.createElement("video");
  video.muted = true;
  video.preload = "auto";
  video.playsInline = true;
  const event = (name: string) =>
    new Promise<void>((resolve, reject) => {
      const fail = () => reject(new Error(video.error?.message || `cannot load ${url.split("?")[0]}`));
      video.addEventListener(name, () => resolve(), { once: true });
      video.addEventListener("error", fail, { once: true });
    });
  const loaded = event("loadeddata");
  video.src = url;
  await loaded;
  const out: ImageBitmap[] = [];
  for (const f of fractions) {
    const seeked = event("seeked");
    video.currentTime = Math.max(0, Math.min(video.duration - 0.05, f * video.duration));
    await seeked;
    out.push(await createImageBitmap(video));
  }
  video.removeAttribute("src");
  video.load();
  return out;
}

/**
 * The dominant colours of some frames: pixels of a 48-pixel-wide copy binned at 3 bits a
 * channel, the most populated bins' mean colours, distinct ones first. A summary for the eye, not
 * a measurement.
 */
export function palette(frames: readonly ImageBitmap[], count = 6): string[] {
  const bins = new Map<number, { n: number; r: number; g: number; b: number }>();
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  for (const frame of frames) {
    canvas.width = 48;
    canvas.height = Math.max(1, Math.round((48 * frame.height) / frame.width));
    ctx.drawImage(frame, 0, 0, canvas.width, canvas.height);
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    for (let i = 0; i < data.length; i += 4) {
      const key = ((data[i] >> 5) << 6) | ((data[i + 1] >> 5) << 3) | (data[i + 2] >> 5);
      const bin = bins.get(key) ?? { n: 0, r: 0, g: 0, b: 0 };
      bin.n++;
      bin.r += data[i];
      bin.g += data[i + 1];
      bin.b += data[i + 2];
      bins.set(key, bin);
    }
  }
  const colours = [...bins.values()]
    .sort((a, b) => b.n - a.n)
    .map((b) => [b.r / b.n, b.g / b.n, b.b / b.n] as const);
  const picked: (readonly [number, number, number])[] = [];
  for (const c of colours) {
    if (picked.every((p) => Math.hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]) > 40)) picked.push(c);
    if (picked.length === count) break;
  }
  return picked.map(([r, g, b]) => `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`);
}
