import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../src/index.js";

/** `value` with every object's keys in reverse order: the same content, written differently. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reordered(v)]),
  );
}

/**
 * The one canonical JSON the server hashes content and signs outputs with, and the SDK checks them
 * with: equal content must give equal text, or a genuine decision fails its check (or two different
 * outputs could share a hash).
 */
describe("canonicalJson", () => {
  it("gives the same text whatever the key order, and text that reads back as the value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(reordered(value))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { seed: 20261203, numRuns: 500 },
    );
  });

  it("sorts keys at every depth and leaves out undefined members, as JSON.stringify does", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: null }], c: "é" } })).toBe(
      '{"a":{"c":"é","d":[3,{"x":null,"z":1}]},"b":1}',
    );
    expect(canonicalJson(undefined)).toBe("null");
    expect(canonicalJson([undefined])).toBe("[null]");
  });

  it("writes nesting far deeper than the call stack allows", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { k: deep };
    // Outermost an array (i = 99,999), innermost {k: "leaf"} (i = 0).
    expect(canonicalJson(deep)).toBe(`${'[{"k":'.repeat(50_000)}"leaf"${"}]".repeat(50_000)}`);
  });
});
