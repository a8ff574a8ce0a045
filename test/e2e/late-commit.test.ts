/**
 * Issue 5, scenario 3: transactions that commit after an extraction started, with cursor values the extraction
 * could not see. Within commit_lag_seconds the upper bound keeps them ahead of the watermark; older than the
 * upper bound only the lookback re-read brings them in, and without it they are lost (the harness must say so).
 */
import type { Connection } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import { afterEach, expect, it } from 'vitest';
import type { ExtractResult } from './extractor.js';
import { E2eHarness, sleep } from './harness.js';
import { BookstoreWorkload, Random, seedFromEnv } from './workload.js';

let harness: E2eHarness | undefined;
let writer: Connection | undefined;

afterEach(async () => {
  await writer?.end();
  writer = undefined;
  await harness?.close();
  harness = undefined;
});

/** A second MySQL session, for the transaction that stays open across an extraction. */
async function openWriter(h: E2eHarness): Promise<Connection> {
  const connection = await mysql.createConnection({ ...h.db.target, database: h.db.database });
  await connection.query("SET time_zone = '+00:00'");
  return connection;
}

/** Keys (as the comparison prints them) of every row that differs. */
async function differingKeys(h: E2eHarness, table: string): Promise<string[]> {
  return [...new Set((await h.compare(table)).map((d) => d.key))].sort();
}

/** The upper bound of each table's window in a run, from its `table_summary` log lines. */
function windowUppers(run: ExtractResult): Map<string, string> {
  const uppers = new Map<string, string>();
  for (const line of run.stdout.split('\n')) {
    if (!line.includes('"event":"table_summary"')) continue;
    const summary = JSON.parse(line) as { table: string; window: { upper: string } };
    // a TIMESTAMP cursor's bound carries its zone (UTC, the inspection pool's session zone too)
    uppers.set(summary.table, summary.window.upper.replace(/ \+00:00$/, ''));
  }
  return uppers;
}

/** Polls MySQL's clock (the one cursors are stamped with) until `seconds` ago lies past every one of `cursors`. */
async function untilMysqlClockPasses(
  h: E2eHarness,
  seconds: number,
  cursors: readonly string[],
): Promise<void> {
  expect(cursors.length).toBeGreaterThan(0);
  for (const cursor of cursors) {
    for (;;) {
      const [[row]] = (await h.db.pool.query('SELECT NOW(6) - INTERVAL ? SECOND > ? AS ok', [
        seconds,
        cursor,
      ])) as unknown as [[{ ok: number }]];
      if (Number(row.ok) === 1) break;
      await sleep(50);
    }
  }
}

/**
 * The lag of the first scenario. It must exceed the time from stamping the late rows (T1) to the extractor reading
 * MySQL's clock in its child process: a run that starts later than that reads the rows stamped after T1 and its
 * watermark passes T1, so the scenario would not happen. 3 s was too little beside busy test workers and two `yes`
 * processes on 2 cores; the check after the run says so instead of failing obscurely.
 */
const LAG_SECONDS = 6;

const keys = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => JSON.stringify([String(from + i)])).sort();

