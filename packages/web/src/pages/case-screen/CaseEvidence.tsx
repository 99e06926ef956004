import { Evidence } from "../../components/Evidence";
import { FieldList, type Flags } from "../../components/FieldList";
import { HandoffSummary } from "../../components/HandoffSummary";
import { History } from "../../components/History";
import type { CaseView, WorkflowInfo } from "../../types";

/** What the reviewer reads before deciding: the handoff, the input and context, the evidence and the history. */
export function CaseEvidence({
  c,
  wf,
  me,
  flags,
}: {
  c: CaseView;
  wf: WorkflowInfo | undefined;
  me: string;
  flags: Flags;
}) {
  return (
    <div className="col">
      <HandoffSummary c={c} wf={wf} me={me} />
      <section aria-labelledby="input-title" className="panel">
        <h2 id="input-title">Source input</h2>
        <FieldList value={c.input} path="input" flags={flags} />
      </section>
      {(c.context || [...flags.keys()].some((k) => k.startsWith("context."))) && (
        <section aria-labelledby="context-title" className="panel">
          <h2 id="context-title">Context</h2>
          <FieldList value={c.context ?? {}} path="context" flags={flags} />
        </section>
      )}
      <section aria-labelledby="evidence-title" className="panel">
        <h2 id="evidence-title">Evidence and documents</h2>
        <Evidence items={c.evidence} />
      </section>
      <section aria-labelledby="history-title" className="panel">
        <h2 id="history-title">History{c.subject ? ` of ${c.subject}` : ""}</h2>
        <History subject={c.subject} entries={c.history} />
      </section>
    </div>
  );
}
