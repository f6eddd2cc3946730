// Python tools for the tests, installed from PyPI with pip into a virtual environment of their own
// under the infra cache (~/.cache/clipzy-infra/venv-<hash>), one per set of pinned requirements, so
// different callers never fight over versions and nothing touches the system Python.
//
//   ensureVenv(["kubernetes-validate==1.37.0"])  → { dir, python, bin(name) }
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir, has, runOrFail } from "./infra.mjs";

const say = (msg) => process.stderr.write(`[venv] ${msg}\n`);

function python() {
  const py = ["python3", "python"].find(has);
  if (!py)
    throw new Error("Python 3 is needed for the test tools: install python3 (with venv) and run again");
  return py;
}

/** Creates (once) a venv holding exactly these pinned requirements; returns where its commands are. */
export function ensureVenv(requirements) {
  const key = createHash("sha256").update(requirements.join("\n")).digest("hex").slice(0, 12);
  const dir = join(cacheDir(), `venv-${key}`);
  const done = join(dir, ".complete"); // written last: a killed install is redone, never half-used
  const out = { dir, python: join(dir, "bin", "python"), bin: (name) => join(dir, "bin", name) };
  if (existsSync(done)) return out;
  rmSync(dir, { recursive: true, force: true });
  say(`creating ${dir} with ${requirements.join(" ")}`);
  const py = python();
  if (spawnSync(py, ["-m", "venv", dir], { stdio: "inherit" }).status !== 0) {
    // Debian's python3 ships venv separately.
    if (!(process.getuid?.() === 0 && has("apt-get")))
      throw new Error(`"${py} -m venv" failed: install python3-venv and run again`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    runOrFail("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "python3-venv"], { env });
    runOrFail(py, ["-m", "venv", dir]);
  }
  runOrFail(out.python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...requirements]);
  writeFileSync(done, `${requirements.join("\n")}\n`);
  return out;
}
