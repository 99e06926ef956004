/**
 * Group commit: writes that arrive while a transaction is in flight are committed together in the
 * next one, so N concurrent submits cost one BEGIN/COMMIT (one fsync) instead of N. Each caller still
 * resolves only after the transaction holding its write has committed, so "2xx means on disk" holds.
 *
 * When a batch fails as a whole (one bad item rolls the transaction back), each of its items is retried
 * alone, so one caller's error never becomes another caller's.
 */
export class GroupCommit<Item, Result> {
  #pending: Array<{ item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }> = [];
  #running = false;

  constructor(
    private readonly runBatch: (items: Item[]) => Promise<Result[]>,
    private readonly runOne: (item: Item) => Promise<Result>,
    private readonly maxBatch = 64,
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        // Let the requests already parsed in this turn of the event loop join the first batch.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.maxBatch);
      const [only] = batch;
      if (only && batch.length === 1) {
        await this.runOne(only.item).then(only.resolve, only.reject);
        continue;
      }
      try {
        const results = await this.runBatch(batch.map((b) => b.item));
        for (const [i, b] of batch.entries()) b.resolve(results[i] as Result);
      } catch {
        for (const b of batch) await this.runOne(b.item).then(b.resolve, b.reject);
      }
    }
    this.#running = false;
  }
}
