import { describe, expect, it } from "vitest";
import { drainer, drainMsOf } from "./drain.js";

/** A drain whose steps and exit are recorded in order. */
function recorded(stop: () => Promise<void>, seconds = 5) {
  const steps: string[] = [];
  let exited: (code: number) => void = () => {};
  const exit = new Promise<number>((r) => {
    exited = r;
  });
  const log = {
    info: (_o: object, msg?: string) => steps.push(`info ${msg ?? ""}`),
    error: (_o: object, msg?: string) => steps.push(`error ${msg ?? ""}`),
  };
  const drain = drainer({
    log: log as never,
    config: { DRAIN_TIMEOUT_SECONDS: seconds },
    begin: () => steps.push("begin"),
    stop: async () => {
      steps.push("stop");
      await stop();
    },
    close: async () => {
      steps.push("close");
    },
    exit: (code) => {
      steps.push(`exit ${code}`);
      exited(code);
    },
  });
  return { steps, exit, drain };
}

describe("drain", () => {
  it("runs begin, stop, close, then exits 0, once however many signals come", async () => {
    const d = recorded(async () => {});
    void d.drain("SIGTERM");
    void d.drain("SIGINT");
    expect(await d.exit).toBe(0);
    expect(d.steps).toEqual(["begin", "info draining", "stop", "close", "info drained", "exit 0"]);
  });

  it("exits 1 when the service's stop fails, still closing what outlives it", async () => {
    const d = recorded(async () => {
      throw new Error("stuck");
    });
    void d.drain("SIGTERM");
    expect(await d.exit).toBe(1);
    expect(d.steps).toEqual([
      "begin",
      "info draining",
      "stop",
      "error drain failed",
      "close",
      "info drained",
      "exit 1",
    ]);
  });

  it("exits 1 at the deadline when the stop never ends", async () => {
    const d = recorded(() => new Promise(() => {}), 0.05);
    void d.drain("SIGTERM");
    expect(await d.exit).toBe(1);
    expect(d.steps.at(-2)).toBe("error drain deadline passed; exiting with work still open");
  });

  it("leaves a service's stop the deadline less three seconds, at least one", () => {
    expect(drainMsOf({ DRAIN_TIMEOUT_SECONDS: 25 })).toBe(22_000);
    expect(drainMsOf({ DRAIN_TIMEOUT_SECONDS: 2 })).toBe(1000);
  });
});
