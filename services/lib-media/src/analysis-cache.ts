import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { storageKeys } from "@clipzy/contracts";
import { metrics } from "@clipzy/platform/metrics";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { ObjectNotFoundError } from "@clipzy/platform/objectstore";

/**
 * Analyses cached by content: a video's analysis depends only on its bytes and on the analysis
 * code, so it is stored under the tenant, the sha256 of the bytes (computed by the upload while it
 * streamed) and a hash of the analysis code (this package and @clipzy/models, as deployed). A
 * second job on the same bytes reads it instead of decoding again; a new build of the analysis
 * never reads an older build's results. Entries live in the object store, so they survive
 * restarts and are shared by every worker; the upload service removes a hash's entries when the
 * tenant's last video with those bytes is deleted.
 */
/** What the cache needs of an entry's schema (a zod schema from @clipzy/models/artifacts). */
export interface VersionedSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

export class AnalysisCache {
  constructor(
    private readonly store: ObjectStore,
    private readonly tenantId: string,
  ) {}

  /** The object key of `name` for a video with these bytes, or null when the hash is unknown. */
  async key(contentSha256: string, name: string): Promise<string | null> {
    if (!/^[0-9a-f]{64}$/.test(contentSha256)) return null;
    return storageKeys.analysis(this.tenantId, contentSha256, `${await analysisCodeHash()}/${name}`);
  }

  /**
   * The cached JSON under `key` when it matches its versioned `schema`, or else what `compute`
   * returns (then stored there, last, so an entry that exists is complete). `key` null: computed,
   * not cached. An unreadable entry, or one of another shape, is recomputed.
   */
  async json<T>(
    key: string | null,
    schema: VersionedSchema<T>,
    compute: () => Promise<T>,
  ): Promise<{ value: T; reused: boolean }> {
    if (key) {
      try {
        const cached = schema.safeParse(JSON.parse((await this.store.getBytes(key)).toString("utf8")));
        if (cached.success) {
          metrics.analysisCacheHits.inc();
          return { value: cached.data, reused: true };
        }
      } catch (err) {
        if (!(err instanceof ObjectNotFoundError) && !(err instanceof SyntaxError)) throw err;
      }
      metrics.analysisCacheMisses.inc();
    }
    const value = await compute();
    if (key) await this.store.putBytes(key, JSON.stringify(value), { contentType: "application/json" });
    return { value, reused: false };
  }
}

let codeHash: Promise<string> | null = null;

/** 16 hex digits of sha256 over the analysis code's files (this package and @clipzy/models). */
export function analysisCodeHash(): Promise<string> {
  codeHash ??= (async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const models = dirname(createRequire(import.meta.url).resolve("@clipzy/models/artifacts"));
    const hash = createHash("sha256");
    for (const dir of [here, models]) {
      const files = (await readdir(dir, { recursive: true }))
        .filter((f) => /\.(js|ts)$/.test(f) && !/\.(test|d)\.[jt]s$/.test(f))
        .sort();
      for (const f of files) hash.update(f).update(await readFile(join(dir, f)));
    }
    return hash.digest("hex").slice(0, 16);
  })();
  return codeHash;
}
