/**
 * Skill erosion, measured (issue 15, item 5): a reviewer's unaided judgment (the blind-first judgment,
 * recorded before the model's side is shown) compared with the model's recommendation and with the
 * same reviewer's final decision under the same claim. Two questions, per reviewer and per workflow:
 *
 * - how often the unaided judgment matched the model (`matchedModel`): a falling share over months with
 *   a steady model suggests people who agree less because they look less, a rising one people who have
 *   started to think like the model;
 * - how often the reviewer changed their mind after the reveal, and in which direction
 *   (`changedAfterReveal`, `direction`): towards the model, away from it, or to another answer. Automation
 *   bias shows as changes towards the model: `switchedToModel` is the share of the unaided judgments
 *   that disagreed with the model and were then decided the model's way.
 *
 * The guide calls this "deskilling": people who only ever confirm a model's proposal lose the judgment
 * they are there to supply (Parasuraman & Manzey 2010, "Complacency and bias in human use of automation",
 * Human Factors 52(3): the switch towards an automated aid's advice against one's own first answer is
 * their measure of automation bias). Every rate carries its counts and a Wilson 95 % interval
 * (learning/binomial.ts), because per reviewer the counts are small.
 *
 * Pure: the store counts its rows with `classifyBlindJudgment` into `ErosionCount`s; the figures come
 * from those counts alone.
 */

import { isDeepStrictEqual } from "node:util";
import { wilsonInterval } from "../learning/binomial.js";

/** A reviewer's verdict and the output it carries (null for approve and reject in a blind judgment). */
export interface Judgment {
  verdict: string;
  output: unknown;
}

/** What a reviewer did after the reveal, compared with their own blind judgment. */
export type AfterReveal = "kept" | "towards_model" | "away_from_model" | "other";

/** One blind judgment as the store reads it: the judgment, the decision of the same claim, the proposal. */
export interface BlindJudgmentPair {
  blind: Judgment;
  /** The same reviewer's decision under the same claim; null while there is none (released, expired, open). */
  final: Judgment | null;
  /** The model's proposal, as submitted. */
  proposal: unknown;
}

/** Blind judgments counted by workflow, reviewer and what they showed. */
export interface ErosionCount {
  workflow: string;
  reviewer: string;
  /** Whether the blind judgment took the model's side; null when the proposal states no choice to compare. */
  matchedModel: boolean | null;
  /** null when no decision followed under the same claim. */
  afterReveal: AfterReveal | null;
  count: number;
}

/** A share with what backs it: `count` of `of`, and its Wilson 95 % interval (null when `of` is 0). */
export interface ErosionRate {
  count: number;
  of: number;
  rate: number | null;
  interval: { low: number; high: number } | null;
}

export interface ErosionFigures {
  /** Blind judgments recorded in the window. */
  judgments: number;
  /** Of the judgments that can be compared with the model, those that took its side. */
  matchedModel: ErosionRate;
  /** Judgments followed by the same reviewer's decision under the same claim. */
  decided: number;
  /** Of the decided judgments, those whose decision differs from the judgment. */
  changedAfterReveal: ErosionRate;
  /** The changes by direction (they add up to `changedAfterReveal.count`). */
  direction: { towardsModel: number; awayFromModel: number; other: number };
  /** Of the decided judgments that disagreed with the model, those decided the model's way after the reveal. */
  switchedToModel: ErosionRate;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The model's own choice for a label or a ranking, when the proposal states it: `proposal.label` (else
 * the most probable of `proposal.candidates[].label`) and `proposal.ranking`. undefined when it does not.
 */
function modelChoice(verdict: string, proposal: unknown): unknown {
  if (!isObject(proposal)) return undefined;
  if (verdict === "label") {
    if (typeof proposal.label === "string") return { label: proposal.label };
    if (!Array.isArray(proposal.candidates)) return undefined;
    let best: { label: string; p: number } | undefined;
    for (const c of proposal.candidates) {
      if (!isObject(c) || typeof c.label !== "string" || typeof c.probability !== "number") continue;
      if (!best || c.probability > best.p) best = { label: c.label, p: c.probability };
    }
    return best && { label: best.label };
  }
  if (verdict === "rank" && Array.isArray(proposal.ranking)) return proposal.ranking;
  return undefined;
}

