// What the example agent knows about an invoice before its model sees it (the AP records, duplicates
// among the invoices and the bank's payments) and the stand-in model's fixed rules for what to propose.

/** Amounts as the agent prints them: "7,980.00 EUR". */
export const money = (amount, currency) =>
  `${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;

/** The purchase order, earlier invoices or payments that look the same, and the account on file. */
export function factsOf(invoice, { records, invoices, paid }) {
  const po = invoice.poReference ? records.purchaseOrders[invoice.poReference] : undefined;
  const earlier = [...invoices.filter((i) => i.issueDate < invoice.issueDate), ...paid];
  const duplicates = earlier
    .filter(
      (i) =>
        i.invoiceNumber !== invoice.invoiceNumber &&
        i.supplier === invoice.supplier &&
        i.amount === invoice.amount &&
        (i.poReference ?? invoice.poReference) === invoice.poReference,
    )
    .map((i) => i.invoiceNumber);
  return {
    po,
    duplicates: [...new Set(duplicates)],
    ibanOnFile: records.suppliers[invoice.supplier]?.iban ?? null,
  };
}

/**
 * The stand-in model's judgement: fixed rules, so every run proposes the same. A real model would read
 * the same prompt and answer in the same shape (the decision as JSON text, and one tool call).
 */
export function assess(invoice, facts) {
  const { invoiceNumber, supplier, amount, currency, iban, dueDate } = invoice;
  const pay = (confidence, rationale) => ({
    tool: "pay_invoice",
    args: { invoiceNumber, supplier, amount, currency, iban, dueDate },
    confidence,
    rationale,
  });
  if (facts.ibanOnFile && iban !== facts.ibanOnFile) {
    return {
      tool: "block_supplier",
      args: {
        supplier,
        reason: `invoice ${invoiceNumber} asks for payment to ${iban}, not the account on file`,
      },
      confidence: 0.9,
      rationale: `The bank account changed (on file ${facts.ibanOnFile}); confirm by phone before any payment.`,
    };
  }
  if (facts.duplicates.length > 0) {
    return {
      tool: "hold_invoice",
      args: { invoiceNumber, supplier, reason: `possible duplicate of ${facts.duplicates.join(", ")}` },
      confidence: 0.93,
      rationale: `Same supplier, amount and purchase order as ${facts.duplicates.join(", ")}.`,
    };
  }
  if (!facts.po) return pay(0.6, "No purchase order is referenced; the amount is usual for this supplier.");
  if (facts.po.supplier !== supplier)
    return pay(0.5, `${facts.po.number} was issued to ${facts.po.supplier}.`);
  if (amount > facts.po.amount * 1.02) {
    const over = (((amount - facts.po.amount) / facts.po.amount) * 100).toFixed(1);
    return pay(
      0.72,
      `The amount is ${over} % over ${facts.po.number} (${money(facts.po.amount, currency)}).`,
    );
  }
  return pay(0.98, `Matches ${facts.po.number} in supplier and amount; the bank account is the one on file.`);
}
