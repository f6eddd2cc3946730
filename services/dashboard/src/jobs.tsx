import { isTerminalStatus, type JobResponse, STAGE_NAMES, unwrap } from "@clipzy/client";
import { useEffect, useState } from "preact/hooks";
import { client, messageOf } from "./api.js";
import { seconds, stageLabel } from "./format.js";
import { useLiveJob } from "./live.js";

/** Fired by the upload form when it created a job, so the list shows it at once. */
export const JOB_CREATED = "clipzy:job-created";

/** A progress bar with one segment per stage, the current one filling. */
export function StageProgress({ job }: { job: JobResponse }) {
  const current = job.current_stage ? STAGE_NAMES.indexOf(job.current_stage) : -1;
  return (
    <div
      class="progress"
      role="progressbar"
      aria-valuenow={job.progress_percent}
      aria-valuemin={0}
      aria-valuemax={100}
    >
      <div class={`fill ${job.status}`} style={{ width: `${job.progress_percent}%` }} />
      <ol class="stages">
        {STAGE_NAMES.map((s, i) => (
          <li
            key={s}
            class={i < current || job.status === "completed" ? "done" : i === current ? "now" : ""}
            title={s}
          >
            {stageLabel(s)}
          </li>
        ))}
      </ol>
    </div>
  );
}

export function StatusLine({ job }: { job: JobResponse }) {
  return (
    <span class="status-line">
      <span class={`badge ${job.status}`}>{job.status}</span>{" "}
      <span class="percent" data-testid="percent">
        {job.progress_percent}%
      </span>
      {job.current_stage && <span class="stage"> · {stageLabel(job.current_stage)}</span>}
      {job.eta_seconds !== null && <span class="eta"> · ETA {seconds(job.eta_seconds)}</span>}
      {job.error && (
        <span class="error-text">
          {" "}
          · {job.error.stage}: {job.error.message}
        </span>
      )}
    </span>
  );
}

function JobRow({ initial }: { initial: JobResponse }) {
  const { job = initial, error } = useLiveJob(initial, initial.job_id);
  const [cancelError, setCancelError] = useState<string>();
  const cancel = async () => {
    try {
      await unwrap(client.api.POST("/jobs/{job_id}/cancel", { params: { path: { job_id: job.job_id } } }));
    } catch (err) {
      setCancelError(messageOf(err));
    }
  };
  return (
    <li class="job" data-job={job.job_id}>
      <div class="job-head">
        <a href={`#/jobs/${job.job_id}`} class="mono">
          {job.job_id}
        </a>
        <StatusLine job={job} />
        {!isTerminalStatus(job.status) && (
          <button type="button" class="small danger" onClick={cancel}>
            Cancel
          </button>
        )}
      </div>
      <StageProgress job={job} />
      {(error || cancelError) && <p class="error">{error ?? cancelError}</p>}
    </li>
  );
}

export function JobsList() {
  const [jobs, setJobs] = useState<JobResponse[]>();
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string>();
  const load = async () => {
    try {
      const list = await unwrap(client.api.GET("/jobs", { params: { query: { page: 1, page_size: 20 } } }));
      setJobs(list.jobs);
      setTotal(list.total);
      setError(undefined);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  useEffect(() => {
    load();
    addEventListener(JOB_CREATED, load);
    return () => removeEventListener(JOB_CREATED, load);
  }, []);
  return (
    <section class="card jobs">
      <h2>
        Jobs <small>{jobs ? `${jobs.length} of ${total}` : ""}</small>
      </h2>
      {error && <p class="error">{error}</p>}
      {jobs && jobs.length === 0 && <p class="muted">No jobs yet: drop a video on the left.</p>}
      <ul class="job-list">
        {jobs?.map((j) => (
          <JobRow key={j.job_id} initial={j} />
        ))}
      </ul>
    </section>
  );
}
