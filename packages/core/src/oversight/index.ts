export * from "./absolute-checks.js";
export {
  type AgreementSummary,
  type AgreementUndefinedReason,
  agreementFromLabels,
  type CohenKappaResult,
  cohenKappa,
  type FleissKappaResult,
  fleissKappa,
  type KrippendorffAlphaResult,
  krippendorffAlphaNominal,
  type LabelRating,
  type PairwiseCohenSummary,
} from "./agreement.js";
export * from "./catch-trials.js";
export * from "./error-trend.js";
export * from "./queue-forecast.js";
export * from "./review-decision.js";
export * from "./rubber-stamp.js";
export * from "./sampling.js";
export * from "./significance.js";
export * from "./team-rubber-stamp.js";
