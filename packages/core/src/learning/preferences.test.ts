import { describe, expect, test } from "vitest";
import { pairFromEdit, pairsFromRanking } from "./preferences.js";

const prompt = { message: "Where is my parcel?" };
const proposal = {
  candidates: [
    { id: "a", output: "It ships tomorrow." },
    { id: "b", output: "Sorry for the wait: it left our depot today, tracking 123." },
    { id: "c", output: "Please wait." },
  ],
};

describe("preference pairs", () => {
  test("a ranking of k candidates gives k(k-1)/2 pairs, the better one chosen", () => {
    const pairs = pairsFromRanking(prompt, proposal, { ranking: ["b", "a", "c"], tie: false });
    expect(pairs).toHaveLength(3);
    expect(pairs.map((p) => [p.chosen, p.rejected])).toEqual([
      ["Sorry for the wait: it left our depot today, tracking 123.", "It ships tomorrow."],
      ["Sorry for the wait: it left our depot today, tracking 123.", "Please wait."],
      ["It ships tomorrow.", "Please wait."],
    ]);
    expect(pairs[2]).toMatchObject({ prompt, source: "rank", chosenRank: 2, rejectedRank: 3 });
  });

  test("a tie gives no pair; a ranking naming unknown candidates gives none either", () => {
    expect(pairsFromRanking(prompt, proposal, { ranking: ["a", "b", "c"], tie: true })).toEqual([]);
    expect(pairsFromRanking(prompt, proposal, { ranking: ["a", "zz"] })).toEqual([]);
  });

  test("without candidate outputs the ids themselves are the outputs", () => {
    const pairs = pairsFromRanking(prompt, ["x", "y"], { ranking: ["y", "x"] });
    expect(pairs).toEqual([
      { prompt, chosen: "y", rejected: "x", source: "rank", chosenRank: 1, rejectedRank: 2 },
    ]);
  });

  test("an edit prefers the reviewer's output; an edit that changed nothing teaches nothing", () => {
    expect(pairFromEdit(prompt, { amount: 120 }, { amount: 95 })).toEqual({
      prompt,
      chosen: { amount: 95 },
      rejected: { amount: 120 },
      source: "edit",
    });
    expect(pairFromEdit(prompt, { amount: 120 }, { amount: 120 })).toBeNull();
  });
});
