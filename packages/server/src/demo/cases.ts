import { type CaseSubmission, seededRandom } from "@loopgate/core";

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const round2 = (x: number) => Math.round(x * 100) / 100;

const SUPPLIERS = [
  "Acme Industrial",
  "Borealis Paper Co",
  "Cobalt Logistics",
  "Delta Office Supply",
  "Evergreen IT",
];
const CUSTOMERS = ["Northwind", "Contoso", "Fabrikam", "Tailspin Toys", "Wide World Importers"];

function invoice(r: () => number, n: number): CaseSubmission {
  const supplier = pick(r, SUPPLIERS);
  const amount = round2(pick(r, [180, 640, 920, 2400, 7800, 15400]) * (0.8 + r() * 0.4));
  const poMatches = r() > 0.25;
  const hasPo = r() > 0.1;
  return {
    workflow: "invoice.approve",
    action: "pay",
    input: { invoiceNumber: `INV-${10400 + n}`, supplier, amount, currency: "EUR", dueDate: "2026-12-15" },
    context: hasPo
      ? { po: { number: `PO-${7700 + n}`, supplier: poMatches ? supplier : pick(r, SUPPLIERS), amount } }
      : {},
    proposal: { pay: true, amount, account: "2000-AP" },
    confidence: round2(0.8 + r() * 0.2),
    rationale: hasPo
      ? "Amount and supplier match the purchase order and receipt."
      : "No purchase order was found.",
    evidence: [{ kind: "document", title: `Invoice INV-${10400 + n}.pdf` }],
    subject: `supplier:${supplier}`,
  };
}

function supportReply(r: () => number, n: number): CaseSubmission {
  const customer = pick(r, CUSTOMERS);
  const sentiment = pick(r, ["neutral", "neutral", "positive", "angry"]);
  const accountTier = pick(r, ["standard", "standard", "premium", "strategic"]);
  const [topic, message] = pick(r, [
    ["account", "How do I reset my password?"],
    ["account", "How do I add a colleague to our workspace?"],
    ["bug", "Your last update broke our export. We are considering switching to a competitor."],
    ["billing", "Can I get a copy of last month's invoice?"],
    ["bug", "This is the third time I write about the same bug."],
  ] as const);
  return {
    workflow: "support.reply",
    action: "send_reply",
    input: { ticket: `T-${5000 + n}`, customer, accountTier, sentiment, topic, message },
    proposal: { text: `Hi ${customer} team, thanks for reaching out. Here is what we can do: …` },
    confidence: round2(0.8 + r() * 0.2),
    rationale: "Matched the question to the help-centre article and the account's plan.",
    subject: `customer:${customer}`,
  };
}

function outreach(r: () => number, n: number): CaseSubmission {
  const company = pick(r, CUSTOMERS);
  const claims = pick(r, [[], [], [{ text: "40% faster close", sourced: r() > 0.5 }]]);
  return {
    workflow: "outreach.send",
    action: "send_email",
    input: {
      prospect: `buyer${n}@${company.toLowerCase().replace(/\W+/g, "")}.example`,
      company,
      accountTier: pick(r, ["standard", "standard", "strategic"]),
      stage: pick(r, ["follow_up", "follow_up", "first_touch"]),
      knownContact: r() > 0.3,
    },
    context: { segmentApproved: r() > 0.2 },
    proposal: {
      subject: `Quick idea for ${company}`,
      body: `Hello, following up on our call: teams like ${company} use us to close the books faster.`,
      claims,
    },
    confidence: round2(0.85 + r() * 0.15),
    subject: `company:${company}`,
  };
}

