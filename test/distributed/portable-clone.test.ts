/**
 * The distributed setup from a clone inside a 0700 folder, as a root user who clones into their
 * home gets: PostgreSQL runs as `postgres`, which cannot enter such a folder, so initdb used to fail
 * before any test ran. This clones the checkout there, runs `node scripts/infra.mjs start` from the
 * clone (ensureInfra + startInfra, the code path of the distributed project's globalSetup; the
 * server binaries come from the cache, nothing is rebuilt), and checks that the servers come up,
 * that a message goes through RabbitMQ and a document through the MongoDB-protocol server, that
 * their data lives under the system temp folder and nothing was written into the clone, and that
 * stopping removes it.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait.js";

const ROOT = join(import.meta.dirname, "..", "..");

let home = "";
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  if (home) rmSync(home, { recursive: true, force: true });
});

function git(args: string[], cwd: string): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

describe("the distributed setup from a clone in a 0700 folder", () => {
  it("starts RabbitMQ, MinIO and the docstore from there, their data under the temp folder, and removes it on stop", async () => {
    home = mkdtempSync(join(tmpdir(), "clipzy-home-")); // mode 0700, like /root
    expect(statSync(home).mode & 0o777).toBe(0o700);
    const clone = join(home, "clone");
    git(["clone", "--quiet", "--shared", ROOT, clone], tmpdir());

    child = spawn(process.execPath, ["scripts/infra.mjs", "start"], {
      cwd: clone,
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout!.on("data", (c) => {
      out += c;
    });
    child.stderr!.on("data", (c) => {
      err += c;
    });
    const exited = new Promise<number | null>((resolve) => child!.once("exit", resolve));
    await waitFor(
      "the servers' URLs",
      () => {
        if (child!.exitCode !== null) throw new Error(`infra.mjs start exited (${child!.exitCode}):\n${err}`);
        return /OBJECT_STORE_URL/.test(out) && /\[infra\] state: /.test(err);
      },
      { timeoutMs: 150_000, detail: () => err },
    );
    expect(err).not.toMatch(/building/); // the cached binaries were reused
    const env = Object.fromEntries([...out.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
    const state = JSON.parse(readFileSync(/\[infra\] state: (.+)$/m.exec(err)![1], "utf8"));

    // Their data: under the temp folder, not in the clone; PostgreSQL's owned by the user it runs as.
    const dirs: string[] = [state.dir, state.postgres?.base].filter(Boolean);
    for (const d of dirs) {
      expect(d.startsWith(tmpdir()), d).toBe(true);
      expect(d.startsWith(home), d).toBe(false);
    }
    if (state.postgres && process.getuid?.() === 0) {
      const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
      expect(statSync(state.postgres.base).uid).toBe(uid);
      expect(statSync(state.postgres.data).uid).toBe(uid);
    }

    // One real operation on each: a message through RabbitMQ, a document through the docstore.
    const conn = await amqp.connect(env.BROKER_URL);
    try {
      const ch = await conn.createChannel();
      const { queue } = await ch.assertQueue("", { exclusive: true });
      ch.sendToQueue(queue, Buffer.from("from a 0700 clone"));
      const got = await waitFor("the message back", () => ch.get(queue, { noAck: true }));
      expect(got?.content.toString()).toBe("from a 0700 clone");
    } finally {
      await conn.close();
    }
    const mongo = new MongoClient(env.MONGO_URL, { serverSelectionTimeoutMS: 10_000 });
    try {
      const docs = mongo.db().collection("portable");
      await docs.insertOne({ _id: "x" as any, from: "a 0700 clone" });
      expect(await docs.findOne({ _id: "x" as any })).toEqual({ _id: "x", from: "a 0700 clone" });
    } finally {
      await mongo.close();
    }
    const s3 = new URL(env.OBJECT_STORE_URL);
    expect((await fetch(`http://${s3.host}/minio/health/ready`)).status).toBe(200);

    // Nothing was written into the clone (no .infra/, no logs), ignored files included.
    expect(git(["status", "--porcelain", "--ignored"], clone)).toBe("");

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    for (const d of dirs) expect(existsSync(d), `${d} removed`).toBe(false);
  });
});
