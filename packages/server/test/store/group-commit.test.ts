import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/store/group-commit.js";
import { ENGINES, useTestDatabase } from "./engines.js";
import { newCase, submitted, webhook } from "./fixtures.js";

describe("GroupCommit", () => {
  it("commits concurrent items together and keeps one item's failure its own", async () => {
    const batches: number[][] = [];
    const gc = new GroupCommit<number, number>(
      async (items) => {
        batches.push(items);
        if (items.includes(13)) throw new Error("the batch rolls back");
        return items.map((i) => i * 2);
      },
      async (item) => {
        if (item === 13) throw new Error("13 is refused");
        return item * 2;
      },
    );
    const results = await Promise.allSettled([1, 2, 13, 4].map((i) => gc.submit(i)));
    expect(batches[0]).toEqual([1, 2, 13, 4]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([
      2,
      4,
      "13 is refused",
      8,
    ]);
    // Later submissions start a new batch.
    expect(await gc.submit(5)).toBe(10);
  });
});

describe.each(ENGINES)("concurrent submits on one store (%s)", (engine) => {
  const db = useTestDatabase(engine);

  it("stores every good case when one of a burst fails, and only the bad one fails", async () => {
    const store = db.store;
    const first = newCase();
    const cases = [first, ...Array.from({ length: 11 }, () => newCase())];
    // The bad one reuses the first case's webhook id: the outbox insert violates its primary key.
    const clash = webhook(first.id);
    const results = await Promise.allSettled(
      cases.map((c, i) =>
        store.cases.insert(c, {
          events: submitted(c),
          outbox: i === 0 ? clash : i === 7 ? { ...webhook(c.id), id: clash.id } : undefined,
        }),
      ),
    );
    const failed = results.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
    expect(failed).toEqual([7]);
    for (const [i, c] of cases.entries()) {
      const stored = await store.cases.detail(c.id);
      if (i === 7) expect(stored).toBeUndefined();
      else expect(stored?.events.map((e) => e.type)).toEqual(["submitted", "routed"]);
    }
  });
});
