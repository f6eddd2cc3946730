import type { Schemas } from "@clipzy/client";

type Report = Schemas["FidelityReport"];
type Verdict = Report["colour"]["verdict"];
type Round = Report["rounds"][number];

/** Every verdict, in the order a reader wants them: what landed, what missed, what was not judged. */
const VERDICTS: readonly Verdict[] = ["within", "outside", "unreachable", "not_applied", "unmeasured"];
const LABEL: Record<Verdict, string> = {
  within: "within",
  outside: "outside",
  unreachable: "unreachable",
  not_applied: "not applied",
  unmeasured: "unmeasured",
};

const percent = (share: number | null) => (share === null ? "—" : `${Math.round(share * 100)}%`);

const cell = (v: number | string | null) =>
  v === null ? "—" : typeof v === "number" ? String(Math.round(v * 100) / 100) : v;

/** A verdict coloured by what it means; an unreachable one carries its reason. */
function VerdictBadge({ verdict, reason }: { verdict: Verdict; reason?: string | null }) {
  return (
    <span class={`verdict ${verdict}`} data-verdict={verdict} title={reason ?? undefined}>
      {LABEL[verdict]}
    </span>
  );
}

/** How many of each verdict. */
export function countVerdicts(verdicts: readonly Verdict[]): Record<Verdict, number> {
  const counts = { within: 0, outside: 0, unreachable: 0, not_applied: 0, unmeasured: 0 };
  for (const v of verdicts) counts[v]++;
  return counts;
}

/** The counts of the verdicts that occur, each coloured. */
function VerdictCounts({ counts }: { counts: Record<Verdict, number> }) {
  return (
    <span class="verdict-counts">
      {VERDICTS.filter((v) => counts[v] > 0).map((v) => (
        <span key={v} class={`verdict ${v}`} data-count={v}>
          {counts[v]} {LABEL[v]}
        </span>
      ))}
    </span>
  );
}

/** The colour share of the way, against the share it must reach. */
function ColourShare({ colour }: { colour: Report["colour"] }) {
  const share = colour.share_of_the_way;
  const width = share === null ? 0 : Math.max(0, Math.min(1, share)) * 100;
  return (
    <div class="colour-share" data-testid="colour-share">
      <div class="share-row">
        <span class="label">colour</span>
        <div class="track">
          <div class={`value ${colour.verdict}`} style={{ width: `${width}%` }} />
          <div class="goal" style={{ left: `${colour.min_share * 100}%` }} />
        </div>
        <span class="num" data-testid="colour-share-value">
          {percent(share)}
        </span>
      </div>
      <p class="small">
        {share === null
          ? "The colour could not be measured"
          : share < 0
            ? `The output moved away from the template's colours (${percent(share)} of the way; goal ${percent(colour.min_share)}), by ${colour.method}`
            : `The output came ${percent(share)} of the way from the source's colours to the template's (goal ${percent(colour.min_share)}), by ${colour.method}`}
        {colour.candidate ? ` (luma ${colour.candidate.luma}, chroma ${colour.candidate.chroma})` : ""}.{" "}
        <VerdictBadge verdict={colour.verdict} reason={colour.reason} />
        {colour.reason && <span class="reason"> {colour.reason}</span>}
      </p>
    </div>
  );
}

/** The closed loop's rounds on proxies before the final encode: what each changed and measured. */
function Rounds({ rounds }: { rounds: readonly Round[] }) {
  if (rounds.length === 0)
    return (
      <p class="muted small" data-testid="no-rounds">
        No rounds: this render was not checked on a proxy before its final encode.
      </p>
    );
  return (
    <ol class="rounds" data-testid="rounds">
      {rounds.map((r) => (
        <li key={r.round} data-round={r.round}>
          <strong>Round {r.round}</strong>{" "}
          <span class="muted small">
            on {r.measured_on.width}×{r.measured_on.height}, {r.measured_on.frames} frames
          </span>
          <div class="changed" data-testid="changed">
            {r.changed.length ? `changed: ${r.changed.join(", ")}` : "the plan as first made"}
          </div>
          <div>
            colour <span data-testid="round-share">{percent(r.colour_share)}</span> of the way ·{" "}
            <VerdictCounts counts={countVerdicts(r.fields.map((f) => f.verdict))} />
          </div>
        </li>
      ))}
    </ol>
  );
}

/** The fidelity report: the colour share of the way, the loop's rounds, each field's verdict coloured. */
export function Fidelity({ report }: { report: Report }) {
  return (
    <section class="card fidelity" data-testid="fidelity">
      <h2>
        Fidelity{" "}
        <small>
          re-measured on {report.measured_on.width}×{report.measured_on.height}, {report.measured_on.frames}{" "}
          frames
        </small>
      </h2>
      <p data-testid="summary">
        <VerdictCounts counts={report.summary} />
      </p>
      <ColourShare colour={report.colour} />
      <h3>Rounds</h3>
      <Rounds rounds={report.rounds} />
      <h3>Fields</h3>
      <table>
        <thead>
          <tr>
            <th>field</th>
            <th>requested</th>
            <th>achieved</th>
            <th>difference</th>
            <th>tolerance</th>
            <th>verdict</th>
          </tr>
        </thead>
        <tbody>
          {report.fields.map((f) => (
            <tr key={f.field} data-field={f.field}>
              <td>{f.field}</td>
              <td>{cell(f.requested)}</td>
              <td>{cell(f.achieved)}</td>
              <td>{cell(f.difference)}</td>
              <td>{f.tolerance}</td>
              <td>
                <VerdictBadge verdict={f.verdict} reason={f.reason} />
                {f.reason && <div class="reason small">{f.reason}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