/**
 * Whether a judgment takes the model's side: approve does, reject does not; an edit, override or done
 * does when its output is the proposal unchanged; a label or ranking when it is the model's own choice
 * (`modelChoice`). null when the proposal states no label or ranking to compare with.
 */
export function sidesWithModel(j: Judgment, proposal: unknown): boolean | null {
  switch (j.verdict) {
    case "approve":
      return true;
    case "reject":
      return false;
    case "label": {
      const model = modelChoice("label", proposal);
      return model === undefined ? null : isDeepStrictEqual(j.output, model);
    }
    case "rank": {
      const model = modelChoice("rank", proposal);
      return model === undefined || !isObject(j.output) ? null : isDeepStrictEqual(j.output.ranking, model);
    }
    default:
      return isDeepStrictEqual(j.output, proposal);
  }
}

/**
 * Whether a decision is the blind judgment again: the same verdict and, for a verdict that carries its
 * own output, the same output (an approve takes the proposal, which the blind judgment did not see, so
 * two approves are the same answer).
 */
function sameAnswer(blind: Judgment, final: Judgment): boolean {
  if (blind.verdict !== final.verdict) return false;
  if (blind.verdict === "approve" || blind.verdict === "reject") return true;
  return isDeepStrictEqual(blind.output, final.output);
}

/** What the reviewer did after the reveal (see `AfterReveal`); null when no decision followed. */
export function afterReveal(pair: BlindJudgmentPair): AfterReveal | null {
  const { blind, final, proposal } = pair;
  if (!final) return null;
  if (sameAnswer(blind, final)) return "kept";
  const before = sidesWithModel(blind, proposal);
  const after = sidesWithModel(final, proposal);
  // An edit that changes nothing and an approve are the model's answer both.
  if (before === true && after === true) return "kept";
  if (before === false && after === true) return "towards_model";
  if (before === true && after === false) return "away_from_model";
  return "other";
}

/** The fields of an `ErosionCount` a pair contributes. */
export function classifyBlindJudgment(
  pair: BlindJudgmentPair,
): Pick<ErosionCount, "matchedModel" | "afterReveal"> {
  return { matchedModel: sidesWithModel(pair.blind, pair.proposal), afterReveal: afterReveal(pair) };
}

export function erosionRate(count: number, of: number): ErosionRate {
  if (of === 0) return { count, of, rate: null, interval: null };
  const [low, high] = wilsonInterval(count, of);
  return { count, of, rate: count / of, interval: { low, high } };
}

/** The figures of counts, whatever their workflow and reviewer. */
export function erosionFigures(counts: Iterable<ErosionCount>): ErosionFigures {
  let judgments = 0;
  let comparable = 0;
  let matched = 0;
  let decided = 0;
  let disagreedDecided = 0;
  const direction = { towardsModel: 0, awayFromModel: 0, other: 0 };
  for (const c of counts) {
    judgments += c.count;
    if (c.matchedModel !== null) comparable += c.count;
    if (c.matchedModel === true) matched += c.count;
    if (c.afterReveal === null) continue;
    decided += c.count;
    if (c.matchedModel === false) disagreedDecided += c.count;
    if (c.afterReveal === "towards_model") direction.towardsModel += c.count;
    else if (c.afterReveal === "away_from_model") direction.awayFromModel += c.count;
    else if (c.afterReveal === "other") direction.other += c.count;
  }
  const changed = direction.towardsModel + direction.awayFromModel + direction.other;
  return {
    judgments,
    matchedModel: erosionRate(matched, comparable),
    decided,
    changedAfterReveal: erosionRate(changed, decided),
    direction,
    switchedToModel: erosionRate(direction.towardsModel, disagreedDecided),
  };
}

/** The figures per workflow or per reviewer, sorted by key; a key appears when it has a judgment. */
export function erosionGroups(
  counts: readonly ErosionCount[],
  by: "workflow" | "reviewer",
): { key: string; figures: ErosionFigures }[] {
  const groups = new Map<string, ErosionCount[]>();
  for (const c of counts) {
    const key = c[by];
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  return [...groups.keys()]
    .sort()
    .map((key) => ({ key, figures: erosionFigures(groups.get(key) as ErosionCount[]) }));
}
