/**
 * Cursors and overrides as applications really write them (issue 10), against real MariaDB and s3rver:
 * rows whose cursor lies in the future are counted and warned about every run; a DECIMAL overridden to a narrower
 * NUMBER fails the table with the row's key and column before the file holding the value is uploaded; a row whose
 * cursor was set back to NULL during a run is reported.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractAll } from '../../src/extract/extract-all.js';
import { MysqlSource } from '../../src/extract/mysql-source.js';
import type { ExtractSettings, TableRunResult } from '../../src/extract/run-table.js';
import { extractTable } from '../../src/extract/run-table.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { pipelineEnv, ROOT } from '../support/pipeline.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

let db: TestDatabase;
let s3: TestS3;
let model: PipelineModel;

const settings: ExtractSettings = {
  chunkRows: 2,
  targetFileBytes: 64 * 1024 * 1024,
  gzipLevel: 1,
  leaseTtlMs: 30_000,
  owner: 'test',
  maxAttempts: 1,
};

const TABLE_YAML = `name: events
source_table: events
primary_key: [id]
cursor: { column: updated_at, null_policy: oldest }
commit_lag_seconds: 0
columns:
  - { name: id, type: int, nullable: false }
  - { name: amount, type: "decimal(65,30)", snowflake_type: "NUMBER(38,30)" }
  - { name: updated_at, type: datetime(6) }
`;

const SHIFTS_YAML = `name: shifts
source_table: shifts
primary_key: [id]
cursor: { column: updated_at }
columns:
  - { name: id, type: int, nullable: false }
  - { name: starts, type: time, snowflake_type: "TIME(0)" }
  - { name: label, type: varchar(255), snowflake_type: "VARCHAR(3)" }
  - { name: updated_at, type: datetime(6), nullable: false }
`;

beforeAll(async () => {
  db = await createTestDatabase('cursor_checks');
  s3 = await startTestS3();
  const dir = await mkdtemp(join(tmpdir(), 'snowstage-cursor-checks-'));
  await mkdir(join(dir, 'tables'));
  await writeFile(join(dir, 'pipeline.yaml'), await readFile(`${ROOT}metadata/pipeline.yaml`, 'utf8'));
  await writeFile(join(dir, 'tables', 'events.yaml'), TABLE_YAML);
  await writeFile(join(dir, 'tables', 'shifts.yaml'), SHIFTS_YAML);
  const loaded = await loadPipeline({ dir, env: pipelineEnv(db, s3), cwd: ROOT });
  if (!loaded.model) throw new Error(JSON.stringify(loaded.diagnostics));
  model = loaded.model;
});

afterAll(async () => {
  await db?.drop();
  await s3?.close();
});

/** The `events` metadata over its own MySQL table `name`, with `changes` applied to the model. */
async function eventsTable(name: string, changes: Partial<TableModel> = {}): Promise<TableModel> {
  await db.query(
    `CREATE TABLE ${name} (id INT NOT NULL PRIMARY KEY, amount DECIMAL(65,30) NULL, updated_at DATETIME(6) NULL, KEY cursor_key (updated_at, id))`,
  );
  const base = model.tables.find((t) => t.name === 'events');
  if (!base) throw new Error('events');
  const prefix = (p: string) => p.replace(/events\/$/, `${name}/`);
  return {
    ...base,
    sourceTable: name,
    stateKeyPrefix: prefix(base.stateKeyPrefix),
    dataKeyPrefix: prefix(base.dataKeyPrefix),
    ...changes,
  };
}

async function extract(table: TableModel, more: Partial<ExtractSettings> = {}): Promise<TableRunResult> {
  const store = new S3ObjectStore(s3.client, s3.bucket);
  const [result] = await extractAll({
    model,
    tables: [table],
    dataStore: store,
    stateStore: store,
    env: { MYSQL_PASSWORD: db.target.password },
    settings: { ...settings, ...more },
    signal: new AbortController().signal,
  });
  if (!result) throw new Error('no result');
  return result;
}

async function objects(prefix: string): Promise<number> {
  return (await new S3ObjectStore(s3.client, s3.bucket).list(prefix)).length;
}

