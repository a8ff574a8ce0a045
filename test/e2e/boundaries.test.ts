/**
 * Issue 5, scenario 2: hundreds of rows sharing one cursor value, spread over chunk boundaries (--chunk-rows)
 * and file boundaries (--file-size-mb), are each extracted exactly once and merged.
 */
import { afterEach, expect, it } from 'vitest';
import { qualified } from '../../src/sql/quote.js';
import { E2eHarness } from './harness.js';
import { BookstoreWorkload, Random, seedFromEnv } from './workload.js';

let harness: E2eHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Landing rows of one run whose cursor is `cursor`: rows, distinct keys, distinct files. */
async function tieSpread(h: E2eHarness, tableName: string, runId: string, cursor: string) {
  const table = h.table(tableName);
  const key = `"${table.primaryKey[0]?.name}"`;
  const [row] = await h.warehouse.rows(
    `SELECT count(*) AS n, count(DISTINCT ${key}) AS keys, count(DISTINCT "_SNOWSTAGE_FILE") AS files
     FROM ${qualified(table.rawTable)}
     WHERE "${table.cursor?.name}" = '${cursor}' AND "_SNOWSTAGE_FILE" LIKE '%${runId}%'`,
  );
  return { rows: Number(row?.n), keys: Number(row?.keys), files: Number(row?.files) };
}

it('600 books and 300 reviews with one shared cursor value cross chunk and file boundaries, each extracted once', async () => {
  const seed = seedFromEnv();
  console.info(`boundaries: E2E_SEED=${seed}`);
  harness = await E2eHarness.start({ label: 'ties', commitLagSeconds: 0, lookbackSeconds: 0 });
  const workload = new BookstoreWorkload(harness.db, new Random(seed));
  await workload.insertBooks(700);
  await workload.insertReviews(400, 700);
  const tiny = { chunkRows: 37, fileSizeMb: 0.002 };
  // the backfill walks keys in chunks of 37
  await harness.round(tiny);

  const [{ t }] = (await harness.sql("SELECT DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f') AS t")) as [
    { t: string },
  ];
  // Files roll only between 256 KiB batches of CSV, so the tied rows carry 1-2.5 KB each to fill several.
  await harness.sql(
    `UPDATE books SET title = CONCAT(LEFT(title, 400), ' (tie)'),
       cover_thumbnail = UNHEX(REPEAT(SHA2(RAND(), 256), 24)), updated_at = ?
     WHERE book_id BETWEEN 50 AND 649`,
    [t],
  );
  await harness.sql(
    `UPDATE book_reviews SET helpful_votes = helpful_votes DIV 2,
       review_text = CONCAT('tie ', REPEAT(SHA2(RAND(), 256), 40)), updated_at = ?
     WHERE review_id BETWEEN 41 AND 340`,
    [t],
  );
  const incremental = await harness.round(tiny);

  const runOf = (name: string) => incremental.summaries.find((s) => s.table === name)?.runId ?? '';
  const books = await tieSpread(harness, 'books', runOf('books'), t);
  expect(books).toMatchObject({ rows: 600, keys: 600 });
  expect(books.files).toBeGreaterThan(1);
  // TIMESTAMP cursors are written in UTC with an explicit offset; the session is UTC, so the text is t + zone
  const reviews = await tieSpread(harness, 'book_reviews', runOf('book_reviews'), `${t} +00:00`);
  expect(reviews).toMatchObject({ rows: 300, keys: 300 });
  expect(reviews.files).toBeGreaterThan(1);
});
