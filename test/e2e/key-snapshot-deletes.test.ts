/**
 * Issue 10, "hard deletes without binlog access": books opts into delete_detection. Rows are hard-deleted,
 * re-inserted under their old keys and updated in MySQL between runs; each run takes a key snapshot; Snowpipe's
 * work is done by loading the data files, the key files and the completion marker, and the generated
 * delete-detection task runs unchanged. The live target must equal MySQL after every round.
 * - A marker loaded before its key files (Snowpipe keeps no order) deletes nothing.
 * - A run SIGKILLed after writing the marker but before saving state is completed by the next run.
 * - A run SIGKILLed in the middle of a key snapshot (its first key file stored, no marker yet) deletes nothing;
 *   the next run resumes the same snapshot and completes it.
 * - A key re-inserted during the snapshot, below the key the snapshot had already read, is absent from the
 *   snapshot but survives: its cursor is newer than the snapshot's start.
 */
import { afterEach, expect, it } from 'vitest';
import { qualified } from '../../src/sql/quote.js';
import { E2eHarness } from './harness.js';
import { BookstoreWorkload, Random } from './workload.js';

let harness: E2eHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const KEY_FILE = /\/_keys\/books\/[^/]+\/[^/]+-\d{6}\.csv\.gz$/;

async function liveIds(h: E2eHarness, ids: readonly number[]): Promise<number[]> {
  const table = h.table('books');
  const rows = await h.warehouse.rows(
    `SELECT "BOOK_ID" AS id FROM ${qualified(table.targetTable)}
     WHERE COALESCE("_SNOWSTAGE_DELETED", FALSE) = FALSE AND "BOOK_ID" IN (${ids.join(', ') || 'NULL'})
     ORDER BY 1`,
  );
  return rows.map((r) => Number(r.id));
}

async function hardDelete(h: E2eHarness, ids: readonly number[]): Promise<void> {
  await h.sql('DELETE FROM books WHERE book_id IN (?)', [ids]);
}

/** Inserts a deleted key again, with a new cursor (what an application re-creating a row does). */
async function reinsert(h: E2eHarness, ids: readonly number[]): Promise<void> {
  for (const id of ids) {
    await h.sql(
      `INSERT INTO books (book_id, title, in_print, created_at, updated_at) VALUES (?, ?, 1, NOW(6), NOW(6))`,
      [id, `again ${id}`],
    );
  }
}

