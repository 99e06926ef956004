/**
 * Catch trials: known-answer cases mixed into reviewers' queues. The owner states whether the proposal
 * of a gold case is right (`approve`) or wrong (`reject`). A reviewer passes when their verdict lands on
 * the same side: approve for a right proposal, anything else (reject, edit, override) for a wrong one.
 * Approving a wrong proposal is the miss that matters for rubber-stamping; flagging a right one also
 * counts as not passed, so a reviewer cannot pass every trial by rejecting everything.
 */
export type GoldExpectation = "approve" | "reject";
export const GOLD_EXPECTATIONS: readonly GoldExpectation[] = ["approve", "reject"];

export function catchTrialPassed(expected: GoldExpectation, verdict: string): boolean {
  return (verdict === "approve") === (expected === "approve");
}
