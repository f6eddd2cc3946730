import { join } from "node:path";
import { storageKeys } from "@clipzy/contracts";
import type { EngineHooks } from "@clipzy/engine";
import { FsObjectStore, type ObjectStore } from "@clipzy/platform/objectstore";
import type { StageHandler } from "@clipzy/platform/stage-worker";

/**
 * The early preview (GET /jobs/{id}/preview) of the preview, CLI and dashboard tests: the real
 * closed loop in the style-applier renders low-resolution proxies of the planned edit during
 * style_application (for a job with a template or a StyleJSON to reach) and puts each round's at
 * storageKeys.preview(jobId), replacing the last. The tests hold a job where it matters: before
 * style_application (no preview yet), before a round's proxy is stored (the previous round's is
 * what is served), and before the final encode (the loop's chosen proxy in place, the job running).
 */
type StageTask = Parameters<StageHandler>[0];

export interface PreviewHooks {
  /** Awaited before style_application runs: the job has no preview until it resolves. */
  beforePreview?(jobId: string, task: StageTask): Promise<void> | void;
  /** Awaited before the loop stores a job's `n`-th proxy (1-based; a later one replaces the last). */
  beforeProxy?(jobId: string, n: number): Promise<void> | void;
  /** Awaited before the final encode (rendering) runs: the job stays processing, preview in place. */
  beforeRender?(jobId: string, task: StageTask): Promise<void> | void;
}

const PREVIEW_KEY = new RegExp(`^${storageKeys.preview("(.+)").replaceAll(".", "\\.")}$`);

/** Engine hooks that hold a job before its preview, before each proxy is stored, and before its final encode. */
export function previewHooks(o: PreviewHooks): EngineHooks {
  return {
    wrapHandler: (stage, handler): StageHandler => {
      const before =
        stage === "style_application" ? o.beforePreview : stage === "rendering" ? o.beforeRender : undefined;
      if (!before) return handler;
      return async (task, ctx) => {
        await before(task.jobId, task);
        return handler(task, ctx);
      };
    },
    wrapStore: o.beforeProxy ? (store) => holdingProxies(store, o.beforeProxy!) : undefined,
  };
}

/** The store, with each put at a preview key awaiting `before(jobId, n)` first. */
function holdingProxies(
  store: ObjectStore,
  before: (jobId: string, n: number) => Promise<void> | void,
): ObjectStore {
  const stored = new Map<string, number>();
  const hold = async (key: string) => {
    const jobId = PREVIEW_KEY.exec(key)?.[1];
    if (jobId === undefined) return;
    const n = (stored.get(jobId) ?? 0) + 1;
    stored.set(jobId, n);
    await before(jobId, n);
  };
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop !== "put" && prop !== "putBytes") return value.bind(target);
      return async (key: string, ...rest: unknown[]) => {
        await hold(key);
        return value.call(target, key, ...rest);
      };
    },
  });
}

/** The preview the engine stores for a job, read from its storage root (null before it exists). */
export async function storedPreview(dataDir: string, jobId: string): Promise<Buffer | null> {
  const store = new FsObjectStore({ root: join(dataDir, "storage") });
  return (await store.stat(storageKeys.preview(jobId))) ? store.getBytes(storageKeys.preview(jobId)) : null;
}

/** A gate a hook awaits until the test opens it. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}
