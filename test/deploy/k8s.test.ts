/**
 * The Kubernetes manifests, offline: `kustomize build` of the base and every overlay, kubeconform
 * -strict against local schemas only (Kubernetes' from kubernetes-validate, KEDA's from its CRDs;
 * scripts/deploy-tools.mjs), then what the schemas cannot say: probes, resources and confinement
 * on every workload, and a ScaledObject per stage queue that names the right queue and worker.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALL_STAGE_QUEUES, STAGE_NAMES } from "@clipzy/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
// @ts-expect-error: plain ESM script without type declarations
import { ensureDeployTools } from "../../scripts/deploy-tools.mjs";
import { WORKER_OF } from "../support/cluster.js";
import { DISTRIBUTED_SERVICES, ROOT } from "../support/deploy.js";

const K8S = join(ROOT, "k8s");
const OVERLAYS = readdirSync(join(K8S, "overlays"));
const BUILDS = ["base", ...OVERLAYS.map((o) => `overlays/${o}`)];

type Obj = Record<string, any>;
let tools: Record<string, string>;
let dir: string;
const built = new Map<string, Obj[]>();

const kubeconform = (files: string[]) =>
  spawnSync(
    tools.kubeconform,
    [
      "-strict",
      "-summary",
      "-output",
      "json",
      "-kubernetes-version",
      tools.kubernetesVersion,
      "-schema-location",
      tools.schemaLocation,
      ...files,
    ],
    { encoding: "utf8" },
  );

beforeAll(async () => {
  tools = ensureDeployTools();
  dir = await mkdtemp(join(tmpdir(), "clipzy-k8s-"));
  for (const b of BUILDS) {
    const yaml = execFileSync(tools.kustomize, ["build", join(K8S, b)], { encoding: "utf8" });
    writeFileSync(join(dir, `${b.replace("/", "-")}.yaml`), yaml);
    built.set(
      b,
      parseAllDocuments(yaml).map((d) => d.toJS()),
    );
  }
}, 300_000);

const of = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const named = (objs: Obj[], kind: string, name: string) =>
  objs.find((o) => o.kind === kind && o.metadata.name === name);

describe("kubeconform -strict, local schemas only", () => {
  it("accepts every build: Kubernetes objects and KEDA's ScaledObject/TriggerAuthentication", () => {
    const r = kubeconform(BUILDS.map((b) => join(dir, `${b.replace("/", "-")}.yaml`)));
    const out = JSON.parse(r.stdout);
    expect(out.resources ?? [], r.stdout).toEqual([]); // only failures are listed
    const total = [...built.values()].reduce((n, objs) => n + objs.length, 0);
    expect(out.summary).toMatchObject({ valid: total, invalid: 0, errors: 0, skipped: 0 });
    expect(r.status).toBe(0);
  });

  it("rejects an unknown field and a wrong type, in a Deployment and in a ScaledObject", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers: [{name: app, image: x, readinessProbe: {grpc: {port: "50051"}}, tmpDir: /tmp}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: bad}
spec:
  scaleTargetRef: {name: bad}
  maxReplicaCount: "4"
  triggers: [{type: rabbitmq, metadata: {queueName: q}, authRef: {name: rabbitmq}}]
`,
    );
    const r = kubeconform([bad]);
    expect(r.status).toBe(1);
    const errors = JSON.parse(r.stdout).resources.map((x: Obj) => `${x.kind}: ${x.msg}`);
    expect(errors).toHaveLength(2);
    for (const want of [
      /Deployment: .*grpc\/port': got string, want integer/,
      /Deployment: .*additional properties 'tmpDir' not allowed/,
      /ScaledObject: .*maxReplicaCount': got string, want integer/,
      /ScaledObject: .*additional properties 'authRef' not allowed/,
    ])
      expect(errors.join("\n")).toMatch(want);
  });
});

describe.each(BUILDS)("%s", (b) => {
  const objs = () => built.get(b)!;
  const deployments = () => of(objs(), "Deployment");
  const clipzy = () =>
    deployments().filter((d) => d.metadata.labels["app.kubernetes.io/part-of"] === "clipzy");

  it("runs every service once: a Deployment, a Service and a ServiceAccount each, on the one image", () => {
    const names = clipzy().map((d) => d.metadata.name);
    expect(names.sort()).toEqual([...DISTRIBUTED_SERVICES].sort());
    for (const d of deployments()) {
      const name = d.metadata.name;
      const pod = d.spec.template.spec;
      expect(named(objs(), "Service", name), `${name} Service`).toBeDefined();
      expect(pod.serviceAccountName, name).toBe(name);
      expect(named(objs(), "ServiceAccount", name), `${name} ServiceAccount`).toBeDefined();
      expect(pod.automountServiceAccountToken, name).toBe(false);
    }
    for (const d of clipzy()) {
      const [c] = d.spec.template.spec.containers;
      expect(c.image.split(":")[0].split("/").at(-1)).toBe("clipzy");
      expect(c.workingDir).toBe(`/app/services/${d.metadata.name}`);
      expect(c.command).toEqual(["node", "dist/main.js"]);
    }
  });

  it("gives every workload probes, requests and limits, and a non-root read-only container without capabilities", () => {
    for (const d of deployments()) {
      const pod = d.spec.template.spec;
      for (const c of pod.containers) {
        const where = `${d.metadata.name}/${c.name}`;
        expect(c.readinessProbe, `${where} readiness`).toBeDefined();
        expect(c.livenessProbe, `${where} liveness`).toBeDefined();
        for (const k of ["requests", "limits"])
          for (const r of ["cpu", "memory"])
            expect(c.resources?.[k]?.[r], `${where} ${k}.${r}`).toBeDefined();
        const sc = { ...pod.securityContext, ...c.securityContext };
        expect(sc.runAsNonRoot, where).toBe(true);
        expect(sc.runAsUser, `${where}: numeric user, so runAsNonRoot can be verified`).toBeGreaterThan(0);
        expect(c.securityContext.readOnlyRootFilesystem, where).toBe(true);
        expect(c.securityContext.allowPrivilegeEscalation, where).toBe(false);
        expect(c.securityContext.capabilities.drop, where).toContain("ALL");
      }
    }
  });

  it("probes gRPC services with gRPC health, HTTP services on /readyz and /healthz", () => {
    for (const d of clipzy()) {
      const [c] = d.spec.template.spec.containers;
      const grpc = c.ports.find((p: Obj) => p.name === "grpc");
      if (grpc) {
        expect(c.readinessProbe.grpc, d.metadata.name).toEqual({ port: grpc.containerPort });
        expect(c.env.find((e: Obj) => e.name === "GRPC_PORT").value).toBe(String(grpc.containerPort));
      } else {
        expect(c.readinessProbe.httpGet.path, d.metadata.name).toBe("/readyz");
      }
      expect(c.livenessProbe.httpGet.path, d.metadata.name).toBe("/healthz");
    }
  });

  it("gives every service an emptyDir as TMPDIR (ffmpeg's temporary files), config from a ConfigMap, secrets from Secrets", () => {
    const configMaps = of(objs(), "ConfigMap");
    for (const d of clipzy()) {
      const pod = d.spec.template.spec;
      const [c] = pod.containers;
      const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e]));
      const mount = c.volumeMounts.find((m: Obj) => m.mountPath === env.TMPDIR.value);
      const volume = pod.volumes.find((v: Obj) => v.name === mount?.name);
      expect(volume?.emptyDir?.sizeLimit, d.metadata.name).toBeDefined();
      const cm = c.envFrom.map((e: Obj) => e.configMapRef?.name);
      expect(
        configMaps.some((m) => cm.includes(m.metadata.name)),
        d.metadata.name,
      ).toBe(true);
      for (const secret of ["BROKER_URL", "MONGO_URL", "OBJECT_STORE_URL", "API_KEYS"]) {
        if (env[secret])
          expect(env[secret].valueFrom?.secretKeyRef?.key, `${d.metadata.name} ${secret}`).toBe(secret);
      }
    }
    const config = configMaps.find((m) => m.metadata.name.startsWith("clipzy-config"))!.data;
    for (const k of Object.keys(config)) expect(k, "no credentials in the ConfigMap").not.toMatch(/URL$|KEY/);
  });

  it("scales every stage queue's worker with KEDA on the queue's length over the management API", () => {
    const scaled = of(objs(), "ScaledObject");
    expect(scaled).toHaveLength(ALL_STAGE_QUEUES.length);
    for (const stage of STAGE_NAMES) {
      const queue = ALL_STAGE_QUEUES.find((q) => q.name === `stage.${stage}`)!.name;
      const so = scaled.filter((s) => s.spec.triggers.some((t: Obj) => t.metadata.queueName === queue));
      expect(so, queue).toHaveLength(1);
      const [{ spec }] = so;
      const target = named(objs(), "Deployment", spec.scaleTargetRef.name);
      expect(target?.spec.template.spec.containers[0].workingDir, queue).toBe(
        `/app/services/${WORKER_OF[stage]}`,
      );
      expect(target.spec.replicas, `${queue}: KEDA owns the replica count`).toBeUndefined();
      expect(spec.maxReplicaCount).toBeGreaterThanOrEqual(1);
      expect(spec.minReplicaCount).toBeLessThanOrEqual(1);
      const [trigger] = spec.triggers;
      expect(trigger).toMatchObject({
        type: "rabbitmq",
        metadata: { protocol: "http", mode: "QueueLength" },
      });
      expect(trigger.metadata.excludeUnacknowledged, "in-progress tasks count").toBeUndefined();
      const auth = named(objs(), "TriggerAuthentication", trigger.authenticationRef.name);
      expect(auth?.spec.secretTargetRef).toContainEqual(expect.objectContaining({ parameter: "host" }));
      // SIGTERM lets the running task finish or go back to the queue within this.
      expect(target.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    }
    // Scale to zero where a pod is expensive: the stages that decode or encode media.
    const zero = scaled.filter((s) => s.spec.minReplicaCount === 0).map((s) => s.spec.scaleTargetRef.name);
    expect(zero.sort()).toEqual(["audio-analyzer", "renderer", "video-analyzer"]);
    const renderer = named(objs(), "Deployment", "renderer")!;
    const grace = deployments().map((d) => d.spec.template.spec.terminationGracePeriodSeconds ?? 30);
    expect(renderer.spec.template.spec.terminationGracePeriodSeconds, "rendering is the longest stage").toBe(
      Math.max(...grace),
    );
  });

  it("drains within the grace period: the process's own deadline ends before Kubernetes' SIGKILL", () => {
    for (const d of clipzy()) {
      const pod = d.spec.template.spec;
      const [c] = pod.containers;
      const drain = Number(c.env.find((e: Obj) => e.name === "DRAIN_TIMEOUT_SECONDS")?.value);
      const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
      // 3 s: what the drain keeps back after the service's own stop to close connections and exit
      expect(preStop + drain + 3, d.metadata.name).toBeLessThanOrEqual(pod.terminationGracePeriodSeconds);
      if (d.metadata.labels["app.kubernetes.io/component"] !== "stage-worker") continue;
      // A worker lets its running task finish for most of the grace period, then releases it.
      const stage = Number(c.env.find((e: Obj) => e.name === "STAGE_DRAIN_SECONDS")?.value);
      expect(stage, d.metadata.name).toBeLessThan(drain);
      expect(stage, d.metadata.name).toBeGreaterThanOrEqual(pod.terminationGracePeriodSeconds - 30);
    }
  });

  it("scales the gateway with an HPA that owns its replica count", () => {
    const hpa = of(objs(), "HorizontalPodAutoscaler");
    expect(hpa.map((h) => h.spec.scaleTargetRef)).toEqual([
      { apiVersion: "apps/v1", kind: "Deployment", name: "gateway" },
    ]);
    expect(named(objs(), "Deployment", "gateway")!.spec.replicas).toBeUndefined();
    expect(hpa[0].spec.maxReplicas).toBeGreaterThan(hpa[0].spec.minReplicas);
  });

  it("names only Secrets that the overlay generates or the README tells you to create", () => {
    const refs = new Set<string>();
    const walk = (n: any) => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === "object") {
        if (n.secretKeyRef) refs.add(n.secretKeyRef.name);
        if (n.secretRef) refs.add(n.secretRef.name);
        for (const v of Object.values(n)) walk(v);
      }
    };
    walk(objs().filter((o) => o.kind !== "Secret"));
    for (const a of of(objs(), "TriggerAuthentication"))
      for (const s of a.spec.secretTargetRef) refs.add(s.name);
    const generated = new Set(of(objs(), "Secret").map((s) => s.metadata.name));
    const external = [...refs].filter((r) => !generated.has(r)).sort();
    if (b === "overlays/dev") expect(external).toEqual([]);
    else expect(external).toEqual(["clipzy-keda-rabbitmq", "clipzy-secrets"]);
  });
});

/** Starts a Deployment's service locally with its environment; resolves once its config was accepted. */
async function startsWith(objs: Obj[], d: Obj): Promise<void> {
  const config = of(objs, "ConfigMap").find((m) => m.metadata.name.startsWith("clipzy-config"))!.data;
  // Secrets by key, well-formed and pointing nowhere: the check ends once the config is parsed.
  const secrets: Record<string, string> = {
    BROKER_URL: "amqp://u:p@127.0.0.1:1/clipzy?heartbeat=10",
    MONGO_URL: "mongodb://u:p@127.0.0.1:1/clipzy?authSource=admin",
    OBJECT_STORE_URL: "s3://a:b@127.0.0.1:1/clipzy?ssl=false&region=us-east-1",
    API_KEYS: "token:tenant",
  };
  const [c] = d.spec.template.spec.containers;
  const env: Record<string, string> = { PATH: process.env.PATH!, ...config };
  for (const e of c.env) env[e.name] = e.value ?? secrets[e.valueFrom.secretKeyRef.key];
  // Several on one host: the ops port is the only thing a test run must change.
  Object.assign(env, { METRICS_HOST: "127.0.0.1", METRICS_PORT: "0" });
  const child = spawn(process.execPath, c.command.slice(1), {
    cwd: join(ROOT, c.workingDir.replace(/^\/app\//, "")), // NODE_OPTIONS' --import resolves from here
    env,
  });
  let out = "";
  const passed = await new Promise<boolean>((resolve) => {
    const seen = (chunk: Buffer) => {
      out += chunk;
      if (out.includes('"metrics listening"')) resolve(true); // logged right after the config is parsed
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.once("exit", () => resolve(false));
    setTimeout(() => resolve(false), 60_000).unref();
  });
  child.kill("SIGKILL");
  expect(passed, `${d.metadata.name}: ${out.slice(0, 2000)}`).toBe(true);
}

describe("the services started with the manifests' environment (telemetry register from NODE_OPTIONS)", () => {
  const clipzyOf = (objs: Obj[]) =>
    of(objs, "Deployment").filter((d) => d.metadata.labels["app.kubernetes.io/part-of"] === "clipzy");

  it("dev: every service's config accepts its Deployment's environment (tracing off)", async () => {
    const objs = built.get("overlays/dev")!;
    const queue = clipzyOf(objs);
    expect(queue.length, "the dev overlay's clipzy Deployments").toBeGreaterThan(0);
    // two at a time: the machine has two cores
    const next = async (): Promise<void> => {
      const d = queue.shift();
      if (d) await startsWith(objs, d).then(next);
    };
    await Promise.all([next(), next()]);
  }, 180_000);

  it("prod: the gateway starts with tracing on (the OpenTelemetry SDK loads from the register)", async () => {
    const objs = built.get("overlays/prod")!;
    const config = of(objs, "ConfigMap").find((m) => m.metadata.name.startsWith("clipzy-config"))!.data;
    expect(config.OTEL_SDK_DISABLED).toBe("false");
    await startsWith(objs, named(objs, "Deployment", "gateway")!);
  }, 120_000);
});
