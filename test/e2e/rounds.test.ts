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
 * A file closes only once gzip has emitted output for a full 256 KiB batch of CSV (src/extract/gzip-batcher.ts), and
 * gzip runs on the thread pool, so where a run's files split depends on timing. ~600 inserted books (~250 KiB) fill
 * about one batch: a run wrote a second file only when the 2 s lookback happened to re-read the previous round,
 * which on a loaded machine (rounds slower than the lookback) it did not, and the file count check below failed.
 * 2,000 books (~480-600 KiB, two batches or more) make a second file the rule rather than luck.
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
  let files = 0;
  for (let round = 1; round <= 10; round++) {
    await workload.round(ROUND);
    const result = await harness.round(options);
    expect(result.summaries.map((s) => s.mode)).toEqual(['incremental', 'incremental']);
    files += result.summaries.reduce((n, s) => n + s.files, 0);
    // chunk boundaries are crossed every round (more books than --chunk-rows)
    const books = result.summaries.find((s) => s.table === 'books');
    expect(books?.rows, `round ${round}`).toBeGreaterThan(options.chunkRows);
  }
  // and file boundaries: more files than one per table and run (see ROUND on why not a number per run)
  expect(files).toBeGreaterThan(20);
  expect(await harness.targetCount('books')).toBeGreaterThan(5000);
});
