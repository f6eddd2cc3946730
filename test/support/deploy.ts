import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");

/** The services that run as processes of their own in distributed mode: a main.ts run by runMain. */
export const DISTRIBUTED_SERVICES = readdirSync(join(ROOT, "services")).filter((s) => {
  const main = join(ROOT, "services", s, "src", "main.ts");
  return s !== "engine" && existsSync(main) && readFileSync(main, "utf8").includes("@clipzy/platform/main");
});
