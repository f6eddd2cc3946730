/**
 * vitest globalSetup of the `distributed` project: installs/builds the real servers when missing
 * (scripts/infra.mjs), starts RabbitMQ, MinIO and FerretDB (or uses MONGO_URL when it names a real
 * MongoDB) on loopback ports, their data under the system temp folder (not in the clone: a
 * server run as another user, such as PostgreSQL as `postgres`, may not enter it), hands their
 * URLs to the tests, and stops them and removes their data afterwards whatever the outcome. A
 * server that cannot be had fails the run: nothing is skipped.
 */
import type { TestProject } from "vitest/node";
// @ts-expect-error: plain ESM script without type declarations
import { ensureInfra, startInfra } from "../../scripts/infra.mjs";
import type { InfraInfo } from "./infra.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  ensureInfra();
  const infra = await startInfra({ name: `vitest-${process.pid}` });
  process.stderr.write(
    `[infra] RabbitMQ, MinIO and ${infra.state.ferret ? "FerretDB" : "MongoDB (MONGO_URL)"} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  const info: InfraInfo = { env: infra.env, stateFile: infra.state.file };
  project.provide("infra", info);
  return async () => {
    await infra.stop();
  };
}
