// Real servers for the distributed-mode tests: RabbitMQ (Debian's rabbitmq-server), MinIO (built
// with `go install` at a pinned version) and FerretDB 1.x (a MongoDB-protocol server, built with
// `go build` from deploy/ferretdb at the version pinned in its go.mod) on PostgreSQL (Debian's
// postgresql: its own cluster, data directory and port, never the system service) or, with
// FERRETDB_BACKEND=sqlite, on SQLite. PostgreSQL is the default because it is the faster backend
// (bench/reads.ts distributed measures both).
//
//   ensureInfra()           installs / builds what is missing; binaries are cached under
//                           $CLIPZY_INFRA_CACHE (default ~/.cache/clipzy-infra) and reused
//   startInfra({ name })    starts the three on picked loopback ports (again on new ones when a
//                           port was taken before its bind: withFreePorts), their data under the
//                           system temp folder (never in the clone), waits until they answer, and
//                           returns { env, state, stop }
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
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
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

/** Ports this process has handed out: never handed out twice, even after their server stopped. */
const handedOut = new Set();

/**
 * A loopback port that is free now, for a server started a moment later. It is picked below the
 * kernel's ephemeral range: a port from listen(0) is in that range, where every outgoing
 * connection and every other port-0 listener takes ports too. Another process can still bind it
 * between this pick and the server's bind: start servers through withFreePorts, which starts
 * again on new ports when that happens.
 */
