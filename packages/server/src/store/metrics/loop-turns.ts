import { setImmediate, setTimeout } from "node:timers/promises";

/**
 * How a report's reading shares the event loop with the requests this process serves (issue 12,
 * "nothing heavy on the event loop"). Reading a long window's rollups is CPU work here (SQLite answers
 * synchronously; documents are parsed here on either engine), so readers call `giveLoopTurn()` between
 * documents: after `TURN_MS` of reading, the other callbacks waiting get a turn, and when there were
 * any (the process is busy), reading rests for a timer, letting several turns pass, instead of taking
 * every turn of the loop. An idle process loses nothing; a busy one serves its requests nearly as fast
 * as without the report, and the report takes longer.
 *
 * The clock is shared by every reader in the process, so two reports read side by side (or a report's
 * two readers) still take one turn's worth between two turns of the loop.
 *
 * Measured with the bench's submit during back-to-back 90-day reports (1,000,000 events, SQLite, the
 * shared 2-core development machine): a turn per 5-day slice of documents (several ms) kept about
 * half of the throughput of submit alone; 1 ms turns 0.65 to 0.8; 1 ms turns and the rest 0.8 to 0.9.
 */

const TURN_MS = 1;
/** A turn of the loop that took longer than this ran others' callbacks. */
const BUSY_MS = 0.2;
const REST_MS = 1;

let since = performance.now();

export async function giveLoopTurn(): Promise<void> {
  if (performance.now() - since < TURN_MS) return;
  const asked = performance.now();
  await setImmediate();
  if (performance.now() - asked > BUSY_MS) await setTimeout(REST_MS);
  since = performance.now();
}
