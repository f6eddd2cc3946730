// Makes a fresh clone runnable: pnpm (through corepack, or npx as a fallback), dependencies,
// system tools (ffmpeg from the system package manager when missing), and the TypeScript build.
// Used by `npm start` and `npm test`; it prints what it does and says clearly what is missing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PNPM_VERSION = "10.34.8";
// Corepack checks the pnpm it downloads against the sha512 pinned in package.json's packageManager
// field. (Without a pinned hash it would need the registry's signatures, which a registry mirror
// may not serve; turning signature checks off by setting COREPACK_INTEGRITY_KEYS to 0 is not needed.)
const env = { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: "0" };

const say = (msg) => process.stderr.write(`[clipzy] ${msg}\n`);

export function fail(msg) {
  say(`ERROR: ${msg}`);
  process.exit(1);
}

function ok(cmd, args) {
  return spawnSync(cmd, args, { stdio: "ignore", env }).status === 0;
}

export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, {
    stdio: "inherit",
    cwd: join(ROOT, options.cwd ?? "."),
    env: { ...env, ...options.env },
  });
  if (r.status !== 0) fail(`${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
}

let pnpmCmd;
export function pnpm(args, options) {
  if (!pnpmCmd) {
    if (ok("corepack", ["pnpm", "--version"])) pnpmCmd = ["corepack", "pnpm"];
    else if (ok("npx", ["--yes", `pnpm@${PNPM_VERSION}`, "--version"]))
      pnpmCmd = ["npx", "--yes", `pnpm@${PNPM_VERSION}`];
    else fail(`pnpm is not available: install it with "npm i -g pnpm@${PNPM_VERSION}" (or enable corepack)`);
  }
  run(pnpmCmd[0], [...pnpmCmd.slice(1), ...args], options);
}

function checkNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19))
    fail(`Node.js 20.19 or newer is needed (this is ${process.versions.node})`);
}

/**
 * Installs Debian packages for missing commands (or data files: `{ file, apt }`) when we can (root
 * with apt-get); otherwise says how.
 */
export function ensureCommands(needs) {
  const missing = needs.filter(({ command, file }) =>
    file ? !existsSync(file) : !ok("sh", ["-c", `command -v ${command}`]),
  );
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((m) => m.apt))];
  const isRoot = process.getuid?.() === 0;
  if (isRoot && ok("sh", ["-c", "command -v apt-get"])) {
    say(`installing ${packages.join(", ")} with apt-get`);
    run("apt-get", ["update", "-qq"]);
    run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
      env: { DEBIAN_FRONTEND: "noninteractive" },
    });
    return;
  }
  fail(
    `missing ${missing.map((m) => m.command ?? m.file).join(", ")}. Install with your package manager, e.g.\n` +
      `    sudo apt-get install ${packages.join(" ")}      (Debian/Ubuntu)\n` +
      `    brew install ${packages.join(" ")}              (macOS)`,
  );
}

export function bootstrap({ commands }) {
  checkNode();
  ensureCommands(commands);
  say("installing dependencies");
  pnpm(["install", "--frozen-lockfile", "--prefer-offline", "--reporter=silent"]);
  say("building");
  pnpm(["exec", "tsc", "-b"]);
  // the dashboard's browser bundle (esbuild), served by the gateway at /dashboard
  pnpm(["--filter", "@clipzy/dashboard", "run", "--silent", "build"]);
}

export const FFMPEG = [
  { command: "ffmpeg", apt: "ffmpeg" },
  { command: "ffprobe", apt: "ffmpeg" },
];
