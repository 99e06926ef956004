import { afterEach, describe, expect, it } from "vitest";
import {
  type LeasedRowsJob,
  type LeasedRowsSettings,
  LeasedRowsWorker,
} from "../../src/workers/leased-rows.js";
import { PollLoop, type WorkerLogger } from "../../src/workers/poll-loop.js";
import { eventually } from "./receiver.js";

/** A promise the test settles when it chooses. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

function recordingLogger() {
  const errors: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  const logger: WorkerLogger = { warn() {}, error: (obj, msg) => errors.push({ obj, msg }) };
  return { logger, errors };
}

/** A never-moving clock and a poll too slow to matter: only a full batch or a kick runs another round. */
const SETTINGS: LeasedRowsSettings = { clock: () => 1_000, pollMs: 3_600_000, batchSize: 2, leaseMs: 30_000 };

describe("LeasedRowsWorker", () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  function worker<Result>(job: LeasedRowsJob<number, Result>, settings: Partial<LeasedRowsSettings> = {}) {
    const w = new LeasedRowsWorker(job, { ...SETTINGS, ...settings });
    stops.push(() => w.stop());
    return w;
  }

  /** Hands out the rows in batches of `batchSize`, as a store's claim would; records what it was asked. */
  function queue(rows: number[]) {
    const asked: Array<{ now: number; limit: number; leaseMs: number }> = [];
    return {
      asked,
      claim: async (due: { now: number; limit: number; leaseMs: number }) => {
        asked.push(due);
        return rows.splice(0, due.limit);
      },
    };
  }

  it("claims with the clock, batch size and lease, and reports what each row's run resolved to", async () => {
    const q = queue([1, 2, 3]);
    const w = worker({ name: "test", claim: q.claim, run: async (n) => n * 10, order: "in order" });
    expect(await w.runOnce()).toEqual({ claimed: 2, results: [10, 20] });
    expect(await w.runOnce()).toEqual({ claimed: 1, results: [30] });
    expect(q.asked[0]).toEqual({ now: 1_000, limit: 2, leaseMs: 30_000 });
  });

  it("runs in order one row after another, or a whole batch in parallel", async () => {
    const trace = async (order: "in order" | "parallel") => {
      const steps: string[] = [];
      const run = async (n: number) => {
        steps.push(`start ${n}`);
        await new Promise((resolve) => setImmediate(resolve));
        steps.push(`end ${n}`);
      };
      await worker({ name: "test", claim: queue([1, 2]).claim, run, order }).runOnce();
      return steps;
    };
    expect(await trace("in order")).toEqual(["start 1", "end 1", "start 2", "end 2"]);
    expect(await trace("parallel")).toEqual(["start 1", "start 2", "end 1", "end 2"]);
  });

  it("runOnce waits for the background round in flight, so what was due has been run when it resolves", async () => {
    const q = queue([1]);
    const release = gate();
    const done: number[] = [];
    const run = async (n: number) => {
      await release.opened;
      done.push(n);
    };
    const w = worker({ name: "test", claim: q.claim, run, order: "in order" });
    w.start();
    // The background round has claimed row 1 and is running it.
    await eventually(async () => q.asked.length === 1);
    const called = w.runOnce();
    let resolved = false;
    void called.then(() => {
      resolved = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    release.open();
    expect(resolved).toBe(false);
    expect(await called).toEqual({ claimed: 0, results: [] });
    expect(done).toEqual([1]);
  });

  it("logs a row that fails with its fields and still runs the others", async () => {
    const { logger, errors } = recordingLogger();
    const run = async (n: number) => {
      if (n === 1) throw new Error("store down");
      return n;
    };
    const logFields = (n: number) => ({ rowId: n });
    for (const order of ["in order", "parallel"] as const) {
      const w = worker({ name: "test", claim: queue([1, 2]).claim, run, order, logFields }, { logger });
      expect(await w.runOnce()).toEqual({ claimed: 2, results: [2] });
    }
    expect(errors.map((e) => e.obj.rowId)).toEqual([1, 1]);
    expect(errors[0]?.msg).toMatch(/^test: /);
  });

  it("runs the first round on start and goes straight on while batches come back full", async () => {
    const q = queue([1, 2, 3, 4, 5]);
    const done: number[] = [];
    worker({ name: "test", claim: q.claim, run: async (n) => void done.push(n), order: "in order" }).start();
    await eventually(async () => done.length === 5);
    // Two full batches, then one short one; the next look waits for the poll.
    await eventually(async () => q.asked.length === 3);
  });

  it("runs another round after the one in flight when kicked during it, never two at once", async () => {
    const first = gate();
    let rounds = 0;
    let inRound = 0;
    let overlapped = false;
    const claim = async () => {
      rounds++;
      inRound++;
      overlapped ||= inRound > 1;
      if (rounds === 1) await first.opened;
      inRound--;
      return [];
    };
    const w = worker({ name: "test", claim, run: async () => {}, order: "in order" });
    w.start();
    await eventually(async () => rounds === 1);
    w.kick();
    w.kick();
    first.open();
    await eventually(async () => rounds === 2);
    w.kick();
    await eventually(async () => rounds === 3);
    expect(overlapped).toBe(false);
  });

  it("waits on stop() for the rows in flight, and runs no round after it", async () => {
    const release = gate();
    let claims = 0;
    const finished: number[] = [];
    const claim = async () => (++claims === 1 ? [7] : []);
    const run = async (n: number) => {
      await release.opened;
      finished.push(n);
    };
    const w = worker({ name: "test", claim, run, order: "parallel" }, { batchSize: 1 });
    w.start();
    await eventually(async () => claims === 1);
    let stopped = false;
    const stopping = w.stop().then(() => {
      stopped = true;
    });
    w.kick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release.open();
    await stopping;
    expect(finished).toEqual([7]);
    // The batch was full, but the worker was stopped: no further claim.
    expect(claims).toBe(1);
  });

  it("logs a failed claim and keeps polling", async () => {
    const { logger, errors } = recordingLogger();
    let claims = 0;
    const claim = async () => {
      if (++claims === 1) throw new Error("database unavailable");
      return [];
    };
    worker({ name: "test", claim, run: async () => {}, order: "in order" }, { logger, pollMs: 5 }).start();
    await eventually(async () => claims >= 2);
    expect(errors.map((e) => e.msg)).toEqual(["test: round failed; will retry"]);
  });

  it("does nothing when kicked before start", async () => {
    let claims = 0;
    const claim = async () => {
      claims++;
      return [];
    };
    const w = worker({ name: "test", claim, run: async () => {}, order: "in order" });
    w.kick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(claims).toBe(0);
    w.start();
    await eventually(async () => claims === 1);
  });
});

describe("PollLoop", () => {
  it("waits firstRoundAfterMs before the first round, unless kicked", async () => {
    let rounds = 0;
    const loop = new PollLoop({
      name: "periodic",
      round: async () => {
        rounds++;
        return false;
      },
      intervalMs: 3_600_000,
      firstRoundAfterMs: 3_600_000,
    });
    loop.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(rounds).toBe(0);
    loop.kick();
    await eventually(async () => rounds === 1);
    await loop.stop();
  });
});
