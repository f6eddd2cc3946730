/**
 * deploy/, offline: the compose file against the compose-spec JSON schema (the one `docker compose`
 * validates with, from compose-go; scripts/deploy-tools.mjs), its collector and Prometheus wiring,
 * and the Dockerfile with hadolint plus what hadolint does not check (COPY sources exist, stage and
 * version references agree with the compose file, k8s/ and scripts/infra.mjs).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
// @ts-expect-error: plain ESM script without type declarations
import { ensureDeployTools } from "../../scripts/deploy-tools.mjs";
// @ts-expect-error: plain ESM script without type declarations
import { VERSIONS } from "../../scripts/infra.mjs";
import { DISTRIBUTED_SERVICES, ROOT } from "../support/deploy.js";

const Ajv2020 = ((Ajv2020Module as any).default ?? Ajv2020Module) as typeof Ajv2020Module;
const DEPLOY = join(ROOT, "deploy");
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), "utf8");
const CONFIG = Object.fromEntries(
  read("k8s", "base", "config.env")
    .split("\n")
    .filter(Boolean)
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
);

let tools: Record<string, string>;
beforeAll(() => {
  tools = ensureDeployTools();
}, 300_000);

describe("deploy/compose.yaml", () => {
  const compose = parse(read("deploy", "compose.yaml"), { merge: true });
  const clipzy = Object.entries<any>(compose.services).filter(([, s]) => s.image === "clipzy:dev");

  it("is valid against the compose-spec schema, which rejects unknown keys and wrong types", () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(
      JSON.parse(readFileSync(tools.composeSchema, "utf8")),
    );
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    const bad = structuredClone(compose);
    bad.services.gateway.stop_grace = "5m";
    bad.services.jobs.ports = "8000:8000";
    expect(validate(bad)).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual(
      expect.arrayContaining([
        "/services/gateway must NOT have unevaluated properties",
        "/services/jobs/ports must be array",
      ]),
    );
  });

  it("runs every service as its own container of the one image, next to RabbitMQ, MongoDB, MinIO, the collector, Jaeger and Prometheus", () => {
    expect(clipzy.map(([name]) => name).sort()).toEqual([...DISTRIBUTED_SERVICES].sort());
    for (const [name, s] of clipzy) {
      expect(s.working_dir).toBe(`/app/services/${name}`);
      expect(s.environment.OTEL_SERVICE_NAME).toBe(name);
      expect(existsSync(join(DEPLOY, s.env_file))).toBe(true);
      expect(s).toMatchObject({ read_only: true, user: "1000:1000", cap_drop: ["ALL"] });
      const seconds = (d: string) => Number(d.slice(0, -1)) * { s: 1, m: 60 }[d.at(-1) as "s" | "m"];
      const drain = Number(s.environment.DRAIN_TIMEOUT_SECONDS ?? 25); // runMain's default
      expect(drain, `${name} exits on its own before docker kills it`).toBeLessThan(
        seconds(s.stop_grace_period),
      );
      expect(Number(s.environment.STAGE_DRAIN_SECONDS ?? 20), name).toBeLessThan(drain); // 20: the default
    }
    for (const server of ["rabbitmq", "mongodb", "minio", "otel-collector", "jaeger", "prometheus"])
      expect(compose.services[server], server).toBeDefined();
    for (const server of ["rabbitmq", "mongodb", "minio"])
      expect(compose.services[server].healthcheck, server).toBeDefined();
    // The URLs the services get name the compose services and the credentials those were given.
    const env = clipzy[0][1].environment;
    expect(new URL(env.BROKER_URL)).toMatchObject({
      hostname: "rabbitmq",
      username: compose.services.rabbitmq.environment.RABBITMQ_DEFAULT_USER,
      password: compose.services.rabbitmq.environment.RABBITMQ_DEFAULT_PASS,
      pathname: `/${compose.services.rabbitmq.environment.RABBITMQ_DEFAULT_VHOST}`,
    });
    expect(new URL(env.MONGO_URL)).toMatchObject({
      hostname: "mongodb",
      username: compose.services.mongodb.environment.MONGO_INITDB_ROOT_USERNAME,
      password: compose.services.mongodb.environment.MONGO_INITDB_ROOT_PASSWORD,
    });
    expect(new URL(env.OBJECT_STORE_URL)).toMatchObject({
      hostname: "minio",
      username: compose.services.minio.environment.MINIO_ROOT_USER,
      password: compose.services.minio.environment.MINIO_ROOT_PASSWORD,
    });
  });

  it("has Prometheus scrape every service's METRICS_PORT", () => {
    const prom = parse(read("deploy", "prometheus.yml"));
    const mount = compose.services.prometheus.volumes[0].split(":");
    expect(mount[0]).toBe("./prometheus.yml");
    const targets = prom.scrape_configs.flatMap((c: any) => c.static_configs.flatMap((s: any) => s.targets));
    expect(targets.sort()).toEqual(clipzy.map(([name]) => `${name}:${CONFIG.METRICS_PORT}`).sort());
  });

  it("sends traces to the collector's OTLP receiver, whose pipeline exports them to Jaeger", () => {
    const otel = parse(read("deploy", "otel-collector.yaml"));
    const endpoint = new URL(CONFIG.OTEL_EXPORTER_OTLP_ENDPOINT);
    expect(compose.services[endpoint.hostname]).toBe(compose.services["otel-collector"]);
    expect(CONFIG.OTEL_EXPORTER_OTLP_PROTOCOL).toBe("http/protobuf");
    expect(otel.receivers.otlp.protocols.http.endpoint).toBe(`0.0.0.0:${endpoint.port}`);
    const { traces } = otel.service.pipelines;
    for (const [kind, names] of [
      ["receivers", traces.receivers],
      ["processors", traces.processors],
      ["exporters", traces.exporters],
    ])
      for (const n of names) expect(otel[kind][n], `${kind} ${n}`).toBeDefined();
    const jaeger = otel.exporters[traces.exporters[0]].endpoint.split(":")[0];
    expect(compose.services[jaeger]).toBe(compose.services.jaeger);
    expect(clipzy.every(([, s]) => s.environment.OTEL_SDK_DISABLED === "false")).toBe(true);
  });
});

describe("deploy/Dockerfile", () => {
  const text = read("deploy", "Dockerfile");
  const lines = text.replace(/\\\n/g, " ").split("\n");
  const stages = lines.flatMap((l) => /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(l)?.[1] ?? []);

  it("passes hadolint, which does catch a COPY from an undefined stage", () => {
    const r = spawnSync(tools.hadolint, [join(DEPLOY, "Dockerfile")], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
    const bad = spawnSync(tools.hadolint, ["-"], {
      input: "FROM debian:bookworm-slim\nCOPY --from=nowhere /a /a\n",
      encoding: "utf8",
    });
    expect(bad.stdout).toContain("DL3022");
    expect(bad.status).not.toBe(0);
  });

  it("copies only files that exist and stages defined above, and builds the targets compose and k8s use", () => {
    for (const [i, l] of lines.entries()) {
      const m = /^COPY\s+(.*)$/.exec(l);
      if (!m) continue;
      const args = m[1].split(/\s+/);
      const from = args.find((a) => a.startsWith("--from="))?.slice("--from=".length);
      const sources = args.filter((a) => !a.startsWith("--")).slice(0, -1);
      if (from) {
        const above = lines.slice(0, i).flatMap((x) => /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(x)?.[1] ?? []);
        expect(above, l).toContain(from);
      } else for (const s of sources) expect(existsSync(join(ROOT, s)), `line ${i + 1}: ${s}`).toBe(true);
    }
    const compose = parse(read("deploy", "compose.yaml"), { merge: true });
    for (const s of Object.values<any>(compose.services))
      if (s.build) expect(stages).toContain(s.build.target);
    expect(stages.at(-1), "a plain docker build gives the engine image").toBe("clipzy");
    expect(JSON.parse(read("package.json")).scripts.build).toBeDefined();
    expect(text, "the workspace's own build script, so nothing it builds is missed").toContain(
      "pnpm run build",
    );
    expect(text).toContain(`CMD ["node", "services/engine/dist/main.js"]`);
    expect(text).toMatch(/^USER 1000:1000$/m);
  });

  it("builds the MinIO the tests build, and turns no signature check off", () => {
    expect(text).toContain(`ARG MINIO_VERSION=${VERSIONS.minio}\n`);
    for (const f of ["deploy/Dockerfile", "scripts/bootstrap.mjs", "scripts/test.mjs", ".ci/run"])
      expect(read(f), f).not.toMatch(/COREPACK_INTEGRITY_KEYS["']?\s*[:=]|strict-ssl/);
    expect(JSON.parse(read("package.json")).packageManager).toMatch(/^pnpm@[\d.]+\+sha512\.[0-9a-f]{128}$/);
  });
});
