/**
 * Issue 5, scenario 7: every awkward value through extract → CSV → load → generated MERGE: NULL next to '',
 * quotes, commas, newlines, backslashes, tabs, emoji, DECIMAL(38,10) and DECIMAL(65,30) extremes, BIGINT
 * UNSIGNED max (also as the key), DOUBLE/FLOAT ends, DATETIME(6), TIMESTAMP written under several session time
 * zones, TIME beyond a day, binary with 0x00, JSON (a JSON null document too), ENUM/SET, zero dates under both
 * policies, and rows whose cursor is NULL. Metadata: test/e2e/metadata/.
 */
import mysql, { type Connection } from 'mysql2/promise';
import { afterEach, expect, it } from 'vitest';
import { qualified } from '../../src/sql/quote.js';
import { E2E_METADATA, E2eHarness } from './harness.js';

let harness: E2eHarness | undefined;
let session: Connection | undefined;

afterEach(async () => {
  await session?.end();
  session = undefined;
  await harness?.close();
  harness = undefined;
});

const DDL = `CREATE TABLE awkward (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  label VARCHAR(200) NULL,
  note TEXT NULL,
  code CHAR(5) NULL,
  amount DECIMAL(38,10) NULL,
  wide DECIMAL(65,30) NULL,
  big BIGINT UNSIGNED NULL,
  tiny TINYINT NULL,
  flag TINYINT(1) NULL,
  flag_kept TINYINT(1) NULL,
  ratio DOUBLE NULL,
  approx FLOAT NULL,
  yr YEAR NULL,
  bits BIT(10) NULL,
  bit1 BIT(1) NULL,
  day DATE NULL,
  moment DATETIME(6) NULL,
  moment0 DATETIME NULL,
  stamp TIMESTAMP(6) NULL DEFAULT NULL,
  stamp_ntz TIMESTAMP(6) NULL DEFAULT NULL,
  span TIME(6) NULL,
  clock TIME(3) NULL,
  bin BINARY(4) NULL,
  varbin VARBINARY(64) NULL,
  blob_col BLOB NULL,
  doc JSON NULL,
  doc_text JSON NULL,
  kind ENUM('a','b''c','d,e','é€') NULL,
  tags SET('x','y','z') NULL,
  updated_at TIMESTAMP(6) NULL DEFAULT NULL,
  KEY awkward_cursor (updated_at, id)
) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;

type Values = Record<string, unknown>;

const MAX_ID = '18446744073709551615';
const JSON_DOC =
  '{"quote": "She said \\"hi\\"", "path": "C:\\\\tmp", "emoji": "😀", "nested": {"a": [1, 2.5, -3e10, true, null]}}';

const DUPLICATE_KEYS_DOC = '{"a": 1, "b": {"c": [1, 2]}, "a": {"last": true}}';

/** Rows by id; unlisted columns are NULL, and updated_at is NOW(6) unless given. */
const ROWS: readonly [string, Values][] = [
  ['1', {}],
  [
    '2',
    { label: '', note: '', code: '', varbin: Buffer.alloc(0), blob_col: Buffer.alloc(0), doc: '""', bin: '' },
  ],
  ['3', { label: 'NULL', note: '\\N', code: 'null', doc_text: '"NULL"' }],
  ['4', { label: '"quoted", with comma', note: 'she said ""hi""', code: '","' }],
  ['5', { label: 'a\nb', note: 'crlf\r\nlone cr\r end\n', code: '\n' }],
  ['6', { label: 'C:\\path\\', note: 'tab\there\t', code: '\\\t' }],
  ['7', { label: '😀🐉👨‍👩‍👧‍👦', note: 'Zoë ☕ 百年孤独 مرحبا', code: '😀😀😀😀😀' }],
  ['8', { label: '  padded  ', note: ' ', code: ' a' }],
  [
    MAX_ID,
    {
      label: 'maxima',
      amount: '9999999999999999999999999999.9999999999',
      wide: '99999999999999999999999999999999999.999999999999999999999999999999',
      big: MAX_ID,
      tiny: 127,
      flag: 1,
      flag_kept: 1,
      ratio: 1.7976931348623157e308,
      approx: 3.4028234663852886e38,
      yr: 2155,
      bits: 1023,
      bit1: 1,
    },
  ],
  [
    '18446744073709551614',
    {
      label: 'minima',
      amount: '-9999999999999999999999999999.9999999999',
      wide: '-99999999999999999999999999999999999.999999999999999999999999999999',
      big: '0',
      tiny: -128,
      flag: 0,
      flag_kept: 0,
      ratio: -2.2250738585072014e-308,
      approx: -1.1754943508222875e-38,
      yr: 1901,
      bits: 0,
      bit1: 0,
    },
  ],
  [
    '11',
    {
      label: 'tiny',
      amount: '0.0000000001',
      wide: '-0.000000000000000000000000000001',
      ratio: 5e-324,
      approx: 0.1,
      yr: 0,
      flag: 2,
      flag_kept: 127,
    },
  ],
  [
    '12',
    {
      day: '1000-01-01',
      moment: '1000-01-01 00:00:00.000000',
      moment0: '9999-12-31 23:59:59',
      // written under +09:00: the TIMESTAMP range ends in UTC
      stamp: '1970-01-01 09:00:01.000000',
      stamp_ntz: '2038-01-19 12:14:07.999999',
      span: '-838:59:59.000000',
      clock: '23:59:59.999',
    },
  ],
  [
    '13',
    {
      day: '9999-12-31',
      moment: '9999-12-31 23:59:59.999999',
      moment0: '2024-02-29 12:00:00',
      stamp: '2024-06-01 12:00:00.123456',
      stamp_ntz: '2024-06-01 12:00:00.123456',
      span: '838:59:59.000000',
      clock: '00:00:00.001',
    },
  ],
  ['14', { span: '-00:00:00.000001', moment: '2024-01-01 00:00:00.000001', clock: '12:00:00.000' }],
  ['15', { day: '0000-00-00', moment: '0000-00-00 00:00:00.000000', stamp: '0000-00-00 00:00:00' }],
  ['16', { day: '2024-00-15', moment: '2024-01-00 10:00:00.000000', moment0: '2024-00-00 00:00:00' }],
  ['17', { bin: Buffer.from([0, 0, 0, 0]), varbin: Buffer.from([0, 255, 0]), blob_col: allBytes() }],
  ['18', { bin: Buffer.from([255, 255, 255, 255]), varbin: Buffer.from('\\N'), blob_col: zeroHeavy() }],
  ['19', { doc: JSON_DOC, doc_text: JSON_DOC }],
  ['20', { doc: 'null', doc_text: '"text"' }],
  ['21', { doc: '[1, "two", {"three": 3}]', doc_text: '12345678901234567890' }],
  ['22', { kind: "b'c", tags: '' }],
  ['23', { kind: 'd,e', tags: 'x,y,z' }],
  ['24', { kind: 'é€', tags: 'z' }],
  ['25', { kind: 'a', tags: 'x,z' }],
  ['26', { label: 'no cursor 1', updated_at: null }],
  ['27', { label: 'no cursor 2', updated_at: null }],
  ['28', { label: 'no cursor 3', updated_at: null }],
  // MariaDB keeps JSON as text, duplicate keys included; MySQL keeps the last value, and so must the MERGE
  ['30', { doc: DUPLICATE_KEYS_DOC }],
];

function allBytes(): Buffer {
  return Buffer.from(Array.from({ length: 256 }, (_, i) => i));
}

function zeroHeavy(): Buffer {
  return Buffer.from(Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? 0 : (i * 37) % 256)));
}

/** A session like an application's: its own time zone, and sql_mode allowing zero dates. */
async function openSession(h: E2eHarness, timeZone: string): Promise<Connection> {
  const connection = await mysql.createConnection({
    ...h.db.target,
    database: h.db.database,
    charset: 'UTF8MB4_BIN',
    supportBigNumbers: true,
  });
  await connection.query("SET sql_mode = '', time_zone = ?", [timeZone]);
  return connection;
}

async function setTimeZone(connection: Connection, timeZone: string): Promise<void> {
  await connection.query('SET time_zone = ?', [timeZone]);
}

async function insertRows(connection: Connection, rows: readonly [string, Values][]): Promise<void> {
  for (const [id, values] of rows) {
    const assigned = { updated_at: mysql.raw('NOW(6)'), ...values, id };
    await connection.query('INSERT INTO awkward SET ?', [assigned]);
  }
}

it('every awkward value and type arrives unchanged, across session time zones and zero-date policies', async () => {
  harness = await E2eHarness.start({ label: 'awkward', metadata: E2E_METADATA, fixtures: [] });
  await harness.sql(DDL);
  session = await openSession(harness, '+09:00');
  await insertRows(session, ROWS);
  await harness.round({ tables: ['awkward'] });
  // the stored text really has the key twice, and the target holds the last value (round() compared the rest)
  const [stored] = (await session.query(
    'SELECT CAST(doc AS CHAR) AS doc FROM awkward WHERE id = 30',
  )) as unknown as [{ doc: string }[]];
  expect(stored[0]?.doc.match(/"a"/g)).toHaveLength(2);
  const [merged] = await harness.warehouse.rows(
    `SELECT CAST("DOC" AS VARCHAR) AS doc FROM ${qualified(harness.table('awkward').targetTable)} WHERE "ID" = 30`,
  );
  expect(JSON.parse(String(merged?.doc))).toEqual({ a: { last: true }, b: { c: [1, 2] } });

  // round 2, in another zone: NULL and '' swap, TIMESTAMPs move, NULL cursors stay NULL or get one
  await setTimeZone(session, '-05:00');
  await session.query("UPDATE awkward SET label = '', note = '', updated_at = NOW(6) WHERE id = 1");
  await session.query(
    'UPDATE awkward SET label = NULL, note = NULL, doc = NULL, updated_at = NOW(6) WHERE id = 2',
  );
  await session.query(
    "UPDATE awkward SET stamp = '2024-11-03 01:30:00.000001', stamp_ntz = stamp, updated_at = NOW(6) WHERE id = 12",
  );
  await session.query("UPDATE awkward SET label = 'no cursor, changed' WHERE id = 26");
  await session.query("UPDATE awkward SET label = 'dated now', updated_at = NOW(6) WHERE id = 27");
  await insertRows(session, [['29', { label: 'written at -05:00', stamp: '2024-06-01 12:00:00.123456' }]]);
  await harness.round({ tables: ['awkward'] });

  // round 3, in UTC: extremes change sign, the key at BIGINT UNSIGNED max changes too
  await setTimeZone(session, '+00:00');
  await session.query(
    `UPDATE awkward SET amount = -amount, wide = -wide, ratio = -ratio, approx = -approx, label = CONCAT(label, ' 🔁'),
       updated_at = NOW(6) WHERE id IN (?, ?)`,
    [MAX_ID, '18446744073709551614'],
  );
  await harness.round({ tables: ['awkward'] });
  expect(await harness.targetCount('awkward')).toBe(ROWS.length + 1);

  // zero_date: fail stops that table with a message naming the column; fixed data then flows
  const strict = await harness.extract({ tables: ['awkward_strict'] });
  expect(strict.code).toBe(1);
  expect(strict.summaries[0]?.status).toBe('failed');
  expect(strict.summaries[0]?.detail).toMatch(/awkward_strict\.(day|moment): zero or partial date/);
  await session.query(
    `UPDATE awkward SET day = IF(MONTH(day) = 0 OR DAYOFMONTH(day) = 0, NULL, day),
       moment = IF(MONTH(moment) = 0 OR DAYOFMONTH(moment) = 0, NULL, moment), updated_at = NOW(6)
     WHERE id IN (15, 16)`,
  );
  await harness.round({ tables: ['awkward', 'awkward_strict'] });
});

it('the comparison is not blind: NULL for a value, one microsecond, one 1e-10 and NULL for an empty string all show', async () => {
  harness = await E2eHarness.start({ label: 'awkward_probe', metadata: E2E_METADATA, fixtures: [] });
  await harness.sql(DDL);
  session = await openSession(harness, '+00:00');
  await insertRows(session, ROWS);
  await harness.round({ tables: ['awkward'] });
  const target = qualified(harness.table('awkward').targetTable);
  const nonKey = harness
    .table('awkward')
    .columns.filter((c) => c.name !== 'ID')
    .map((c) => `"${c.name}" = NULL`);
  await harness.warehouse.rows(`UPDATE ${target} SET ${nonKey.join(', ')} WHERE "ID" = 13`);
  await harness.warehouse.rows(`UPDATE ${target} SET "LABEL" = NULL WHERE "ID" = 2`);
  await harness.warehouse.rows(
    `UPDATE ${target} SET "AMOUNT" = "AMOUNT" - 0.0000000001, "RATIO" = -"RATIO" WHERE "ID" = 18446744073709551615`,
  );
  await harness.warehouse.rows(
    `UPDATE ${target} SET "STAMP" = "STAMP" + INTERVAL 1 MICROSECOND WHERE "ID" = 12`,
  );
  const differences = (await harness.compare('awkward')).map((d) => `${d.key} ${d.column}`);
  expect(differences).toEqual(
    expect.arrayContaining([
      '["2"] LABEL',
      '["12"] STAMP',
      `["${MAX_ID}"] AMOUNT`,
      `["${MAX_ID}"] RATIO`,
      '["13"] DAY',
      '["13"] MOMENT',
      '["13"] MOMENT0',
      '["13"] STAMP',
      '["13"] STAMP_NTZ',
      '["13"] SPAN',
      '["13"] CLOCK',
      '["13"] UPDATED_AT',
    ]),
  );
  // row 13 has values only in its temporal columns and the cursor
  expect(differences).toHaveLength(12);
});
