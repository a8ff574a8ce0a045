/**
 * Issue 5, scenario 1: inserts, updates, soft deletes (and un-deletes) over many rounds, thousands of rows per
 * round, each round extracted by the CLI, loaded, MERGEd with the generated MERGE and compared with MySQL.
 */
import { afterEach, expect, it } from 'vitest';
import { E2eHarness } from './harness.js';
import { BookstoreWorkload, Random, seedFromEnv } from './workload.js';

let harness: E2eHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/**
 * A books file closes only once gzip has emitted the first 256 KiB batch of CSV (src/extract/gzip-batcher.ts), and
 * ~600 inserted books (~250 KiB) fit in one: the run wrote a second file only when the lookback happened to re-read
 * the previous round, which on a loaded machine (rounds slower than the 2 s lookback) it did not, so no file
 * boundary was crossed and the check below failed. 2,000 books (~480-600 KiB) cross one every run, whatever the timing.
 */
const ROUND = {
  insertBooks: 2000,
  updateBooks: 500,
  deleteBooks: 60,
  undeleteBooks: 20,
  insertReviews: 500,
  updateReviews: 300,
  deleteReviews: 40,
  undeleteReviews: 10,
};

it('10 rounds of about 3,500 inserts, updates and soft deletes leave the target equal to MySQL', async () => {
  const seed = seedFromEnv();
  console.info(`rounds: E2E_SEED=${seed}`);
  // no lag (every change is committed before the run; late commits have their own scenario); the lookback
  // makes every run re-read rows the MERGE already has
  harness = await E2eHarness.start({ label: 'rounds', commitLagSeconds: 0, lookbackSeconds: 2 });
  const workload = new BookstoreWorkload(harness.db, new Random(seed));
  const options = { chunkRows: 700, fileSizeMb: 0.05 };
  const backfill = await harness.round(options);
  expect(backfill.summaries.map((s) => s.mode)).toEqual(['backfill', 'backfill']);
  for (let round = 1; round <= 10; round++) {
    await workload.round(ROUND);
    const result = await harness.round(options);
    expect(result.summaries.map((s) => s.mode)).toEqual(['incremental', 'incremental']);
    // several files and chunks every round: file and chunk boundaries are crossed every time
    const books = result.summaries.find((s) => s.table === 'books');
    expect(books?.files, `round ${round}`).toBeGreaterThanOrEqual(2);
    expect(books?.rows, `round ${round}`).toBeGreaterThan(options.chunkRows);
  }
  expect(await harness.targetCount('books')).toBeGreaterThan(5000);
});
