import { runTool } from "../../services/lib-platform/src/process.js";
import { median } from "./load.js";

/**
 * What a second core gives CPU-bound work on this host, the ceiling of a two-core ratio: a libx264
 * encode of `input` (the render's kind of work) pinned to core 0 alone, then two at once on cores 0
 * and 1; 2 · one's wall / the pair's wall. 2.0 when the cores are independent; less where they share
 * a physical core, a cache or a power budget (or other users take them).
 */
export async function machineCeiling(input: string, rounds = 3): Promise<number> {
  const encode = (core: string) =>
    runTool("taskset", [
      ...["-c", core, "ffmpeg", "-v", "error", "-nostdin", "-i", input],
      ...["-c:v", "libx264", "-preset", "medium", "-crf", "23", "-c:a", "aac", "-f", "null", "-"],
    ]);
  const timed = async (work: () => Promise<unknown>) => {
    const t0 = performance.now();
    await work();
    return performance.now() - t0;
  };
  const one: number[] = [];
  const pair: number[] = [];
  for (let i = 0; i < rounds; i++) {
    one.push(await timed(() => encode("0")));
    pair.push(await timed(() => Promise.all([encode("0"), encode("1")])));
  }
  return (2 * median(one)) / median(pair);
}
