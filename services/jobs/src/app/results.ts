import {
  type EditSummary,
  EditSummaryArtifactSchema,
  type FidelityReport,
  FidelityReportSchema,
  type StyleJson,
  storageKeys,
} from "@clipzy/contracts";
import { StyleExtractionArtifactSchema } from "@clipzy/models/artifacts";
import { readArtifact } from "@clipzy/platform/artifacts";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import type { JobDoc } from "../domain/job.js";

/**
 * A job's result, read from the artifacts its stages published, each through its versioned
 * schema: the style (style_extraction), the edit summary the style-applier wrote for it, and the
 * renderer's fidelity report. The EDL itself is the renderer's input, never read here.
 */
export class JobResults {
  constructor(private readonly store: ObjectStore) {}

  /** What a job completing now records of its result. */
  async ofCompleted(doc: JobDoc): Promise<Pick<JobDoc, "style_json" | "edit" | "fidelity" | "output_key">> {
    const full = doc.config.mode === "full";
    return {
      style_json: doc.style_json ?? (await this.style(doc._id)),
      edit: full ? await this.edit(doc._id) : null,
      fidelity: full ? await this.fidelity(doc._id) : null,
      output_key: full ? storageKeys.output(doc._id) : null,
    };
  }

  /** The style-applier's edit summary; null for a job planned by an engine from before it. */
  async edit(jobId: string): Promise<EditSummary | null> {
    const key = storageKeys.artifact(jobId, "edit_summary");
    if (!(await this.store.stat(key))) return null;
    return (await readArtifact(this.store, key, EditSummaryArtifactSchema)).edit;
  }

  async style(jobId: string): Promise<StyleJson> {
    const key = storageKeys.artifact(jobId, "style_extraction");
    return (await readArtifact(this.store, key, StyleExtractionArtifactSchema)).style_json;
  }

  /** The rendering stage's report; null for a render that wrote none (an engine from before it). */
  async fidelity(jobId: string): Promise<FidelityReport | null> {
    const key = storageKeys.artifact(jobId, "fidelity");
    if (!(await this.store.stat(key))) return null;
    return readArtifact(this.store, key, FidelityReportSchema);
  }
}
