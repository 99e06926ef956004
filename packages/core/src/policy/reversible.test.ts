import { describe, expect, it } from "vitest";
import { PolicyError } from "../errors.js";
import { parseWorkflow } from "./index.js";

const BASE = `workflow: support.reply
owner: support-ops@example.com
pattern: review_and_approve
reasons: [wrong, other]
risk:
  classes:
    low: { autoMinConfidence: 0.9 }
actions:
  send_reply: { boundary: auto }
  issue_refund: { boundary: review }
`;

function issues(text: string): string[] {
  try {
    parseWorkflow(text, "p.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as PolicyError).issues.map((i) => `${i.field}: ${i.message}`);
  }
  throw new Error("expected a PolicyError");
}

describe("reversible, release and sla.escalateTo", () => {
  it("defaults to not reversible and escalating to supervisor", () => {
    const w = parseWorkflow(BASE, "p.yaml");
    expect(w.reversible).toBe(false);
    expect(w.sla.escalateTo).toBe("supervisor");
  });

  it("reads true, or a list of the workflow's actions", () => {
    expect(parseWorkflow(`${BASE}reversible: true\n`, "p.yaml").reversible).toBe(true);
    const w = parseWorkflow(`${BASE}reversible: [issue_refund]\nsla: { escalateTo: lead }\n`, "p.yaml");
    expect(w.reversible).toEqual(["issue_refund"]);
    expect(w.sla.escalateTo).toBe("lead");
  });

  it("refuses an unknown action, a non-list and a bad role name", () => {
    expect(issues(`${BASE}reversible: [refund]\n`)).toEqual([
      'reversible[0]: "refund" is not an action of this workflow (actions: send_reply, issue_refund)',
    ]);
    expect(issues(`${BASE}reversible: yes please\n`)[0]).toContain("must be true, false or a list");
    expect(issues(`${BASE}sla: { escalateTo: "1 lead" }\n`)[0]).toContain("sla.escalateTo");
  });
});
