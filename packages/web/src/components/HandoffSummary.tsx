import { time, words } from "../format";
import type { CaseView, EscalationRule, EventView, WorkflowInfo } from "../types";
import type { Flags } from "./FieldList";

/**
 * A trigger such as `has(context.po) && input.supplier != context.po.supplier` reads `context.po` only
 * to guard `context.po.supplier`: the specific field is the finding, so the guard is left out.
 */
function specific(fields: string[]): string[] {
  return fields.filter((f) => !fields.some((g) => g.startsWith(`${f}.`)));
}

function escalationRules(wf: WorkflowInfo | undefined): EscalationRule[] {
  return (wf?.escalate ?? []).map((r) =>
    typeof r === "string" ? { name: r, fields: [] } : { name: r.name, fields: specific(r.fields) },
  );
}

/** The fields read by the triggers that fired on this case, for highlighting. */
export function flaggedFields(c: CaseView, wf: WorkflowInfo | undefined): Flags {
  const flags: Flags = new Map();
  const fired = new Set(c.explanation.triggers);
  for (const rule of escalationRules(wf)) {
    if (!fired.has(rule.name)) continue;
    for (const f of rule.fields) flags.set(f, [...(flags.get(f) ?? []), rule.name]);
  }
  return flags;
}

const HANDOFF_EVENTS: Record<string, string> = {
  released: "given back to the queue",
  lease_expired: "lease expired (not decided in time)",
  escalated: "escalated",
  sla_escalated: "escalated on SLA timeout",
  revoked: "decision revoked before release",
  blind_judgment: "own judgment recorded",
};

function eventLine(e: EventView, me: string): string {
  const what = HANDOFF_EVENTS[e.type] ?? words(e.type);
  const who =
    e.actor === me
      ? "you"
      : (e.actorName ??
        (e.actor.startsWith("usr_") || e.actor.startsWith("key_") ? "another reviewer" : null));
  const extra = typeof e.data.reason === "string" ? `: ${e.data.reason}` : "";
  return `${time(e.at)} — ${what}${who ? ` by ${who}` : ""}${extra}`;
}

/**
 * Why this case reached a person, at the top of the screen: the escalation triggers that fired (with
 * the fields they read), earlier hand-offs (released, lease expired, escalated on SLA), and the
 * policy's own account of the route.
 */
export function HandoffSummary({ c, wf, me }: { c: CaseView; wf: WorkflowInfo | undefined; me: string }) {
  const rules = new Map(escalationRules(wf).map((r) => [r.name, r]));
  const fired = c.explanation.triggers;
  const handoffs = (c.events ?? []).filter((e) => e.type in HANDOFF_EVENTS && e.type !== "blind_judgment");
  const escalated = fired.length > 0 || handoffs.length > 0 || Boolean(c.handoff);
  if (!escalated) {
    return (
      <section className="panel handoff" aria-labelledby="rules-title">
        <RoutingRules c={c} level={2} />
      </section>
    );
  }
  return (
    <section className="panel handoff escalated" aria-labelledby="handoff-title">
      <h2 id="handoff-title">Handoff: why this case needs you</h2>
      {c.handoff && (
        <p className="handoff-text" style={{ whiteSpace: "pre-line" }}>
          {c.handoff}
        </p>
      )}
      {fired.length > 0 && (
        <ul className="triggers" aria-label="Escalation triggers that fired">
          {fired.map((name) => {
            const fields = rules.get(name)?.fields ?? [];
            return (
              <li key={name}>
                <span aria-hidden="true">⚑ </span>
                <strong>{words(name)}</strong>
                {fields.length > 0 && <span className="muted"> — reads {fields.join(", ")}</span>}
              </li>
            );
          })}
        </ul>
      )}
      {handoffs.length > 0 && (
        <ul className="handoffs" aria-label="Earlier hand-offs">
          {handoffs.map((e) => (
            <li key={e.seq}>{eventLine(e, me)}</li>
          ))}
        </ul>
      )}
      <RoutingRules c={c} />
    </section>
  );
}

/** The policy's own account of the route: the rules that sent it here, in the order they applied. */
function RoutingRules({ c, level = 3 }: { c: CaseView; level?: 2 | 3 }) {
  const e = c.explanation;
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <div className="rules">
      <Heading id="rules-title">Which rules routed it here</Heading>
      <ol aria-labelledby="rules-title">
        {e.reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ol>
      <p className="muted small">
        route {e.route} · boundary {e.boundary} · policy {e.policyVersion.slice(0, 12)}
      </p>
    </div>
  );
}