function hiring(r: () => number, n: number): CaseSubmission {
  const careerGap = r() > 0.8;
  return {
    workflow: "hiring.screen",
    action: "advance",
    input: {
      candidate: `Candidate ${n}`,
      role: "Backend Engineer",
      seniority: pick(r, ["junior", "senior", "senior", "staff"]),
      yearsExperience: Math.floor(r() * 12),
      careerGap,
    },
    context: { parseQuality: round2(0.7 + r() * 0.3) },
    // decision_support: ranked options, best first; accepting the first is an approve.
    proposal: {
      options: [
        {
          id: "advance",
          action: "advance",
          summary: "Meets every must-have; strong systems-design signal in the last two roles.",
          riskFactors: [],
        },
        {
          id: "hold",
          action: "hold",
          summary: "Keep warm for the next opening; ask for a work sample first.",
          riskFactors: careerGap ? ["gap in employment"] : ["thin evidence on on-call experience"],
        },
        {
          id: "reject",
          action: "reject_candidate",
          summary: "Below the bar on backend depth for this level.",
          riskFactors: ["keyword match only", "possible false negative"],
        },
      ],
    },
    confidence: round2(0.6 + r() * 0.4),
    rationale: "Meets the must-have skills; two of three nice-to-haves.",
    subject: `candidate:${n}`,
  };
}

const CATEGORIES = ["billing", "account", "bug", "feature_request", "shipping"] as const;

/** active_learning: the model's label with its probabilities; about half of them are close calls. */
function triage(r: () => number, n: number): CaseSubmission {
  const [category, message] = pick(r, [
    ["billing", "I was charged twice for March, please refund one of them."],
    ["account", "I cannot log in since I changed my email address."],
    ["bug", "The export button does nothing on the reports page."],
    ["shipping", "My parcel shows delivered but nothing arrived. Also, can I change my plan?"],
    ["feature_request", "Could you add dark mode to the dashboard?"],
  ] as const);
  const runnerUp = pick(
    r,
    CATEGORIES.filter((c) => c !== category),
  );
  // Every other case is uncertain by construction, so the demo queue always has labelling work.
  const customer = pick(r, CUSTOMERS);
  const top = n % 12 < 6 ? round2(0.4 + r() * 0.2) : round2(0.75 + r() * 0.24);
  const second = round2(Math.min(1 - top, top * (0.3 + r() * 0.6)));
  const rest = round2(Math.max(0, 1 - top - second));
  return {
    workflow: "ticket.triage",
    action: "set_category",
    input: {
      ticket: `T-${7000 + n}`,
      customer,
      accountTier: pick(r, ["standard", "standard", "premium", "strategic"]),
      message,
    },
    proposal: {
      label: category,
      candidates: [
        { label: category, probability: top },
        { label: runnerUp, probability: second },
        { label: "other", probability: rest },
      ],
    },
    confidence: top,
    rationale: `Closest to earlier tickets filed under ${category}.`,
    // The same subjects as support replies, so the case screen shows the customer's earlier tickets.
    subject: `customer:${customer}`,
  };
}

/** preference_ranking: two candidate replies to the same message for a person to rank. */
function replyRanking(r: () => number, n: number): CaseSubmission {
  const customer = pick(r, CUSTOMERS);
  const [message, a, b] = pick(r, [
    [
      "Where is my order? It has been ten days.",
      "Sorry for the wait! Your order shipped on Monday and should arrive within two days. Here is the tracking link.",
      "Orders usually take 5-10 business days. Please wait a little longer.",
    ],
    [
      "How do I export my data to CSV?",
      "Open Reports, pick the date range, then choose Export → CSV. Large exports arrive by email.",
      "You can export data from the app. Let me know if you need anything else!",
    ],
    [
      "I want to cancel my subscription.",
      "I can help with that. Your plan runs until the 30th; I have scheduled the cancellation for then. Anything we could have done better?",
      "To cancel, go to Settings → Billing → Cancel plan.",
    ],
  ] as const);
  return {
    workflow: "reply.ranking",
    action: "choose_reply",
    input: { ticket: `T-${9000 + n}`, customer, message },
    proposal: {
      candidates: [
        { id: "a", output: { text: a } },
        { id: "b", output: { text: b } },
      ],
    },
    confidence: round2(0.5 + r() * 0.3),
    rationale: "Two samples from the reply model at different temperatures.",
    subject: `customer:${customer}`,
  };
}

const MAKERS = [invoice, supportReply, outreach, hiring, triage, replyRanking];

export function demoCase(seed: number, n: number): CaseSubmission {
  const r = seededRandom(seed * 7919 + n);
  return (MAKERS[n % MAKERS.length] as (r: () => number, n: number) => CaseSubmission)(r, n);
}