it('key snapshots turn hard deletes into tombstones; incomplete or unloaded snapshots delete nothing', async () => {
  const random = new Random(10);
  harness = await E2eHarness.start({ label: 'keysnap', commitLagSeconds: 0, lookbackSeconds: 0 });
  const h = harness;
  await h.editMetadata('tables/books.yaml', (text) => `${text}delete_detection:\n  every_minutes: 60\n`);
  await h.regenerate();
  const workload = new BookstoreWorkload(h.db, random);
  await workload.insertBooks(300);
  const tables = ['books'];
  await h.round({ tables }); // the initial load, then the first key snapshot (none before: it is due)
  expect((await h.pendingKeyFiles('books')).filter((k) => k.endsWith('/complete.csv.gz'))).toHaveLength(1);
  await h.loadKeySnapshots('books');
  await h.detectDeletes('books');
  await h.assertEqual('books');

  // Round 1: hard deletes and updates, a snapshot asked for with --key-snapshot (every_minutes has not passed).
  const deleted1 = random.sample(1, 300, 20);
  await hardDelete(h, deleted1);
  await workload.updateBooks(random.sample(1, 300, 20));
  await h.waitForCommitLag();
  await h.extractOk({ tables, keySnapshot: true });
  await h.loadAndMerge(tables);
  expect(await liveIds(h, deleted1)).toEqual([...deleted1].sort((a, b) => a - b)); // lost deletes, so far
  const pending = await h.pendingKeyFiles('books');
  const marker = pending.filter((k) => k.endsWith('/complete.csv.gz'));
  expect(marker).toHaveLength(1);
  // the marker first, alone: its key files are not loaded, so the snapshot does not count yet
  await h.loadKeySnapshots('books', { keys: marker });
  await h.detectDeletes('books');
  expect(await liveIds(h, deleted1)).toHaveLength(deleted1.length);
  await h.loadKeySnapshots('books');
  await h.detectDeletes('books');
  await h.assertEqual('books');
  // applying the same snapshot again changes nothing
  await h.detectDeletes('books');
  await h.assertEqual('books');

  // Round 2: some deleted keys come back, others go, others change.
  const back = deleted1.slice(0, 8);
  await reinsert(h, back);
  const remaining = (await h.db.query('SELECT book_id FROM books ORDER BY book_id')) as { book_id: number }[];
  const deleted2 = random.sample(0, remaining.length - 1, 15).map((i) => remaining[i]?.book_id as number);
  await hardDelete(h, deleted2);
  await workload.updateBooks(random.sample(1, 300, 20));
  await workload.insertBooks(20);
  await h.waitForCommitLag();
  // killed once its marker is stored, before state records the snapshot as complete: the rerun finds the marker
  // there (uploads are create-only) and completes the snapshot instead of failing on it
  const markerKilled = await h.extract({
    tables,
    keySnapshot: true,
    // killed runs take short leases (the next run waits for them); renewed every second, a 2 s lease was lost
    // on a loaded machine before the kill (test/e2e/crash.test.ts), 3 s leaves two seconds for a late renewal
    leaseTtlSeconds: 3,
    killWhen: ({ kill }) =>
      h.onS3Event((event) => {
        if (event.name.startsWith('ObjectCreated') && event.key.endsWith('/complete.csv.gz')) kill(event.key);
      }),
  });
  expect(markerKilled.signal, markerKilled.stderr).toBe('SIGKILL');
  await h.waitForLeaseExpiry();
  await h.extractOk({ tables });
  await h.loadAndMerge(tables);
  await h.loadKeySnapshots('books');
  await h.detectDeletes('books');
  await h.assertEqual('books');
  const backLive = back.filter((id) => !deleted2.includes(id));
  expect(await liveIds(h, backLive)).toEqual([...backLive].sort((a, b) => a - b));

  // Round 3: a crash in the middle of a key snapshot.
  const left = (await h.db.query('SELECT book_id FROM books ORDER BY book_id')) as { book_id: number }[];
  const deleted3 = random.sample(0, 200, 10).map((i) => left[i]?.book_id as number);
  await hardDelete(h, deleted3);
  await h.waitForCommitLag();
  const killed = await h.extract({
    tables,
    keySnapshot: true,
    // killed runs take short leases (the next run waits for them); renewed every second, a 2 s lease was lost
    // on a loaded machine before the kill (test/e2e/crash.test.ts), 3 s leaves two seconds for a late renewal
    leaseTtlSeconds: 3,
    // once state records the first key file: the snapshot's progress is durable, its marker not written
    killWhen: ({ kill }) => {
      let keyFile: string | undefined;
      return h.onS3Event((event) => {
        if (!event.name.startsWith('ObjectCreated')) return;
        if (KEY_FILE.test(event.key)) keyFile = event.key;
        else if (keyFile && event.key.endsWith('/state.json')) kill(`state saved after ${keyFile}`);
      });
    },
  });
  expect(killed.signal, killed.stderr).toBe('SIGKILL');
  const unfinished = await h.pendingKeyFiles('books');
  expect(unfinished.filter((k) => k.endsWith('/complete.csv.gz'))).toEqual([]);
  expect(unfinished.length).toBeGreaterThan(0);
  await h.loadAndMerge(tables);
  await h.loadKeySnapshots('books');
  await h.detectDeletes('books');
  // nothing deleted: the only complete snapshot is round 2's, which still holds these keys
  expect(await liveIds(h, deleted3)).toHaveLength(deleted3.length);
  // during the snapshot, below the key it had read: a key deleted in round 1 is inserted again
  const during = deleted1.filter((id) => !back.includes(id)).slice(0, 3);
  await reinsert(h, during);
  await h.waitForLeaseExpiry();
  await h.waitForCommitLag();
  const resumed = await h.extractOk({ tables });
  // the rerun finished the snapshot the killed run started (no new one: every_minutes is 60)
  const markers = (await h.pendingKeyFiles('books')).filter((k) => k.endsWith('/complete.csv.gz'));
  expect(markers).toHaveLength(1);
  expect(markers[0]?.split('/').at(-2)).toBe(unfinished[0]?.split('/').at(-2));
  expect(resumed.code).toBe(0);
  expect(resumed.stdout).toContain('"keySnapshot"'); // the summary log line reports it
  // the task runs before the MERGE has the re-inserted rows: it marks their old versions, the MERGE revives them
  await h.loadKeySnapshots('books');
  await h.detectDeletes('books');
  await h.loadAndMerge(tables);
  await h.assertEqual('books');
  // and when the task runs again with the new versions merged, their cursor (newer than the start) keeps them
  await h.detectDeletes('books');
  await h.assertEqual('books');
  expect(await liveIds(h, during)).toEqual([...during].sort((a, b) => a - b));
  expect(await liveIds(h, deleted3)).toEqual([]);
});
