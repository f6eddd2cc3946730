import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("../dist/last-resort.js", import.meta.url));
const LOG = fileURLToPath(new URL("../dist/log.js", import.meta.url));

/** Runs `body` in a real Node process with the handlers installed under `policy`. */
function run(policy: string, body: string) {
  const script = `
    import { installLastResort } from ${JSON.stringify(MODULE)};
    import { createLogger } from ${JSON.stringify(LOG)};
    installLastResort(createLogger("svc"), ${JSON.stringify(policy)});
    ${body}`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 20_000,
  });
  const lines = r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { status: r.status, lines, stdout: r.stdout };
}

describe("last-resort handlers", () => {
  it("a distributed service logs an unhandled rejection with its error and exits 1", () => {
    const r = run("exit", `Promise.reject(new Error("boom in a callback")); setTimeout(() => {}, 5000);`);
    expect(r.status).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatchObject({ level: 60, service: "svc" });
    expect(r.lines[0].msg).toMatch(/unhandled promise rejection/);
    expect(r.lines[0].err.message).toBe("boom in a callback");
    expect(r.lines[0].err.stack).toContain("Error: boom");
  });

  it("the embedded engine logs an uncaught exception and a rejection and keeps running", () => {
    const r = run(
      "keep-serving",
      `setTimeout(() => { throw new Error("thrown in a timer"); }, 10);
       setTimeout(() => { Promise.reject(new Error("rejected")); }, 20);
       setTimeout(() => { console.log(JSON.stringify({ msg: "still serving" })); }, 200);`,
    );
    expect(r.status).toBe(0);
    expect(r.lines.map((l) => l.msg)).toEqual([
      expect.stringMatching(/uncaught exception \(uncaughtException\).*keeps serving/),
      expect.stringMatching(/unhandled promise rejection.*keeps serving/),
      "still serving",
    ]);
    expect(r.lines[0].err.message).toBe("thrown in a timer");
    expect(r.lines[0].level).toBe(50);
  });
});
