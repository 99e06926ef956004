import { describe, expect, it } from "vitest";
import { PolicyError, type PolicyIssue } from "../errors.js";
import { parseWorkflow } from "./index.js";

/** `notify`: who hears that a case waits for review (issue 14, item 5). */
const MINIMAL = `workflow: invoice.approve
owner: ap-lead
pattern: review_and_approve
reasons: [amount_mismatch, other]
risk:
  classes:
    low: { autoMinConfidence: 0.9 }
actions:
  pay: { boundary: review }
`;

function issuesOf(text: string): PolicyIssue[] {
  try {
    parseWorkflow(text, "p.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as PolicyError).issues;
  }
  throw new Error("expected a PolicyError");
}

describe("notify", () => {
  it("is absent by default", () => {
    expect(parseWorkflow(MINIMAL, "p.yaml").notify).toBeUndefined();
  });

  it("reads slack, email and the digest, with the digest's default", () => {
    const wf = parseWorkflow(
      `${MINIMAL}notify:\n  slack: { webhookUrl: "https://hooks.slack.com/services/T/B/x" }\n  email: { to: [AP@example.com] }\n`,
      "p.yaml",
    );
    expect(wf.notify).toEqual({
      slack: { webhookUrl: "https://hooks.slack.com/services/T/B/x" },
      email: { to: ["ap@example.com"] },
      digest: { after: 10, windowSeconds: 900 },
    });
    const env = parseWorkflow(
      `${MINIMAL}notify:\n  slack: { webhookUrlEnv: SLACK_AP }\n  digest: { after: 3, window: 1h }\n`,
      "p.yaml",
    );
    expect(env.notify).toEqual({
      slack: { webhookUrlEnv: "SLACK_AP" },
      digest: { after: 3, windowSeconds: 3600 },
    });
  });

  it("refuses a notify block without a channel", () => {
    expect(issuesOf(`${MINIMAL}notify:\n  digest: { after: 3 }\n`)).toMatchObject([
      { line: 11, field: "notify", message: expect.stringContaining("needs a channel") },
    ]);
  });

  it("names the line and column of a plain-http webhook URL", () => {
    expect(() =>
      parseWorkflow(`${MINIMAL}notify:\n  slack:\n    webhookUrl: http://hooks.slack.com/x\n`, "p.yaml"),
    ).toThrow("p.yaml:12:17 notify.slack.webhookUrl: must be an https:// URL");
  });

  it("refuses both webhookUrl and webhookUrlEnv, a bad address, a bad window and a typo", () => {
    const issues = issuesOf(
      `${MINIMAL}notify:\n  slack: { webhookUrl: "https://h.example/x", webhookUrlEnv: X }\n  email: { to: [ap, b@example.com] }\n  digest: { after: 0, windw: 1h }\n`,
    );
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [11, "notify.slack"],
      [12, "notify.email.to[0]"],
      [13, "notify.digest.after"],
      [13, "notify.digest.windw"],
    ]);
    expect(issues[3]?.message).toContain('did you mean "window"?');
  });
});
