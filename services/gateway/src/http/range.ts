import { pipeline } from "node:stream/promises";
import type { Request, Response } from "express";

/**
 * The body goes out through pipeline, not pipe: when the client hangs up (or was gone before
 * the file opened), the source stream is destroyed and its file closed, instead of staying
 * paused until garbage collection closes the descriptor.
 */
async function send(res: Response, source: NodeJS.ReadableStream): Promise<void> {
  await pipeline(source, res).catch((err) => {
    if (!res.destroyed && !res.writableFinished) throw err; // a hang-up is not an error
  });
}

/** Streams `size` bytes honouring a single HTTP Range (206, or 416 when unsatisfiable). */
export async function sendRange(
  req: Request,
  res: Response,
  size: number,
  open: (range?: { start: number; end: number }) => Promise<NodeJS.ReadableStream>,
  contentType: string,
  filename: string,
): Promise<void> {
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Disposition", `inline; filename="${filename}"`);
  const ranges = req.headers.range ? req.range(size, { combine: true }) : undefined;
  if (ranges === -1) {
    res.status(416).setHeader("Content-Range", `bytes */${size}`).end();
    return;
  }
  if (Array.isArray(ranges) && ranges.length === 1 && ranges.type === "bytes") {
    const { start, end } = ranges[0];
    res.status(206).setHeader("Content-Range", `bytes ${start}-${end}/${size}`);
    res.setHeader("Content-Length", end - start + 1);
    await send(res, await open({ start, end }));
    return;
  }
  res.setHeader("Content-Length", size);
  await send(res, await open());
}
