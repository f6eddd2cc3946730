/**
 * CPU accounting of process trees from Linux's /proc, for benchmarks that must say where the CPU
 * went (not only how long things took):
 *
 *   const before = snapshot();  …  const after = snapshot();
 *   treeSeconds(after, [pid]) - treeSeconds(before, [pid])   // CPU s of pid and its descendants
 *
 * A tree's CPU is the sum, over its live processes, of user + system time of the process and of
 * its reaped children (utime + stime + cutime + cstime): an ffmpeg run that a worker spawned and
 * waited for stays counted in the worker's cutime after it exits. A child that exits without
 * being waited for by its parent is lost (none of the servers here do that).
 * Also: which CPUs each thread of a tree last ran on and may run on (to check `taskset` pinning),
 * and the machine's per-CPU busy time (to tell our CPU from everyone else's).
 */

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const TICK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in seconds. */
  cpu: number;
  /** The CPU this task last ran on. */
  processor: number;
}

/** /proc/<path>/stat's fields after the command name (which may hold spaces and parentheses). */
function parseStat(text: string): ProcStat {
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // f[0] is field 3 (state): ppid is field 4, utime..cstime 14..17, processor 39
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return { ppid: Number(f[1]), cpu: ticks / TICK, processor: Number(f[36]) };
}

const read = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process exited while we read
  }
};

const pids = (dir: string) =>
  readdirSync(dir)
    .filter((d) => /^\d+$/.test(d))
    .map(Number);

export type Snapshot = Map<number, ProcStat>;

/** Every live process's parent and CPU time. */
export function snapshot(): Snapshot {
  const out: Snapshot = new Map();
  for (const pid of pids("/proc")) {
    const text = read(`/proc/${pid}/stat`);
    if (text) out.set(pid, parseStat(text));
  }
  return out;
}

/** `roots` and every live descendant of them. */
export function descendants(snap: Snapshot, roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, s] of snap) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  const out: number[] = [];
  const todo = roots.filter((p) => snap.has(p));
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

/** CPU seconds used so far by the trees under `roots` (see the file comment). */
export function treeSeconds(snap: Snapshot, roots: readonly number[]): number {
  return descendants(snap, roots).reduce((s, p) => s + snap.get(p)!.cpu, 0);
}

export interface Placement {
  /** Distinct Cpus_allowed_list values seen, e.g. "0". */
  allowed: Set<string>;
  /** CPUs any thread was last seen running on. */
  ranOn: Set<number>;
  /** Processes seen (by pid) and what they run (the command name). */
  processes: Map<number, string>;
}

export const emptyPlacement = (): Placement => ({
  allowed: new Set(),
  ranOn: new Set(),
  processes: new Map(),
});

/** `roots` and their live descendants, from each thread's children list (no scan of all of /proc). */
function liveTree(roots: readonly number[]): number[] {
  const out: number[] = [];
  const todo = [...roots];
  while (todo.length) {
    const pid = todo.pop()!;
    let tids: number[];
    try {
      tids = pids(`/proc/${pid}/task`);
    } catch {
      continue; // exited
    }
    out.push(pid);
    for (const tid of tids) {
      const kids = read(`/proc/${pid}/task/${tid}/children`)?.trim();
      if (kids) todo.push(...kids.split(" ").map(Number));
    }
  }
  return out;
}

/**
 * Adds what the processes under `roots` may run on (Cpus_allowed_list) and where their threads
 * are running right now. Only running threads count for `ranOn`: a sleeping thread's last CPU
 * says nothing about where it may run.
 */
export function observePlacement(roots: readonly number[], into: Placement): void {
  for (const pid of liveTree(roots)) {
    const allowed = read(`/proc/${pid}/status`)?.match(/^Cpus_allowed_list:\s*(\S+)/m)?.[1];
    if (!allowed) continue;
    into.allowed.add(allowed);
    into.processes.set(pid, read(`/proc/${pid}/comm`)?.trim() ?? "");
    let tids: number[] = [];
    try {
      tids = pids(`/proc/${pid}/task`);
    } catch {}
    for (const tid of tids) {
      const text = read(`/proc/${pid}/task/${tid}/stat`);
      if (text?.[text.lastIndexOf(")") + 2] === "R") into.ranOn.add(parseStat(text).processor);
    }
  }
}

/** Busy and total seconds of each CPU since boot, from /proc/stat. */
export function cpuTimes(): { busy: number; total: number }[] {
  return readFileSync("/proc/stat", "utf8")
    .split("\n")
    .filter((l) => /^cpu\d+ /.test(l))
    .map((l) => {
      const v = l.split(/\s+/).slice(1).map(Number);
      const idle = v[3] + v[4]; // idle + iowait
      const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // without guest (counted in user)
      return { busy: (total - idle) / TICK, total: total / TICK };
    });
}

export const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
