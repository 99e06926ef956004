import { describe, expect, it } from "vitest";
import { parseWorkflow } from "./index.js";

/** `oversight.alertUrl`: where the owner's oversight alerts are POSTed (issue 5, item 6). */
const MINIMAL = `workflow: invoice.approve
owner: ap-lead@example.com
pattern: exception_routing
reasons: [amount_mismatch, other]
risk:
  classes:
    low: { autoMinConfidence: 0.9 }
actions:
  pay: { boundary: auto }
oversight:
  auditRate: 0.05
`;

const withUrl = (url: string) => `${MINIMAL}  alertUrl: ${url}\n`;

describe("oversight.alertUrl", () => {
  it("is absent by default", () => {
    expect(parseWorkflow(MINIMAL, "a.yaml").oversight).toEqual({
      auditRate: 0.05,
      catchTrialRate: 0,
      overlapRate: 0,
      maxCatchTrialMissRate: 0.1,
    });
  });

  it.each(["https://owner.example.com/loopgate/alerts", "http://127.0.0.1:9090/alerts"])(
    "accepts %s",
    (url) => {
      expect(parseWorkflow(withUrl(url), "a.yaml").oversight.alertUrl).toBe(url);
    },
  );

  it.each([
    ["ftp://owner.example.com/alerts", '"ftp://owner.example.com/alerts"'],
    ["file:///etc/passwd", '"file:///etc/passwd"'],
    ["owner.example.com/alerts", '"owner.example.com/alerts"'],
    ["42", "42"],
  ])("refuses %s with file:line:column and the field", (url, shown) => {
    expect(() => parseWorkflow(withUrl(url), "policies/invoice.yaml")).toThrow(
      `policies/invoice.yaml:12:13 oversight.alertUrl: must be an http:// or https:// URL (got ${shown})`,
    );
  });

  it("suggests the right spelling for a misspelt key", () => {
    expect(() => parseWorkflow(`${MINIMAL}  alertURL: https://x.example/a\n`, "a.yaml")).toThrow(
      'a.yaml:12:3 oversight.alertURL: unknown field "alertURL"; did you mean "alertUrl"?',
    );
  });
});
