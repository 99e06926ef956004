import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { CaseSubmission } from "../types.js";
import { buildPolicySet, evaluatePolicy, type Workflow } from "./index.js";

// The shipped examples are what `npm start` and new users load first: they must parse and route sensibly.
const dir = fileURLToPath(new URL("../../../../examples/policies/", import.meta.url));
const names = ["invoice", "support", "outreach", "hiring", "triage", "ranking"];
const files = names.map((name) => ({
  file: `examples/policies/${name}.yaml`,
  text: readFileSync(`${dir}${name}.yaml`, "utf8"),
}));
const set = buildPolicySet(files);

function workflow(name: string): Workflow {
  const w = set.workflows.get(name);
  if (!w) throw new Error(`example ${name} is missing`);
  return w;
}

function route(name: string, c: Omit<CaseSubmission, "workflow" | "proposal"> & { proposal?: unknown }) {
  return evaluatePolicy({ workflow: name, proposal: {}, ...c }, workflow(name));
}

describe("shipped example policies", () => {
  it("all six parse into one set", () => {
    expect([...set.workflows.keys()].sort()).toEqual([
      "hiring.screen",
      "invoice.approve",
      "outreach.send",
      "reply.ranking",
      "support.reply",
      "ticket.triage",
    ]);
  });

  it.each(names)(
    "%s.yaml has an owner, reasons, classes, actions, triggers, an SLA and oversight",
    (name) => {
      const w = [...set.workflows.values()].find((x) => x.source.file.endsWith(`${name}.yaml`));
      expect(w?.owner).toMatch(/@/);
      expect(w?.reasons.length).toBeGreaterThan(2);
      expect(w?.escalate.length).toBeGreaterThan(0);
      expect(w?.sla.reviewWithinSeconds).toBeGreaterThan(0);
      expect(w?.oversight.auditRate).toBeGreaterThan(0);
    },
  );

  it("invoice: a small matched invoice pays itself; a missing PO waits for a person", () => {
    const matched = {
      input: { amount: 420, supplier: "Acme" },
      context: { po: { supplier: "Acme", amount: 420 } },
    };
    expect(route("invoice.approve", { action: "pay", confidence: 0.95, ...matched }).route).toBe("auto");
    const noPo = route("invoice.approve", {
      action: "pay",
      confidence: 0.99,
      input: { amount: 420, supplier: "Acme" },
    });
    expect(noPo).toMatchObject({ route: "review", triggers: ["missing_po"] });
    expect(route("invoice.approve", { action: "block_supplier", confidence: 1, ...matched }).route).toBe(
      "human_only",
    );
  });

  it("support: a routine reply goes out; a legal threat from the same customer does not", () => {
    const input = {
      accountTier: "basic",
      sentiment: "neutral",
      topic: "password",
      message: "How do I reset it?",
    };
    expect(route("support.reply", { action: "send_reply", confidence: 0.9, input }).route).toBe("auto");
    const legal = route("support.reply", {
      action: "send_reply",
      confidence: 0.9,
      input: { ...input, message: "My LAWYER will hear about this" },
    });
    expect(legal).toMatchObject({ route: "review", triggers: ["legal_language"] });
    const strategic = route("support.reply", {
      action: "send_reply",
      confidence: 1,
      input: { ...input, accountTier: "strategic" },
    });
    expect(strategic).toMatchObject({ route: "review", riskClass: "high" });
  });

  it("outreach: a sourced follow-up to a known contact sends; an unsourced claim waits", () => {
    const base = {
      action: "send_email",
      confidence: 0.95,
      input: { accountTier: "smb", stage: "follow_up", knownContact: true },
      context: { segmentApproved: true },
    };
    const proposal = {
      body: "Following up on our call",
      claims: [{ text: "cut close time 40%", sourced: true }],
    };
    expect(route("outreach.send", { ...base, proposal }).route).toBe("auto");
    const unsourced = route("outreach.send", {
      ...base,
      proposal: { ...proposal, claims: [{ text: "x", sourced: false }] },
    });
    expect(unsourced).toMatchObject({ route: "review", triggers: ["unverified_claims"] });
  });

  it("hiring: the model never advances or rejects a candidate on its own", () => {
    const w = workflow("hiring.screen");
    expect(w.review.blindFirst).toBe(true);
    expect(Object.values(w.actions).map((a) => a.boundary)).not.toContain("auto");
    const input = { seniority: "senior" };
    expect(route("hiring.screen", { action: "advance", confidence: 1, input }).route).toBe("review");
    expect(route("hiring.screen", { action: "reject_candidate", confidence: 1, input }).route).toBe(
      "human_only",
    );
  });

  it("triage: a confident label files itself; a close call between two categories waits for a person", () => {
    const w = workflow("ticket.triage");
    expect(w.pattern).toBe("active_learning");
    const input = { subject: "Invoice copy", message: "Can I get last month's invoice?" };
    const proposal = (top: number, second: number) => ({
      label: "billing",
      candidates: [
        { label: "billing", probability: top },
        { label: "account", probability: second },
      ],
    });
    expect(
      route("ticket.triage", {
        action: "set_category",
        confidence: 0.92,
        input,
        proposal: proposal(0.92, 0.05),
      }).route,
    ).toBe("auto");
    const close = route("ticket.triage", {
      action: "set_category",
      confidence: 0.88,
      input,
      proposal: proposal(0.5, 0.45),
    });
    expect(close).toMatchObject({ route: "review", triggers: ["close_call"] });
    expect(
      route("ticket.triage", { action: "set_category", confidence: 0.6, input, proposal: proposal(0.6, 0.1) })
        .route,
    ).toBe("review");
    expect(w.escalate.find((t) => t.name === "close_call")?.fields).toEqual(["proposal.candidates"]);
  });

  it("ranking: a person always ranks the candidate replies", () => {
    expect(workflow("reply.ranking").pattern).toBe("preference_ranking");
    const ranked = route("reply.ranking", {
      action: "choose_reply",
      confidence: 1,
      input: { message: "Where is my parcel?" },
      proposal: {
        candidates: [
          { id: "a", output: { text: "On its way" } },
          { id: "b", output: { text: "Soon" } },
        ],
      },
    });
    expect(ranked).toMatchObject({ route: "review", riskClass: "standard" });
  });
});
