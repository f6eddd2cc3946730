import type { Request, Response } from "express";

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
    (await open({ start, end })).pipe(res);
    return;
  }
  res.setHeader("Content-Length", size);
  (await open()).pipe(res);
}