export async function freePort() {
  let low = 32768;
  try {
    low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  } catch {} // not Linux: the usual default
  const from = Math.max(1024, low - 12000);
  for (let i = 0; i < 200 && low - from >= 1000; i++) {
    const port = from + Math.floor(Math.random() * (low - from));
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found below the ephemeral range (${from}-${low - 1})`);
}

/**
 * True when a failed start says its port was taken: EADDRINUSE in the error's code or message,
 * where a server's exit carries its log tail (Node and Erlang "eaddrinuse", PostgreSQL and Go
 * "address already in use", MinIO "port is already in use").
 */
export function isPortClash(err) {
  return /EADDRINUSE|address already in use|port is already in use|dist_port_already_used/i.test(
    `${err?.code ?? ""} ${err?.message ?? err}`,
  );
}

/**
 * The one way the suite starts a server on picked ports: `start(ports)` gets `count` ports from
 * `pick` (default freePort) and binds them; when it fails because one of them was taken between
 * the pick and the bind (isPortClash), it runs again on new ports, up to `attempts` times. `start`
 * must leave nothing running when it throws. Resolves to what `start` resolved to.
 */
export async function withFreePorts(what, count, start, { attempts = 5, pick = freePort } = {}) {
  for (let attempt = 1; ; attempt++) {
    const ports = [];
    for (let i = 0; i < count; i++) ports.push(await pick());
    const t0 = Date.now();
    try {
      return await start(ports);
    } catch (err) {
      if (attempt >= attempts || !isPortClash(err)) throw err;
      say(
        `${what}: a port of ${ports.join(", ")} was taken before it bound (found in ${Date.now() - t0} ms); starting again on new ports`,
      );
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function logTail(logFile) {
  try {
    return readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n");
  } catch {
    return "";
  }
}

async function waitUntil(what, check, timeoutMs, logFile) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      if (err instanceof InfraError) throw err;
    }
    if (Date.now() > deadline) {
      const tail = logTail(logFile);
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

/**
 * Spawns a server (its own process group, output appended to `log`) and waits until `ready()`;
 * when it exits first or does not become ready in time, it is killed and the error carries the
 * log's tail (so withFreePorts sees an EADDRINUSE there). Resolves to the child.
 */
async function serve(what, cmd, args, { env = process.env, cwd, log, ready, timeoutMs = 60_000 }) {
  const child = spawnLogged(cmd, args, { env, cwd, log });
  try {
    await waitUntil(
      what,
      async () => {
        if (!alive(child.pid)) fail(`${what} exited while starting; log ${log}, tail:\n${logTail(log)}`);
        return ready(child);
      },
      timeoutMs,
      log,
    );
  } catch (err) {
    await stopPid(child.pid, "SIGKILL");
    throw err;
  }
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

/**
 * Starts this run's node on `state.rabbit`'s ports (also used to restart it: same ports, same
 * data, as its clients expect) and waits until it accepts connections. It runs as the user
 * running this (rabbitmq-server from /usr/lib/rabbitmq/bin, not the /usr/sbin wrapper that
 * switches to the rabbitmq user), so its data may stay in this run's own directory.
 */
export async function startRabbit(state) {
  const r = state.rabbit;
  mkdirSync(join(r.base, "log"), { recursive: true });
  const child = await serve("RabbitMQ", rabbitBin("rabbitmq-server"), [], {
    env: rabbitEnv(state),
    log: join(r.base, "server.log"),
    cwd: r.base,
    ready: async () =>
      (await tcpOpen(r.port)) && rabbitctl(state, ["await_startup", "--timeout", "5"], 15_000).status === 0,
    timeoutMs: 120_000,
  });
  r.pid = child.pid;
  writeFileSync(state.file, JSON.stringify(state, null, 2));
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
 * package creates (runuser). That user can enter neither a clone in a 0700 home nor this run's
 * directory, so its cluster lives in a directory of its own under the system temp folder, owned
 * by it; it reads nothing else but its binaries under /usr/lib/postgresql, and its output goes to a
 * log file root opened.
 */
function postgresUser() {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag) => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
  const uid = id("-u");
  if (!Number.isInteger(uid) || uid <= 0)
    fail("the postgres user is missing (it comes with Debian's postgresql package)");
  return { uid, gid: id("-g") };
}

function asPostgresUser(user, cmd, args) {
  return user ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
}

/** initdb into a fresh directory under the system temp folder that the cluster's user owns. */
function initPostgres(pg) {
  const user = postgresUser();
  pg.base = mkdtempSync(join(tmpdir(), "clipzy-postgres-"));
  pg.data = join(pg.base, "data");
  pg.socket = join(pg.base, "sock");
  mkdirSync(pg.socket);
  if (user) {
    for (const d of [pg.base, pg.socket]) chownSync(d, user.uid, user.gid);
    const [cmd, args] = asPostgresUser(user, "test", ["-w", pg.base]);
    if (spawnSync(cmd, args).status !== 0)
      fail(`the postgres user cannot write ${pg.base}: the temp folder (TMPDIR) must be one it can enter`);
  }
  const [initCmd, initArgs] = asPostgresUser(user, tool("initdb"), [
    "-D",
    pg.data,
    "-U",
    "clipzy",
    "--auth=trust",
    "--encoding=UTF8",
    "--no-instructions",
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: "utf8", cwd: pg.base });
  if (init.status !== 0) fail(`initdb failed: ${init.stderr || init.stdout}`);
}

function tool(name) {
  const bin = postgresBin();
  return bin ? join(bin, name) : name;
}

async function startPostgres(pg, log) {
  // A throwaway test cluster: no durability needed (the documents live as long as the run).
  const [cmd, args] = asPostgresUser(postgresUser(), tool("postgres"), [
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
  const isReady = tool("pg_isready");
  return serve("PostgreSQL", cmd, args, {
    log,
    cwd: pg.base,
    ready: () =>
      spawnSync(isReady, ["-h", "127.0.0.1", "-p", String(pg.port), "-U", "clipzy", "-q"]).status === 0,
  });
}

/**
 * Starts RabbitMQ, MinIO and FerretDB (on PostgreSQL or SQLite; none when MONGO_URL names a real
 * MongoDB) on picked loopback ports, each started again on new ports when one was taken before it
 * bound (withFreePorts). Their data lives under the system temp folder, never in the clone: one
 * directory of this run's own (`clipzy-infra-<name>-…`, its path in `state.dir`) and PostgreSQL's
 * own (`clipzy-postgres-…`, owned by the user it runs as); `stop()` removes both unless
 * CLIPZY_KEEP_INFRA is set. `pick` replaces freePort (the suite's own test of the retry uses it).
 */
export async function startInfra({ name = String(process.pid), pick = freePort } = {}) {
  const bins = binaries();
  const dir = mkdtempSync(join(tmpdir(), `clipzy-infra-${name}-`));
  const external = isExternalMongo();
  const state = {
    file: join(dir, "state.json"),
    dir,
    rabbit: {
      node: `clipzy${process.pid}-${basename(dir).slice(-6)}@localhost`,
      base: join(dir, "rabbitmq"),
      home: join(dir, "rabbitmq", "home"),
    },
    minio: { dir: join(dir, "minio") },
    ferret: external ? undefined : { dir: join(dir, "ferretdb"), backend: ferretBackend() },
    pids: {},
  };
  const r = state.rabbit;
  mkdirSync(r.home, { recursive: true });
  writeFileSync(join(r.base, "enabled_plugins"), "[].\n");
  writeFileSync(join(r.base, "rabbitmq.conf"), "loopback_users = none\n");
  writeFileSync(join(r.base, "advanced.config"), "[].\n");
  writeFileSync(join(r.base, "rabbitmq-env.conf"), "");
  writeFileSync(join(r.home, ".erlang.cookie"), `CLIPZY${process.pid}${Date.now()}`, { mode: 0o400 });
  const save = () => writeFileSync(state.file, JSON.stringify(state, null, 2));
  save();

  const stop = async () => {
    const tasks = [];
    if (state.pids.minio) tasks.push(stopPid(state.pids.minio));
    if (state.pids.ferret || state.pids.postgres)
      tasks.push(
        stopPid(state.pids.ferret).then(() => state.pids.postgres && stopPid(state.pids.postgres, "SIGINT")),
      );
    // Re-read: a test may have restarted RabbitMQ (new pid) from another process.
    let current = state;
    try {
      current = JSON.parse(readFileSync(state.file, "utf8"));
    } catch {}
    if (current.rabbit.pid) tasks.push(stopRabbit(current).catch(() => undefined));
    await Promise.all(tasks);
    if (process.env.CLIPZY_KEEP_INFRA)
      say(`kept the servers' data in ${[dir, state.postgres?.base].filter(Boolean).join(" and ")}`);
    else for (const d of [dir, state.postgres?.base]) if (d) rmSync(d, { recursive: true, force: true });
  };
  const options = { pick };
  const startMinio = () =>
    withFreePorts(
      "MinIO",
      2,
      async ([port, consolePort]) => {
        const log = join(dir, "minio.log");
        const child = await serve(
          "MinIO",
          bins.minio,
          [
            "server",
            state.minio.dir,
            "--quiet",
            "--address",
            `127.0.0.1:${port}`,
            "--console-address",
            `127.0.0.1:${consolePort}`,
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
            cwd: dir,
            log,
            ready: async () =>
              (
                await fetch(`http://127.0.0.1:${port}/minio/health/ready`, {
                  signal: AbortSignal.timeout(2000),
                })
              ).status === 200,
          },
        );
        Object.assign(state.minio, { port, consolePort });
        state.pids.minio = child.pid;
      },
      options,
    );
  const startRabbitOnFreePorts = () =>
    withFreePorts(
      "RabbitMQ",
      2,
      async ([port, distPort]) => {
        Object.assign(r, { port, distPort });
        await startRabbit(state);
      },
      options,
    );
  const startDocstore = async () => {
    if (!state.ferret) return;
    const backendArgs = ["-sqlite-dir", state.ferret.dir];
    if (state.ferret.backend === "postgresql") {
      const pg = {};
      state.postgres = pg;
      initPostgres(pg);
      await withFreePorts(
        "PostgreSQL",
        1,
        async ([port]) => {
          pg.port = port;
          state.pids.postgres = (await startPostgres(pg, join(dir, "postgres.log"))).pid;
        },
        options,
      );
      backendArgs.push("-postgresql-url", `postgres://clipzy@127.0.0.1:${pg.port}/postgres`);
    }
    // FerretDB binds port 0 (the kernel's choice, no race) and logs the address it got once bound.
    const log = join(dir, "ferretdb.log");
    const boundPort = () => /msg=ready uri=mongodb:\/\/127\.0\.0\.1:(\d+)/.exec(logTail(log))?.[1];
    const child = await serve(
      "FerretDB",
      bins.ferretdb,
      ["-listen", "127.0.0.1:0", ...backendArgs, "-log-level", "warn"],
      { log, cwd: dir, ready: async () => boundPort() !== undefined && tcpOpen(Number(boundPort())) },
    );
    state.ferret.port = Number(boundPort());
    state.pids.ferret = child.pid;
  };
  try {
    const started = await Promise.allSettled([startRabbitOnFreePorts(), startMinio(), startDocstore()]);
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  save();
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
      const { env, state, stop } = await startInfra();
      for (const [k, v] of Object.entries(env)) process.stdout.write(`export ${k}='${v}'\n`);
      say(`state: ${state.file}`);
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
