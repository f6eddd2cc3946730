// Real servers for the distributed-mode tests: RabbitMQ (Debian's rabbitmq-server), MinIO (built
// with `go install` at a pinned version) and FerretDB 1.x (a MongoDB-protocol server, built with
// `go build` from deploy/ferretdb at the version pinned in its go.mod) on PostgreSQL (Debian's
// postgresql: its own cluster, data directory and port, never the system service) or, with
// FERRETDB_BACKEND=sqlite, on SQLite. PostgreSQL is the default because it is the faster backend
// (bench/reads.ts distributed measures both).
//
//   ensureInfra()           installs / builds what is missing; binaries are cached under
//                           $CLIPZY_INFRA_CACHE (default ~/.cache/clipzy-infra) and reused
//   startInfra({ dir })     starts the three on free loopback ports under `dir`, waits until they
//                           answer, and returns { env, state, stop }
//   node scripts/infra.mjs ensure | start   (start runs them until Ctrl-C, printing the URLs)
//
// When MONGO_URL is a mongodb:// URL (a real MongoDB), FerretDB is not started and that URL is used.
// FERRETDB_BACKEND=postgresql (default) | sqlite picks FerretDB's backend.
// Any failure to install, build or start is an error: nothing is skipped.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Pinned versions. MinIO's module has no semver tags: this pseudo-version is its 2026-02-12 commit. */
export const VERSIONS = {
  minio: "v0.0.0-20260212201848-7aac2a2c5b7c",
  ferretdb: "v1.24.0", // the version in deploy/ferretdb/go.mod (checked below)
};

const say = (msg) => process.stderr.write(`[infra] ${msg}\n`);

class InfraError extends Error {}
const fail = (msg) => {
  throw new InfraError(msg);
};

export const cacheDir = () => process.env.CLIPZY_INFRA_CACHE ?? join(homedir(), ".cache", "clipzy-infra");

