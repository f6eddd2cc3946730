/** Distributed mode for the benchmarks: the real servers of scripts/infra.mjs and every service as its own process. */
import { join } from "node:path";
// @ts-expect-error: plain ESM script without type declarations
import { ensureInfra, startInfra } from "../../scripts/infra.mjs";
import { Cluster, type ClusterOptions } from "../../test/support/cluster.js";

export interface Distributed {
  cluster: Cluster;
  /** What serves MONGO_URL, e.g. "FerretDB 1.24 on PostgreSQL". */
  docstore: string;
}

export async function withDistributed<T>(
  name: string,
  run: (d: Distributed) => Promise<T>,
  options: Omit<ClusterOptions, "infra"> = {},
): Promise<T> {
  ensureInfra();
  const infra = await startInfra({ dir: join(process.cwd(), ".infra", "run", `${name}-${process.pid}`) });
  let cluster: Cluster | undefined;
  try {
    cluster = await Cluster.start({
      ...options,
      infra: { env: infra.env, stateFile: infra.state.file },
      env: { LOG_LEVEL: "warn", ...options.env },
    });
    return await run({ cluster, docstore: infra.docstore ?? "a MongoDB-protocol server" });
  } finally {
    await cluster?.stop();
    await infra.stop();
  }
}
