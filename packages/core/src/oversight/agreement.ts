/**
 * Inter-rater agreement statistics for reviewer consistency on overlapping cases.
 *
 * Pure functions, no I/O. Labels are opaque, case-sensitive strings ("Yes" and "yes" are two
 * categories). A label that is empty or only whitespace counts as a missing rating everywhere in this
 * module: it is never a category of its own.
 *
 * When a statistic is undefined (no items, or every rating falls in a single category so that chance
 * agreement is already perfect) the figure is `null` with a human-readable `reason`, never NaN.
 */

/** Why a statistic could not be computed. */
export type AgreementUndefinedReason = "no items" | "one category only";

export interface CohenKappaResult {
  /** κ, or null when undefined (see `reason`). */
  kappa: number | null;
  reason?: AgreementUndefinedReason;
  /** Observed proportion of agreement p_o (null with no items). */
  observed: number | null;
  /** Agreement expected by chance p_e (null with no items). */
  expected: number | null;
  /** Number of items rated by both raters (pairs with a missing label are skipped). */
  items: number;
}

export interface FleissKappaResult {
  /** κ, or null when undefined (see `reason`). */
  kappa: number | null;
  reason?: AgreementUndefinedReason;
  /** Mean per-item agreement P̄ (null with no items). */
  observed: number | null;
  /** Chance agreement P̄e (null with no items). */
  expected: number | null;
  /** Number of items (rows). */
  items: number;
  /** Raters per item n (0 with no items). */
  raters: number;
}

export interface KrippendorffAlphaResult {
  /** α, or null when undefined (see `reason`). */
  alpha: number | null;
  reason?: AgreementUndefinedReason;
  /** Observed disagreement D_o (null with no pairable units). */
  observedDisagreement: number | null;
  /** Expected disagreement D_e (null with no pairable units). */
  expectedDisagreement: number | null;
  /** Number of pairable units (units with at least two values). */
  items: number;
  /** Number of pairable values n (the total of the coincidence matrix). */
  values: number;
}

/** A label that is missing: null, undefined, empty or whitespace only. */
function isMissing(label: string | null | undefined): label is null | undefined {
  return label === null || label === undefined || label.trim() === "";
}

