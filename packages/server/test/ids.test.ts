import { describe, expect, it } from "vitest";
import { timeOrderedId } from "../src/ids.js";

describe("timeOrderedId", () => {
  it("is a UUIDv7 after the prefix whose order is the order of the times given", () => {
    const times = [
      1_700_000_000_000, 1_700_000_000_001, 1_700_000_086_400, 1_800_000_000_000, 4_000_000_000_000,
    ];
    const ids = times.map((t) => timeOrderedId("case", t));
    for (const id of ids) {
      expect(id).toMatch(/^case_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect([...ids].reverse().sort()).toEqual(ids);
    expect(ids[0]?.slice(5, 18)).toBe("018bcfe5-6800"); // 1_700_000_000_000 ms in hex, as RFC 9562 lays it out
  });

  it("differs between ids of the same millisecond", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => timeOrderedId("dec", 1_700_000_000_000)));
    expect(ids.size).toBe(1000);
  });
});
