/**
 * Issue 9, "NULL cursor values in NOT NULL cursor columns": under zero_date: as_null a zero DATETIME in a NOT NULL
 * cursor column arrives as NULL. The MERGE used to add its "a NULL cursor is the oldest" branch only for cursors
 * declared nullable, so no later version of such a row was ever newer and the target kept the zero-date version.
 */
import mysql from 'mysql2/promise';
import { afterEach, it } from 'vitest';
import { E2E_METADATA, E2eHarness } from './harness.js';

let harness: E2eHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const TABLE_YAML = [
  'name: zero_cursor',
  'source_table: zero_cursor',
  'primary_key: [id]',
  'cursor: { column: updated_at }',
  'zero_date: as_null',
  'columns:',
  '  - { name: id, type: int, nullable: false }',
  '  - { name: label, type: varchar(20) }',
  '  - { name: updated_at, type: datetime(6), nullable: false }',
  '',
].join('\n');

it('a row whose NOT NULL cursor held a zero date (NULL under as_null) takes its later versions', async () => {
  harness = await E2eHarness.start({ label: 'zero_cursor', metadata: E2E_METADATA, fixtures: [] });
  await harness.writeMetadata('tables/zero_cursor.yaml', TABLE_YAML);
  await harness.regenerate();
  await harness.sql(
    'CREATE TABLE zero_cursor (id INT NOT NULL PRIMARY KEY, label VARCHAR(20) NULL, updated_at DATETIME(6) NOT NULL)',
  );
  // an application session whose sql_mode allows zero dates, as legacy MySQL applications have
  const session = await mysql.createConnection({ ...harness.db.target, database: harness.db.database });
  try {
    await session.query("SET sql_mode = ''");
    await session.query(
      "INSERT INTO zero_cursor VALUES (1, 'zero', '0000-00-00 00:00:00'), (2, 'dated', NOW(6))",
    );
  } finally {
    await session.end();
  }
  await harness.round({ tables: ['zero_cursor'] });
  // the zero-date version is in the target with a NULL cursor; its next version must replace it
  await harness.sql("UPDATE zero_cursor SET label = 'later', updated_at = NOW(6) WHERE id = 1");
  await harness.round({ tables: ['zero_cursor'] });
});
