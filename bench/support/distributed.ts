/** Distributed mode for the benchmarks: the real servers of scripts/infra.mjs and every service as its own process. */
// @ts-expect-error: plain ESM script without type declarations
import { ensureInfra, startInfra } from "../../scripts/infra.mjs";
import { Cluster, type ClusterOptions } from "../../test/support/cluster.js";

export interface Distributed {
  cluster: Cluster;
  /** What serves MONGO_URL, e.g. "FerretDB 1.24 on PostgreSQL". */
  docstore: string;
  /** The servers' process ids (each the root of its process tree), for CPU accounting. */
  serverPids: Record<string, number>;
}

export async function withDistributed<T>(
  name: string,
  run: (d: Distributed) => Promise<T>,
  options: Omit<ClusterOptions, "infra"> = {},
): Promise<T> {
  ensureInfra();
  const infra = await startInfra({ name: `${name}-${process.pid}` });
  let cluster: Cluster | undefined;
  try {
    cluster = await Cluster.start({
      ...options,
      infra: { env: infra.env, stateFile: infra.state.file },
      env: { LOG_LEVEL: "warn", ...options.env },
    });
    const { pids, rabbit } = infra.state;
    const serverPids: Record<string, number> = { RabbitMQ: rabbit.pid, MinIO: pids.minio };
    if (pids.ferret) serverPids.FerretDB = pids.ferret;
    if (pids.postgres) serverPids.PostgreSQL = pids.postgres;
    return await run({ cluster, docstore: infra.docstore ?? "a MongoDB-protocol server", serverPids });
  } finally {
    await cluster?.stop();
    await infra.stop();
  }
}
