import { defineConfig } from "vitest/config";

/** Tests that need the real servers (RabbitMQ, MinIO, FerretDB/MongoDB) started by globalSetup. */
const DISTRIBUTED = [
  "services/lib-platform/src/broker/amqp.test.ts",
  "services/lib-platform/src/docstore/mongo.test.ts",
  "services/lib-platform/src/objectstore/s3.test.ts",
  "test/distributed/**/*.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: media tests are CPU-bound, keep parallelism modest.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: "embedded",
          include: ["services/*/src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["**/node_modules/**", ...DISTRIBUTED],
        },
      },
      {
        // `npm test` runs this project on its own, one file at a time (--no-file-parallelism):
        // its files share one RabbitMQ, and one of them stops and restarts it.
        extends: true,
        test: {
          name: "distributed",
          include: DISTRIBUTED,
          globalSetup: ["test/support/infra-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