it('a transaction stamped within commit_lag of a run and committed after it started is extracted; with no lag it is lost', async () => {
  harness = await E2eHarness.start({ label: 'late_lag', commitLagSeconds: LAG_SECONDS, lookbackSeconds: 0 });
  // book_reviews runs without a lag: the negative control
  await harness.editMetadata(
    'tables/book_reviews.yaml',
    (text) => `${text.trimEnd()}\ncommit_lag_seconds: 0\n`,
  );
  await harness.regenerate();
  expect(harness.table('book_reviews').commitLagSeconds).toBe(0);
  await new BookstoreWorkload(harness.db, new Random(seedFromEnv())).insertBooks(40);
  await harness.extractOk();
  await harness.loadMergeCompare();
  // committed changes old enough for the next run to read, so its watermark moves
  await harness.sql(
    "UPDATE books SET title = CONCAT(LEFT(title, 400), ' (early)'), updated_at = NOW(6) WHERE book_id <= 10",
  );
  await harness.waitForCommitLag();
  writer = await openWriter(harness);
  await writer.beginTransaction();
  // stamped now (T1), invisible to the coming run until the commit
  await writer.query(
    "UPDATE books SET title = CONCAT(LEFT(title, 400), ' (late)'), updated_at = NOW(6) WHERE book_id BETWEEN 11 AND 17",
  );
  await writer.query(
    "UPDATE book_reviews SET review_text = 'late', updated_at = NOW(6) WHERE review_id BETWEEN 1 AND 4",
  );
  // committed rows stamped after T1 (keys apart from the late ones: InnoDB's next-key lock on a range also
  // covers the key after it). With the lag the run does not read them, so its watermark stays below T1;
  // without one (book_reviews) it reads them and its watermark passes T1.
  await harness.sql(
    "UPDATE books SET title = CONCAT(LEFT(title, 400), ' (after)'), updated_at = NOW(6) WHERE book_id BETWEEN 40 AND 42",
  );
  await harness.sql(
    "UPDATE book_reviews SET review_text = 'after', updated_at = NOW(6) WHERE review_id BETWEEN 10 AND 13",
  );
  const [[after]] = (await harness.db.pool.query(
    'SELECT MIN(updated_at) AS stamp FROM books WHERE book_id BETWEEN 40 AND 42',
  )) as unknown as [[{ stamp: string }]];
  const run = await harness.extractOk();
  const booksUpper = windowUppers(run).get('books') ?? '';
  expect(
    booksUpper < after.stamp,
    `books' window (.. ${booksUpper}] reached the rows stamped after T1 (${after.stamp}): the run started more than ${LAG_SECONDS} s after them, so LAG_SECONDS is too small for this machine`,
  ).toBe(true);
  // book_reviews read the 4 rows stamped after T1; books (with the lag) did not
  expect(run.summaries.map((s) => s.rows)[0]).toBe(4);
  await writer.commit();
  await harness.loadAndMerge();
  // not there yet: the target lacks exactly the late rows (and, for books, the rows stamped after them)
  expect(await differingKeys(harness, 'books')).toEqual([...keys(11, 17), ...keys(40, 42)].sort());
  await harness.waitForCommitLag();
  await harness.extractOk();
  await harness.loadAndMerge();
  await harness.assertEqual('books');
  expect(await differingKeys(harness, 'book_reviews')).toEqual(keys(1, 4));
});

it('a transaction stamped before the upper bound and committed late is re-read by the lookback; without one it is lost', async () => {
  harness = await E2eHarness.start({ label: 'late_lookback', commitLagSeconds: 1, lookbackSeconds: 10 });
  // book_reviews opts out of the lookback: the negative control
  await harness.editMetadata(
    'tables/book_reviews.yaml',
    (text) => `${text.trimEnd()}\nlookback_seconds: 0\n`,
  );
  await harness.regenerate();
  expect(harness.table('book_reviews').lookbackSeconds).toBe(0);
  const backfill = await harness.extractOk();
  await harness.loadMergeCompare();
  // the late rows below are stamped 2 s back: wait (on MySQL's clock) until that is past the backfill's upper
  // bound, where both tables' watermarks now stand, or they would be older than the watermark from the start
  await untilMysqlClockPasses(harness, 2, [...windowUppers(backfill).values()]);
  writer = await openWriter(harness);
  await writer.beginTransaction();
  // stamped 2 s ago: older than the coming run's upper bound (now - 1 s), but not committed yet
  await writer.query(
    "UPDATE books SET title = CONCAT(LEFT(title, 400), ' (late)'), updated_at = NOW(6) - INTERVAL 2 SECOND WHERE book_id BETWEEN 1 AND 6",
  );
  await writer.query(
    "UPDATE book_reviews SET review_text = 'late', updated_at = NOW(6) - INTERVAL 2 SECOND WHERE review_id BETWEEN 1 AND 4",
  );
  // committed rows stamped after them move the coming run's watermark past the late rows (keys apart from the
  // late ones: InnoDB's next-key lock on a range also covers the key after it)
  await harness.sql(
    "UPDATE books SET title = CONCAT(LEFT(title, 400), ' (on time)'), updated_at = NOW(6) - INTERVAL 1.5 SECOND WHERE book_id BETWEEN 10 AND 12",
  );
  await harness.sql(
    "UPDATE book_reviews SET review_text = 'on time', updated_at = NOW(6) - INTERVAL 1.5 SECOND WHERE review_id BETWEEN 10 AND 13",
  );
  const run = await harness.extractOk();
  expect(run.summaries.map((s) => s.rows)).toEqual([4, 3]);
  await writer.commit();
  await harness.loadAndMerge();
  await harness.waitForCommitLag();
  await harness.extractOk();
  await harness.loadAndMerge();
  await harness.assertEqual('books');
  expect(await differingKeys(harness, 'book_reviews')).toEqual(keys(1, 4));
});