export function has(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

export function runOrFail(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], ...options });
  if (r.status !== 0) fail(`${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
}

const RABBIT_SBIN = "/usr/lib/rabbitmq/bin";
function rabbitBin(name) {
  for (const dir of [RABBIT_SBIN, "/usr/sbin", "/usr/local/sbin"]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return has(name) ? name : undefined;
}

function ensureRabbit() {
  if (rabbitBin("rabbitmq-server") && rabbitBin("rabbitmqctl")) return;
  const isRoot = process.getuid?.() === 0;
  if (!(isRoot && has("apt-get")))
    fail("rabbitmq-server is missing: install it (sudo apt-get install rabbitmq-server) and run again");
  say("installing rabbitmq-server with apt-get");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  runOrFail("apt-get", ["update", "-qq"], { env });
  runOrFail("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "rabbitmq-server"], { env });
  if (!rabbitBin("rabbitmq-server")) fail("rabbitmq-server still missing after apt-get install");
}

export function ferretBackend() {
  const b = process.env.FERRETDB_BACKEND || "postgresql";
  if (b !== "postgresql" && b !== "sqlite") fail(`FERRETDB_BACKEND must be postgresql or sqlite (got ${b})`);
  return b;
}

/** The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/<major>/bin). */
function postgresBin() {
  const base = "/usr/lib/postgresql";
  let majors = [];
  try {
    majors = readdirSync(base)
      .filter((d) => existsSync(join(base, d, "bin", "postgres")))
      .sort((a, b) => Number(b) - Number(a));
  } catch {}
  if (majors.length) return join(base, majors[0], "bin");
  return has("initdb") && has("postgres") ? "" : undefined;
}

function ensurePostgres() {
  if (postgresBin() !== undefined) return;
  const isRoot = process.getuid?.() === 0;
  if (!(isRoot && has("apt-get")))
    fail("PostgreSQL is missing: install it (sudo apt-get install postgresql) and run again");
  say("installing postgresql with apt-get (FerretDB's backend)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  runOrFail("apt-get", ["update", "-qq"], { env });
  runOrFail("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "postgresql"], { env });
  if (postgresBin() === undefined) fail("postgresql still missing after apt-get install");
}

export function goEnv() {
  // A Go installed from the official tarball is often not on a non-login shell's PATH.
  const dir = ["/usr/local/go/bin", "/usr/lib/go/bin"].find((d) => existsSync(join(d, "go")));
  if (!has("go") && dir) process.env.PATH = `${dir}:${process.env.PATH}`;
  if (!has("go"))
    fail("Go is needed to build MinIO, FerretDB and the manifest tools (go 1.24+): install it and run again");
  const v = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" }).stdout.trim();
  const m = /^go(\d+)\.(\d+)/.exec(v);
  if (!m || Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < 24))
    fail(`Go 1.24 or newer is needed to build MinIO (found ${v || "unknown"})`);
  return { ...process.env, CGO_ENABLED: "0" };
}

function ferretKey() {
  const dir = join(ROOT, "deploy", "ferretdb");
  const h = createHash("sha256");
  for (const f of ["go.mod", "go.sum", "main.go"]) h.update(readFileSync(join(dir, f)));
  const mod = readFileSync(join(dir, "go.mod"), "utf8");
  if (!mod.includes(`github.com/FerretDB/FerretDB ${VERSIONS.ferretdb}`))
    fail(`deploy/ferretdb/go.mod does not pin FerretDB ${VERSIONS.ferretdb}`);
  return `${VERSIONS.ferretdb}-${h.digest("hex").slice(0, 12)}`;
}

export function binaries() {
  const bin = join(cacheDir(), "bin");
  return {
    minio: join(bin, `minio-${VERSIONS.minio}`),
    ferretdb: join(bin, `clipzy-ferretdb-${ferretKey()}`),
  };
}

/** Builds into a temp name and renames, so a killed build never leaves a broken cached binary. */
export function build(target, what, buildInto) {
  if (existsSync(target)) {
    say(`${what}: reusing ${target}`);
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  const t0 = Date.now();
  say(`${what}: building (first run only; a few minutes)`);
  buildInto(tmp);
  renameSync(tmp, target);
  say(`${what}: built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** Installs RabbitMQ and builds MinIO and FerretDB when missing. Throws when anything cannot be had. */
export function ensureInfra({ needMongo = !isExternalMongo() } = {}) {
  ensureRabbit();
  if (needMongo && ferretBackend() === "postgresql") ensurePostgres();
  const bins = binaries();
  const env = goEnv();
  build(bins.minio, `MinIO ${VERSIONS.minio}`, (tmp) => {
    const gobin = `${tmp}.d`;
    runOrFail("go", ["install", "-trimpath", `github.com/minio/minio@${VERSIONS.minio}`], {
      env: { ...env, GOBIN: gobin, GOFLAGS: "-mod=mod" },
    });
    renameSync(join(gobin, "minio"), tmp);
    rmSync(gobin, { recursive: true, force: true });
  });
  if (needMongo) {
    build(bins.ferretdb, `FerretDB ${VERSIONS.ferretdb}`, (tmp) => {
      runOrFail("go", ["build", "-trimpath", "-mod=readonly", "-o", tmp, "."], {
        cwd: join(ROOT, "deploy", "ferretdb"),
        env,
      });
    });
  }
  return bins;
}

export function isExternalMongo() {
  const url = process.env.MONGO_URL ?? "";
  return url.startsWith("mongodb://") || url.startsWith("mongodb+srv://");
}

/** Resolves true when `port` can be bound on loopback right now. */
function canListen(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.unref();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/**
 * A loopback port that is free now, for a server started a moment later. It is picked below the
 * kernel's ephemeral range: a port from listen(0) is in that range, where every outgoing
 * connection and every other port-0 listener takes ports too, so parallel tests lost it to one
 * before their server bound it (EADDRINUSE).
 */
export async function freePort() {
  let low = 32768;
  try {
    low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  } catch {} // not Linux: the usual default
  const from = Math.max(1024, low - 12000);
  for (let i = 0; i < 200 && low - from >= 1000; i++) {
    const port = from + Math.floor(Math.random() * (low - from));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found below the ephemeral range (${from}-${low - 1})`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what, check, timeoutMs, logFile) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {}
    if (Date.now() > deadline) {
      let tail = "";
      try {
        tail = readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n");
      } catch {}
      fail(`${what} did not become ready in ${timeoutMs / 1000} s${tail ? `; log tail:\n${tail}` : ""}`);
    }
    await sleep(200);
  }
}

const tcpOpen = (port) =>
  new Promise((resolve) => {
    const s = tcpConnect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

function spawnLogged(cmd, args, { env, log, cwd }) {
  const fd = openSync(log, "a");
  const child = spawn(cmd, args, { env, cwd, stdio: ["ignore", fd, fd], detached: true });
  closeSync(fd);
  child.unref();
  return child;
}

function killTree(pid, signal = "SIGTERM") {
  if (!pid) return;
  try {
    process.kill(-pid, signal); // its own process group (detached)
  } catch {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---- RabbitMQ: its own node name, ports, data and logs, so it never meets a system service ----

/** Everything needed to start, stop and restart this run's RabbitMQ node from any process. */
function rabbitEnv(state) {
  const r = state.rabbit;
  return {
    ...process.env,
    HOME: r.home, // the Erlang cookie lives here
    RABBITMQ_NODENAME: r.node,
    RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
    RABBITMQ_NODE_PORT: String(r.port),
    RABBITMQ_DIST_PORT: String(r.distPort),
    RABBITMQ_MNESIA_BASE: join(r.base, "mnesia"),
    RABBITMQ_LOG_BASE: join(r.base, "log"),
    RABBITMQ_PID_FILE: join(r.base, "rabbit.pid"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(r.base, "enabled_plugins"),
    RABBITMQ_CONFIG_FILE: join(r.base, "rabbitmq"),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(r.base, "advanced.config"),
    RABBITMQ_CONF_ENV_FILE: join(r.base, "rabbitmq-env.conf"),
    RABBITMQ_ALLOW_INPUT: "",
    ERL_EPMD_ADDRESS: "127.0.0.1",
  };
}

function rabbitctl(state, args, timeoutMs = 60_000) {
  return spawnSync(rabbitBin("rabbitmqctl"), ["-n", state.rabbit.node, ...args], {
    env: rabbitEnv(state),
    encoding: "utf8",
    timeout: timeoutMs,
  });
}

export async function startRabbit(state) {
  const r = state.rabbit;
  mkdirSync(join(r.base, "log"), { recursive: true });
  const child = spawnLogged(rabbitBin("rabbitmq-server"), [], {
    env: rabbitEnv(state),
    log: join(r.base, "server.log"),
    cwd: r.base,
  });
  r.pid = child.pid;
  writeFileSync(state.file, JSON.stringify(state, null, 2));
  await waitUntil(
    "RabbitMQ",
    async () => {
      if (!alive(child.pid)) fail(`rabbitmq-server exited; see ${join(r.base, "server.log")}`);
      if (!(await tcpOpen(r.port))) return false;
      return rabbitctl(state, ["await_startup", "--timeout", "5"], 15_000).status === 0;
    },
    120_000,
    join(r.base, "server.log"),
  );
}

/** Creates a virtual host (an isolated set of exchanges and queues) that guest may use. */
export function addVhost(state, vhost) {
  for (const args of [
    ["add_vhost", vhost],
    ["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
  ]) {
    const r = rabbitctl(state, args);
    if (r.status !== 0) fail(`rabbitmqctl ${args.join(" ")} failed: ${r.stderr || r.stdout}`);
  }
}

/** Stops this run's RabbitMQ node (used by teardown and by the broker-restart fault test). */
export async function stopRabbit(state) {
  const r = state.rabbit;
  rabbitctl(state, ["stop"], 60_000);
  const deadline = Date.now() + 30_000;
  while (r.pid && alive(r.pid) && Date.now() < deadline) await sleep(100);
  if (r.pid && alive(r.pid)) killTree(r.pid, "SIGKILL");
  while (await tcpOpen(r.port)) await sleep(100);
}

// ---- PostgreSQL for FerretDB: a throwaway cluster of its own (initdb) on a free loopback port ----

/**
 * PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` user the Debian
 * package creates (runuser), owning its data directory.
 */
function asPostgresUser(cmd, args) {
  if (process.getuid?.() !== 0) return [cmd, args];
  return ["runuser", ["-u", "postgres", "--", cmd, ...args]];
}

async function startPostgres(pg, log) {
  const bin = postgresBin();
  const tool = (name) => (bin ? join(bin, name) : name);
  mkdirSync(pg.data, { recursive: true });
  mkdirSync(pg.socket, { recursive: true });
  if (process.getuid?.() === 0) {
    const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
    const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
    if (!Number.isInteger(uid))
      fail("the postgres user is missing (it comes with Debian's postgresql package)");
    for (const d of [pg.base, pg.data, pg.socket]) chownSync(d, uid, gid);
  }
  const [initCmd, initArgs] = asPostgresUser(tool("initdb"), [
    "-D",
    pg.data,
    "-U",
    "clipzy",
    "--auth=trust",
    "--encoding=UTF8",
    "--no-instructions",
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: "utf8" });
  if (init.status !== 0) fail(`initdb failed: ${init.stderr || init.stdout}`);
  // A throwaway test cluster: no durability needed (the documents live as long as the run).
  const [cmd, args] = asPostgresUser(tool("postgres"), [
    "-D",
    pg.data,
    "-p",
    String(pg.port),
    "-k",
    pg.socket,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
  ]);
  const child = spawnLogged(cmd, args, { env: process.env, log, cwd: pg.base });
  const isReady = tool("pg_isready");
  await waitUntil(
    "PostgreSQL",
    async () => {
      if (!alive(child.pid)) fail(`postgres exited; see ${log}`);
      return (
        spawnSync(isReady, ["-h", "127.0.0.1", "-p", String(pg.port), "-U", "clipzy", "-q"]).status === 0
      );
    },
    60_000,
    log,
  );
  return child;
}

export async function startInfra({ dir = join(ROOT, ".infra", "run", String(process.pid)) } = {}) {
  const bins = binaries();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const external = isExternalMongo();
  const state = {
    file: join(dir, "state.json"),
    dir,
    rabbit: {
      node: `clipzy${process.pid}@localhost`,
      port: await freePort(),
      distPort: await freePort(),
      base: join(dir, "rabbitmq"),
      home: join(dir, "rabbitmq", "home"),
    },
    minio: { port: await freePort(), consolePort: await freePort(), dir: join(dir, "minio") },
    ferret: external
      ? undefined
      : { port: await freePort(), dir: join(dir, "ferretdb"), backend: ferretBackend() },
    pids: {},
  };
  const r = state.rabbit;
  mkdirSync(r.home, { recursive: true });
  writeFileSync(join(r.base, "enabled_plugins"), "[].\n");
  writeFileSync(join(r.base, "rabbitmq.conf"), "loopback_users = none\n");
  writeFileSync(join(r.base, "advanced.config"), "[].\n");
  writeFileSync(join(r.base, "rabbitmq-env.conf"), "");
  writeFileSync(join(r.home, ".erlang.cookie"), `CLIPZY${process.pid}${Date.now()}`, { mode: 0o400 });

  const stop = async () => {
    const tasks = [];
    if (state.pids.minio) tasks.push(stopPid(state.pids.minio));
    if (state.pids.ferret)
      tasks.push(
        stopPid(state.pids.ferret).then(() => state.pids.postgres && stopPid(state.pids.postgres, "SIGINT")),
      );
    // Re-read: a test may have restarted RabbitMQ (new pid) from another process.
    let current = state;
    try {
      current = JSON.parse(readFileSync(state.file, "utf8"));
    } catch {}
    tasks.push(stopRabbit(current).catch(() => undefined));
    await Promise.all(tasks);
    if (!process.env.CLIPZY_KEEP_INFRA) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const minio = spawnLogged(
      bins.minio,
      [
        "server",
        state.minio.dir,
        "--quiet",
        "--address",
        `127.0.0.1:${state.minio.port}`,
        "--console-address",
        `127.0.0.1:${state.minio.consolePort}`,
      ],
      {
        env: {
          ...process.env,
          MINIO_ROOT_USER: "clipzy",
          MINIO_ROOT_PASSWORD: "clipzy-secret",
          MINIO_BROWSER: "off",
          MINIO_UPDATE: "off",
          HOME: dir,
        },
        log: join(dir, "minio.log"),
      },
    );
    state.pids.minio = minio.pid;
    let ferret;
    if (state.ferret) {
      const backendArgs = ["-sqlite-dir", state.ferret.dir];
      if (state.ferret.backend === "postgresql") {
        const pg = { port: await freePort(), base: join(dir, "postgres") };
        pg.data = join(pg.base, "data");
        pg.socket = join(pg.base, "sock");
        state.postgres = pg;
        mkdirSync(pg.base, { recursive: true });
        state.pids.postgres = (await startPostgres(pg, join(dir, "postgres.log"))).pid;
        backendArgs.push("-postgresql-url", `postgres://clipzy@127.0.0.1:${pg.port}/postgres`);
      }
      ferret = spawnLogged(
        bins.ferretdb,
        ["-listen", `127.0.0.1:${state.ferret.port}`, ...backendArgs, "-log-level", "warn"],
        { env: process.env, log: join(dir, "ferretdb.log"), cwd: dir },
      );
      state.pids.ferret = ferret.pid;
    }
    writeFileSync(state.file, JSON.stringify(state, null, 2));
    await Promise.all([
      startRabbit(state),
      waitUntil(
        "MinIO",
        async () => {
          if (!alive(minio.pid)) fail(`minio exited; see ${join(dir, "minio.log")}`);
          const res = await fetch(`http://127.0.0.1:${state.minio.port}/minio/health/ready`);
          return res.status === 200;
        },
        60_000,
        join(dir, "minio.log"),
      ),
      ferret
        ? waitUntil(
            "FerretDB",
            async () => {
              if (!alive(ferret.pid)) fail(`ferretdb exited; see ${join(dir, "ferretdb.log")}`);
              return tcpOpen(state.ferret.port);
            },
            60_000,
            join(dir, "ferretdb.log"),
          )
        : Promise.resolve(),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  writeFileSync(state.file, JSON.stringify(state, null, 2));
  const env = {
    BROKER_URL: `amqp://guest:guest@127.0.0.1:${r.port}/?heartbeat=5`,
    MONGO_URL: external ? process.env.MONGO_URL : `mongodb://127.0.0.1:${state.ferret.port}/clipzy`,
    OBJECT_STORE_URL: `s3://clipzy:clipzy-secret@127.0.0.1:${state.minio.port}/clipzy?ssl=false&region=us-east-1`,
  };
  const docstore = external
    ? "MongoDB at MONGO_URL"
    : `FerretDB ${VERSIONS.ferretdb.replace(/^v/, "")} on ${state.ferret.backend === "postgresql" ? "PostgreSQL" : "SQLite"}`;
  return { env, state, stop, docstore };
}

/** SIGTERM (or `signal`, e.g. SIGINT: PostgreSQL's fast shutdown), then SIGKILL after 10 s. */
async function stopPid(pid, signal = "SIGTERM") {
  killTree(pid, signal);
  const deadline = Date.now() + 10_000;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) killTree(pid, "SIGKILL");
}

// CLI
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2];
  try {
    if (cmd === "ensure") {
      ensureInfra();
    } else if (cmd === "start") {
      ensureInfra();
      const { env, stop } = await startInfra();
      for (const [k, v] of Object.entries(env)) process.stdout.write(`export ${k}='${v}'\n`);
      say("running; Ctrl-C stops them");
      const bye = () => stop().then(() => process.exit(0));
      process.on("SIGINT", bye);
      process.on("SIGTERM", bye);
      setInterval(() => {}, 1 << 30);
    } else {
      say("usage: node scripts/infra.mjs ensure|start");
      process.exit(2);
    }
  } catch (err) {
    say(`ERROR: ${err instanceof InfraError ? err.message : err?.stack}`);
    process.exit(1);
  }
}