describe('rows whose cursor lies in the future', () => {
  it('are counted every run (beyond the lag, at least 60 s) and warned about with the likely causes', async () => {
    // the test session writes in UTC (support/mysql.ts), whatever the server's own zone
    const table = await eventsTable('future_rows', { lookbackSeconds: 0, cursorTimeZone: 'UTC' });
    expect((await extract(table)).backfillComplete).toBe(true); // an empty table: incremental runs from now on
    await db.query(
      `INSERT INTO future_rows VALUES
        (1, 1, UTC_TIMESTAMP(6)),
        (2, 1, UTC_TIMESTAMP(6) + INTERVAL 10 SECOND),
        (3, 1, UTC_TIMESTAMP(6) + INTERVAL 3 HOUR),
        (4, 1, '2038-01-19 03:14:07')`,
    );
    for (const run of [1, 2]) {
      const result = await extract(table);
      expect(result.status, result.message).toBe('ok');
      expect(result.rows).toBe(run === 1 ? 1 : 0);
      expect(result.warnings).toHaveLength(1);
      const [warning] = result.warnings ?? [];
      expect(warning).toMatch(
        /^2 rows of future_rows have updated_at later than \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \(now is /,
      );
      expect(warning).toContain(' UTC, plus 60 seconds)');
      expect(warning).toContain(
        `Likely causes: the application writes updated_at in a time zone ahead of UTC (set cursor.time_zone in ${table.file}), or a client clock ahead of the server's`,
      );
    }
  });

  it('written in the zone cursor.time_zone names are not in the future; without it they are', async () => {
    // Kiritimati is UTC+14: ahead of any server zone but +14 itself
    const [offset] = (await db.query(
      'SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), CONVERT_TZ(UTC_TIMESTAMP(), @@session.time_zone, @@global.time_zone)) AS m',
    )) as { m: number | null }[];
    expect(offset?.m).not.toBe(14 * 60); // the server's own zone is not Kiritimati's
    // after an empty first run, so that the next one is incremental
    const insert = async (table: TableModel) => {
      expect((await extract(table)).backfillComplete).toBe(true);
      await db.query(`INSERT INTO ${table.sourceTable} VALUES (1, 1, UTC_TIMESTAMP(6) + INTERVAL 14 HOUR)`);
    };
    const named = await eventsTable('future_zone', { cursorTimeZone: 'Pacific/Kiritimati' });
    await insert(named);
    const ok = await extract(named);
    expect(ok.status, ok.message).toBe('ok');
    expect(ok.rows).toBe(1);
    expect(ok.warnings).toBeUndefined();
    const unnamed = await eventsTable('future_nozone');
    await insert(unnamed);
    const warned = await extract(unnamed);
    expect(warned.rows).toBe(0);
    expect(warned.warnings?.[0]).toMatch(/^1 rows of future_nozone have updated_at later than/);
  });

  it('are not counted for a numeric cursor', async () => {
    const table = await eventsTable('future_numeric');
    const id = table.columns.find((c) => c.source === 'id');
    if (!id) throw new Error('id');
    await db.query('INSERT INTO future_numeric VALUES (1, 1, UTC_TIMESTAMP(6) + INTERVAL 3 HOUR)');
    const result = await extract({ ...table, cursor: id, nullCursor: 'fail' });
    expect(result.status, result.message).toBe('ok');
    expect(result.warnings).toBeUndefined();
  });
});

describe('a DECIMAL overridden to a narrower NUMBER', () => {
  const wide = `1${'2'.repeat(34)}.5`; // 35 integer digits; NUMBER(38,30) holds 8

  it('fails the table with the key, the column and the fix before the file holding the value is uploaded', async () => {
    const table = await eventsTable('override_wide');
    await db.query(
      `INSERT INTO override_wide VALUES (1, 12345678.25, '2024-05-01 00:00:01'), (2, ${wide}, '2024-05-01 00:00:02'), (3, 1, '2024-05-01 00:00:03')`,
    );
    const result = await extract(table);
    expect(result.status).toBe('failed');
    expect(result.message).toContain(
      `events: column amount of the row with key (2) is ${wide}${'0'.repeat(29)}, which does not fit its Snowflake type NUMBER(38,30) (snowflake_type override of decimal(65,30): at most 8 integer digits): the MERGE would fail on it`,
    );
    expect(result.message).toContain('set a wider snowflake_type for amount');
    expect(await objects(table.dataKeyPrefix)).toBe(0);
    const again = await extract(table);
    expect(again.message).toContain('column amount of the row with key (2)');
    expect(await objects(table.dataKeyPrefix)).toBe(0);
  });

  it('is checked on the JS path too, and values that fit (8 integer digits, negative) pass', async () => {
    const table = await eventsTable('override_fits', { cursorTimeZone: 'UTC' });
    await db.query(
      `INSERT INTO override_fits VALUES (1, -99999999.999999999999999999999999999999, '2024-05-01 00:00:01'), (2, 0.5, '2024-05-01 00:00:02'), (3, NULL, '2024-05-01 00:00:03')`,
    );
    const fits = await extract(table, { serverFormatting: false });
    expect(fits.status, fits.message).toBe('ok');
    expect(fits.rows).toBe(3);
    await db.query('INSERT INTO override_fits VALUES (4, -100000000, UTC_TIMESTAMP(6))');
    const wider = await extract(table, { serverFormatting: false });
    expect(wider.status).toBe('failed');
    expect(wider.message).toContain('column amount of the row with key (4) is -100000000.');
  });
});

describe('a cursor set back to NULL (null_policy: oldest)', () => {
  /**
   * One run whose source runs `meanwhile` (another session: the application) just before the NULL-cursor pass,
   * after the window was read: the real MySQL source, with the application's write put at that moment.
   */
  async function extractWithWrite(table: TableModel, meanwhile: string): Promise<TableRunResult> {
    const store = new S3ObjectStore(s3.client, s3.bucket);
    let written = false;
    const connect = async () => {
      const source = await MysqlSource.connect({ source: model.source, env: {} });
      const streamRows = source.streamRows.bind(source);
      source.streamRows = async (sql, values, onRow, options) => {
        if (!written && / IS NULL AND /.test(sql)) {
          written = true;
          await db.query(meanwhile);
        }
        return streamRows(sql, values, onRow, options);
      };
      return source;
    };
    return extractTable(table, {
      pipeline: model,
      dataStore: store,
      stateStore: store,
      connect,
      settings,
      now: () => new Date(),
      signal: new AbortController().signal,
    });
  }

  it('while a run reads is warned about with the keys; rows NULL all along are not', async () => {
    const table = await eventsTable('nulled', { cursorTimeZone: 'UTC', lookbackSeconds: 0 });
    expect((await extract(table)).backfillComplete).toBe(true);
    await db.query(
      'INSERT INTO nulled VALUES (1, 1, UTC_TIMESTAMP(6)), (2, 1, UTC_TIMESTAMP(6)), (3, 1, UTC_TIMESTAMP(6)), (4, 1, NULL)',
    );
    const result = await extractWithWrite(table, 'UPDATE nulled SET updated_at = NULL WHERE id IN (1, 3)');
    expect(result.status, result.message).toBe('ok');
    expect(result.rows).toBe(3 + 3); // the window's three, then the NULL pass: 1, 3 and 4
    expect(result.warnings).toEqual([
      '2 rows of nulled had updated_at set to NULL while this run read them (keys (1), (3)): the MERGE ranks a NULL cursor below any other, so the target keeps the version with a cursor for good. The cursor must not be set back to NULL (cursor contract); set it to the time of the change instead',
    ]);
  });

  it('a run with NULL-cursor rows and no cursor cleared does not warn', async () => {
    const table = await eventsTable('nulled_not', { cursorTimeZone: 'UTC', lookbackSeconds: 0 });
    expect((await extract(table)).backfillComplete).toBe(true);
    await db.query('INSERT INTO nulled_not VALUES (1, 1, UTC_TIMESTAMP(6)), (2, 1, NULL)');
    const result = await extractWithWrite(table, 'UPDATE nulled_not SET amount = 2 WHERE id = 1');
    expect(result.status, result.message).toBe('ok');
    expect(result.rows).toBe(2);
    expect(result.warnings).toBeUndefined();
  });
});

describe('a TIME overridden to TIME(fsp)', () => {
  it('fails the table on a value outside a day, naming the row key and the column, with no file uploaded', async () => {
    await db.query(
      'CREATE TABLE shifts (id INT NOT NULL PRIMARY KEY, starts TIME NULL, label VARCHAR(255) NULL, updated_at DATETIME(6) NOT NULL, KEY c (updated_at, id)) DEFAULT CHARSET=utf8mb4',
    );
    await db.query(
      "INSERT INTO shifts VALUES (1, '10:00:00', 'é😀a', '2024-05-01 00:00:01'), (2, '25:00:00', NULL, '2024-05-01 00:00:02'), (3, '11:00:00', NULL, '2024-05-01 00:00:03')",
    );
    const table = model.tables.find((t) => t.name === 'shifts');
    if (!table) throw new Error('shifts');
    const result = await extract(table);
    expect(result.status).toBe('failed');
    expect(result.message).toContain(
      "shifts.starts: TIME outside 00:00:00..23:59:59.999999 (Snowflake TIME): '25:00:00' (the row with key (2))",
    );
    expect(await objects(table.dataKeyPrefix)).toBe(0);
  });
});

describe('a column overridden to a shorter VARCHAR(n)', () => {
  it('fails the table on a longer value with key, column and fix; values of n characters (emoji included) pass', async () => {
    const table = model.tables.find((t) => t.name === 'shifts');
    if (!table) throw new Error('shifts');
    const renamed = (prefix: string) => prefix.replace(/shifts\/$/, 'labels/');
    const copy = {
      ...table,
      sourceTable: 'labels',
      dataKeyPrefix: renamed(table.dataKeyPrefix),
      stateKeyPrefix: renamed(table.stateKeyPrefix),
    };
    await db.query('CREATE TABLE labels LIKE shifts');
    await db.query(
      "INSERT INTO labels VALUES (1, '10:00:00', 'é😀a', '2024-05-01 00:00:01'), (2, NULL, 'abcd', '2024-05-01 00:00:02')",
    );
    const result = await extract(copy);
    expect(result.status).toBe('failed');
    expect(result.message).toContain(
      'shifts: column label of the row with key (2) is 4 characters long, longer than its Snowflake type VARCHAR(3) (snowflake_type override of varchar(255)): the MERGE would fail on it',
    );
    expect(result.message).toContain(
      "set a wider snowflake_type for label in the table's metadata (a longer VARCHAR(n), or VARCHAR)",
    );
    expect(await objects(copy.dataKeyPrefix)).toBe(0);
    await db.query("UPDATE labels SET label = 'abc' WHERE id = 2");
    const fixed = await extract(copy);
    expect(fixed.status, fixed.message).toBe('ok');
    expect(fixed.rows).toBe(2);
  });
});