function increment(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/**
 * Cohen's kappa for two raters over nominal categories.
 *
 * Source: J. Cohen (1960), "A coefficient of agreement for nominal scales", Educational and
 * Psychological Measurement 20(1):37–46.
 *
 *   p_o = (items both raters put in the same category) / N
 *   p_e = Σ_k (r_k / N) · (c_k / N)     r_k, c_k: how often rater 1 / rater 2 chose category k
 *   κ   = (p_o − p_e) / (1 − p_e)
 *
 * Computed from integer counts as κ = (N·A − S) / (N² − S) with A the agreements and S = Σ_k r_k·c_k,
 * so that perfect agreement gives exactly 1 and swapping the raters gives exactly the same value.
 *
 * Each pair is `[rater1Label, rater2Label]` for one item. A pair with a missing (blank) label is
 * skipped. No items → `kappa: null, reason: "no items"`. If both raters used one and the same
 * category throughout, p_e = 1 and κ is 0/0 → `kappa: null, reason: "one category only"`.
 */
export function cohenKappa(pairs: ReadonlyArray<readonly [string, string]>): CohenKappaResult {
  const first = new Map<string, number>();
  const second = new Map<string, number>();
  let n = 0;
  let agreements = 0;
  for (const [a, b] of pairs) {
    if (isMissing(a) || isMissing(b)) continue;
    n += 1;
    if (a === b) agreements += 1;
    increment(first, a);
    increment(second, b);
  }
  if (n === 0) return { kappa: null, reason: "no items", observed: null, expected: null, items: 0 };
  let chance = 0;
  for (const category of [...first.keys()].sort()) {
    chance += (first.get(category) ?? 0) * (second.get(category) ?? 0);
  }
  const total = n * n;
  const observed = agreements / n;
  const expected = chance / total;
  if (chance === total) {
    return { kappa: null, reason: "one category only", observed, expected, items: n };
  }
  const kappa = (n * agreements - chance) / (total - chance);
  return { kappa, observed, expected, items: n };
}

/**
 * Fleiss' kappa for a fixed number n ≥ 2 of raters per item over nominal categories.
 *
 * Source: J. L. Fleiss (1971), "Measuring nominal scale agreement among many raters", Psychological
 * Bulletin 76(5):378–382.
 *
 *   `counts[i][j]` = n_ij, the number of raters who put item i in category j; every row sums to n.
 *   P_i  = (Σ_j n_ij² − n) / (n (n − 1))        agreement on item i
 *   P̄    = (1/N) Σ_i P_i
 *   p_j  = (1/(N n)) Σ_i n_ij                   share of all ratings in category j
 *   P̄e   = Σ_j p_j²
 *   κ    = (P̄ − P̄e) / (1 − P̄e)
 *
 * Throws a RangeError naming the row when a row has a different length from row 0, contains a value
 * that is not a non-negative integer, sums to fewer than two raters, or sums to a different number of
 * raters from row 0. No rows → `kappa: null, reason: "no items"`. All ratings in one category →
 * P̄e = 1 → `kappa: null, reason: "one category only"`.
 */
export function fleissKappa(counts: ReadonlyArray<ReadonlyArray<number>>): FleissKappaResult {
  const itemCount = counts.length;
  const firstRow = counts[0];
  if (firstRow === undefined) {
    return { kappa: null, reason: "no items", observed: null, expected: null, items: 0, raters: 0 };
  }
  const categories = firstRow.length;
  const columnTotals = new Array<number>(categories).fill(0);
  let raters = -1;
  let sumOfSquares = 0;
  counts.forEach((row, i) => {
    if (row.length !== categories) {
      throw new RangeError(`fleissKappa: row ${i} has ${row.length} categories, row 0 has ${categories}`);
    }
    let rowSum = 0;
    row.forEach((value, j) => {
      if (!Number.isInteger(value) || value < 0) {
        throw new RangeError(`fleissKappa: row ${i}, category ${j}: ${value} is not a non-negative integer`);
      }
      rowSum += value;
      sumOfSquares += value * value;
      columnTotals[j] = (columnTotals[j] ?? 0) + value;
    });
    if (rowSum < 2) {
      throw new RangeError(`fleissKappa: row ${i} has ${rowSum} rating(s); at least 2 raters are needed`);
    }
    if (raters === -1) raters = rowSum;
    else if (rowSum !== raters) {
      throw new RangeError(`fleissKappa: row ${i} has ${rowSum} raters, row 0 has ${raters}`);
    }
  });
  const ratings = itemCount * raters;
  const observed = (sumOfSquares - ratings) / (ratings * (raters - 1));
  let expected = 0;
  for (const total of columnTotals) {
    const share = total / ratings;
    expected += share * share;
  }
  if (columnTotals.filter((t) => t > 0).length <= 1) {
    return {
      kappa: null,
      reason: "one category only",
      observed,
      expected: 1,
      items: itemCount,
      raters,
    };
  }
  const kappa = (observed - expected) / (1 - expected);
  return { kappa, observed, expected, items: itemCount, raters };
}

/**
 * Krippendorff's alpha for nominal data, any number of coders, missing values allowed.
 *
 * Source: K. Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School for
 * Communication, University of Pennsylvania (departmental paper 43).
 *
 *   Each unit u is the list of values the coders gave it (missing: null, undefined or blank). Only
 *   units with m_u ≥ 2 values are pairable; the others are skipped and not counted in `items`.
 *   Coincidences: o_ck = Σ_u (number of ordered pairs of values (c, k) in u from different coders) / (m_u − 1)
 *   n_c = Σ_k o_ck,  n = Σ_c n_c  (the number of pairable values)
 *   D_o = (1/n) Σ_{c≠k} o_ck
 *   D_e = (1/(n (n − 1))) Σ_{c≠k} n_c n_k
 *   α   = 1 − D_o / D_e
 *
 * No pairable unit → `alpha: null, reason: "no items"`. All pairable values identical → D_e = 0 →
 * `alpha: null, reason: "one category only"`.
 */
export function krippendorffAlphaNominal(
  units: ReadonlyArray<ReadonlyArray<string | null | undefined>>,
): KrippendorffAlphaResult {
  const valueTotals = new Map<string, number>();
  let pairable = 0;
  let n = 0;
  let mismatches = 0; // Σ_{c≠k} o_ck
  for (const unit of units) {
    const inUnit = new Map<string, number>();
    let m = 0;
    for (const value of unit) {
      if (isMissing(value)) continue;
      increment(inUnit, value);
      m += 1;
    }
    if (m < 2) continue;
    pairable += 1;
    n += m;
    let sameValuePairs = 0;
    for (const [value, count] of inUnit) {
      increment(valueTotals, value, count);
      sameValuePairs += count * count;
    }
    // Ordered pairs of different values: m² − Σ_c m_c², each weighted 1/(m − 1).
    mismatches += (m * m - sameValuePairs) / (m - 1);
  }
  if (pairable === 0) {
    return {
      alpha: null,
      reason: "no items",
      observedDisagreement: null,
      expectedDisagreement: null,
      items: 0,
      values: 0,
    };
  }
  let sameValueTotals = 0;
  for (const total of valueTotals.values()) sameValueTotals += total * total;
  const observedDisagreement = mismatches / n;
  const expectedDisagreement = (n * n - sameValueTotals) / (n * (n - 1));
  if (expectedDisagreement === 0) {
    return {
      alpha: null,
      reason: "one category only",
      observedDisagreement,
      expectedDisagreement,
      items: pairable,
      values: n,
    };
  }
  const alpha = 1 - observedDisagreement / expectedDisagreement;
  return { alpha, observedDisagreement, expectedDisagreement, items: pairable, values: n };
}

/** One rating: a rater (reviewer) gave `label` to `item` (a case). */
export interface LabelRating {
  item: string;
  rater: string;
  label: string;
}

export interface PairwiseCohenSummary {
  /** Mean Cohen's kappa over the rater pairs whose kappa is defined, or null if there is none. */
  kappa: number | null;
  reason?: AgreementUndefinedReason;
  /** Rater pairs averaged (pairs with ≥ 1 shared item and a defined kappa). */
  pairs: number;
  /** Rater pairs with ≥ 1 shared item whose kappa was undefined (left out of the mean). */
  undefinedPairs: number;
  /** Distinct items rated by at least one of the averaged pairs. */
  items: number;
}

export interface AgreementSummary {
  cohenKappa: PairwiseCohenSummary;
  /** Fleiss' kappa over the items rated by the modal number of raters (ties: the larger number). */
  fleissKappa: FleissKappaResult;
  krippendorffAlpha: KrippendorffAlphaResult;
  /** Items rated by at least two raters (the overlap behind the figures). */
  items: number;
}

/**
 * Builds all three agreement figures from raw review labels.
 *
 * - Blank labels are ignored. If a rater labelled the same item more than once, the last label wins.
 * - Cohen's kappa: computed for every pair of raters sharing at least one item, then averaged
 *   (unweighted mean) over the pairs where it is defined; `pairs` says how many.
 * - Fleiss' kappa needs the same number of raters on every item: it uses the items rated by the most
 *   common number (≥ 2) of raters, ties broken toward more raters. With no such item: `kappa: null`.
 * - Krippendorff's alpha uses every item, missing ratings allowed.
 */
export function agreementFromLabels(ratings: ReadonlyArray<LabelRating>): AgreementSummary {
  const byItem = new Map<string, Map<string, string>>();
  for (const { item, rater, label } of ratings) {
    if (isMissing(label)) continue;
    let raters = byItem.get(item);
    if (raters === undefined) {
      raters = new Map();
      byItem.set(item, raters);
    }
    raters.set(rater, label);
  }
  const overlapping = [...byItem.entries()].filter(([, raters]) => raters.size >= 2);

  // Cohen: pairwise over raters.
  const pairLabels = new Map<string, { items: string[]; pairs: Array<[string, string]> }>();
  for (const [item, raters] of overlapping) {
    const names = [...raters.keys()].sort();
    for (let a = 0; a < names.length; a += 1) {
      for (let b = a + 1; b < names.length; b += 1) {
        const first = names[a] as string;
        const second = names[b] as string;
        const key = JSON.stringify([first, second]);
        let entry = pairLabels.get(key);
        if (entry === undefined) {
          entry = { items: [], pairs: [] };
          pairLabels.set(key, entry);
        }
        entry.items.push(item);
        entry.pairs.push([raters.get(first) as string, raters.get(second) as string]);
      }
    }
  }
  let kappaSum = 0;
  let definedPairs = 0;
  let undefinedPairs = 0;
  const cohenItems = new Set<string>();
  for (const entry of pairLabels.values()) {
    const result = cohenKappa(entry.pairs);
    if (result.kappa === null) {
      undefinedPairs += 1;
      continue;
    }
    kappaSum += result.kappa;
    definedPairs += 1;
    for (const item of entry.items) cohenItems.add(item);
  }
  const cohen: PairwiseCohenSummary =
    definedPairs > 0
      ? { kappa: kappaSum / definedPairs, pairs: definedPairs, undefinedPairs, items: cohenItems.size }
      : {
          kappa: null,
          reason: undefinedPairs > 0 ? "one category only" : "no items",
          pairs: 0,
          undefinedPairs,
          items: 0,
        };

  // Fleiss: items with the modal number of raters.
  const raterCounts = new Map<number, number>();
  for (const [, raters] of overlapping) raterCounts.set(raters.size, (raterCounts.get(raters.size) ?? 0) + 1);
  let modal = 0;
  let modalFrequency = 0;
  for (const [count, frequency] of raterCounts) {
    if (frequency > modalFrequency || (frequency === modalFrequency && count > modal)) {
      modal = count;
      modalFrequency = frequency;
    }
  }
  const fleissItems = overlapping.filter(([, raters]) => raters.size === modal);
  const categories = [...new Set(fleissItems.flatMap(([, raters]) => [...raters.values()]))].sort();
  const column = new Map(categories.map((category, index) => [category, index]));
  const matrix = fleissItems.map(([, raters]) => {
    const row = new Array<number>(categories.length).fill(0);
    for (const label of raters.values()) {
      const index = column.get(label) as number;
      row[index] = (row[index] ?? 0) + 1;
    }
    return row;
  });

  return {
    cohenKappa: cohen,
    fleissKappa: fleissKappa(matrix),
    krippendorffAlpha: krippendorffAlphaNominal([...byItem.values()].map((raters) => [...raters.values()])),
    items: overlapping.length,
  };
}
