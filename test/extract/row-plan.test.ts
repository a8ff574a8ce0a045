/**
 * The two ways a row becomes CSV (MySQL-formatted columns, JS-encoded columns) must write identical text for
 * every type and awkward value; files are compared field by field, matched by header name.
 */

import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractAll } from '../../src/extract/extract-all.js';
import { makeRowPlan } from '../../src/extract/row-plan.js';
import type { TableRunResult } from '../../src/extract/run-table.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { readCsvGz } from '../support/csv.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { loadTestModel, pipelineEnv } from '../support/pipeline.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

let db: TestDatabase;
let s3: TestS3;
let model: PipelineModel;
let table: TableModel;

const DDL = `CREATE TABLE every_type (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY, changed_at DATETIME(6) NOT NULL, t_tiny TINYINT, t_bool TINYINT(1),
  t_int_zf INT(5) UNSIGNED ZEROFILL, t_big_u BIGINT UNSIGNED, t_dec DECIMAL(38,10), t_dec_wide DECIMAL(65,30),
  t_float FLOAT, t_double DOUBLE, t_year YEAR, t_bit BIT(12), t_date DATE, t_dt DATETIME, t_ts TIMESTAMP(6) NULL,
  t_time TIME(6), t_char CHAR(5), t_varchar VARCHAR(100), t_text TEXT, t_longtext LONGTEXT,
  t_enum ENUM('a','b"c','d,e','é'), t_set SET('x','y','z'), t_binary BINARY(4), t_varbinary VARBINARY(20),
  t_blob BLOB, t_json JSON, t_point POINT, t_latin1 VARCHAR(20) CHARACTER SET latin1,
  t_utf8mb3 VARCHAR(20) CHARACTER SET utf8mb3, t_ts0 TIMESTAMP NULL, t_dt3 DATETIME(3))
  CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`;

const ROWS = [
  `(1, '2024-01-01 00:00:00', -128, 1, 42, 18446744073709551615, 9999999999999999999999999999.9999999999,
    -12345678901234567890123456789012345.123456789012345678901234567890, 3.14159, 1.7976931348623157e308, 1901,
    b'101010101010', '1000-01-01', '9999-12-31 23:59:59', '2038-01-19 03:14:07.999999', '-838:59:59.000000',
    'ab ', 'quote " comma , newline \n tab \t backslash \\\\ emoji 😀', '', 'long', 'b"c', '', x'00010203',
    x'00', x'', '{"a": [1, "x\\\\"y"], "b": null}', ST_GeomFromText('POINT(1.5 -2)'), 'café "x"', 'naïve',
    '2001-02-03 04:05:06', '2001-02-03 04:05:06.789')`,
  `(2, '2024-01-01 00:00:00', NULL, 0, NULL, 0, 0, 0, -0.5, -1e-300, 2155, b'0', '0000-00-00', '0000-00-00 00:00:00',
    NULL, '25:00:00.5', NULL, NULL, NULL, NULL, 'd,e', 'x,z', NULL, NULL, NULL, NULL, NULL, NULL, '', '0000-00-00 00:00:00', '2024-02-00 00:00:00')`,
  `(3, '2024-01-02 00:00:00.000001', 127, 1, 99999, 1, -0.0000000001, 1, 0, 0, NULL, NULL, '2024-02-00', NULL,
    '1970-01-01 00:00:01', '00:00:00', '', '\\\\N', 'NULL', REPEAT('x', 70000), 'é', 'x,y,z', x'ffffffff',
    x'22222c0a', x'00220a', '"just a string"', ST_GeomFromText('POINT(0 0)'), '', NULL, NULL,
    '1000-01-01 00:00:00')`,
];

beforeAll(async () => {
  db = await createTestDatabase('row_plan');
  s3 = await startTestS3();
  await db.query(DDL);
  await db.query(
    `SET SESSION sql_mode = ''; SET SESSION time_zone = '+05:30'; INSERT INTO every_type VALUES ${ROWS.join(', ')}`,
  );
  model = await loadTestModel('test/fixtures/extract-metadata', pipelineEnv(db, s3));
  const found = model.tables.find((t) => t.name === 'every_type');
  if (!found) throw new Error('every_type');
  table = found;
});

afterAll(async () => {
  await db?.drop();
  await s3?.close();
});

async function extract(serverFormatting: boolean, prefix: string): Promise<Record<string, string | null>[]> {
  const t: TableModel = { ...table, stateKeyPrefix: `${prefix}/state/`, dataKeyPrefix: `${prefix}/data/` };
  const store = new S3ObjectStore(s3.client, s3.bucket);
  const [result] = await extractAll({
    model,
    tables: [t],
    dataStore: store,
    stateStore: store,
    env: {},
    settings: {
      chunkRows: 2,
      targetFileBytes: 1 << 20,
      gzipLevel: 1,
      leaseTtlMs: 30_000,
      owner: 't',
      maxAttempts: 1,
      serverFormatting,
    },
    signal: new AbortController().signal,
  });
  expect(result?.status, (result as TableRunResult).message).toBe('ok');
  const records: Record<string, string | null>[] = [];
  for (const object of await store.list(t.dataKeyPrefix)) {
    const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: object.key }));
    records.push(
      ...readCsvGz(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray())
        .records,
    );
  }
  return records;
}

describe('row plan', () => {
  it('formats most columns in MySQL and leaves floats, TIME, long text, blobs, JSON and ZEROFILL to JS', () => {
    const server = makeRowPlan(table, { serverFormatting: true });
    expect(server.columnOrder.slice(0, 2)).toEqual(['ID', 'CHANGED_AT']);
    const viaJs = ['T_FLOAT', 'T_DOUBLE', 'T_TIME', 'T_LONGTEXT', 'T_BLOB', 'T_JSON', 'T_INT_ZF', 'T_POINT'];
    const viaServer = server.columnOrder.filter((c) => !viaJs.includes(c));
    expect(server.columnOrder).toEqual([
      ...viaServer,
      ...table.columns.map((c) => c.name).filter((c) => viaJs.includes(c)),
    ]);
    expect(server.selectList.startsWith('CONCAT_WS(')).toBe(true);
    expect(makeRowPlan(table, { serverFormatting: false }).columnOrder).toEqual(
      table.columns.map((c) => c.name),
    );
  });

  it('converts only text columns that are not utf8mb4, and formats temporals without DATE_FORMAT', () => {
    const charsets = new Map([
      ['t_varchar', 'utf8mb4'],
      ['t_latin1', 'latin1'],
    ]);
    const { selectList } = makeRowPlan(table, { serverFormatting: true, charsets });
    expect(selectList).toContain("REPLACE(`t_varchar` COLLATE utf8mb4_bin, '\"', '\"\"')");
    expect(selectList).toContain('CONVERT(`t_latin1` USING utf8mb4) COLLATE utf8mb4_bin');
    expect(selectList).toContain('CONVERT(`t_utf8mb3` USING utf8mb4) COLLATE utf8mb4_bin'); // unknown: converted
    expect(selectList).toContain("IF(`t_ts0` = 0, NULL, CONCAT(`t_ts0`, '.000000 +00:00'))");
    expect(selectList).toContain(
      "IF(MONTH(`t_dt3`) = 0 OR DAYOFMONTH(`t_dt3`) = 0, NULL, CONCAT(`t_dt3`, '000'))",
    );
    expect(selectList).not.toMatch(/DATE_FORMAT|AS CHAR\)/);
  });

  it('writes exactly the same text both ways, for every type and awkward value', async () => {
    const viaServer = await extract(true, 'server');
    const viaJs = await extract(false, 'js');
    expect(viaServer.length).toBe(3);
    expect(viaServer).toEqual(viaJs);
    const byId = Object.fromEntries(viaServer.map((r) => [r.ID, r]));
    expect(byId['1']?.T_VARCHAR).toBe('quote " comma , newline \n tab \t backslash \\ emoji 😀');
    expect(byId['1']?.T_TS).toBe('2038-01-18 21:44:07.999999 +00:00');
    expect(byId['1']?.T_BINARY).toBe('AAECAw==');
    expect(byId['1']?.T_BIT).toBe('2730');
    expect(byId['2']?.T_DATE).toBeNull(); // zero date, zero_date: as_null
    expect(byId['2']?.T_SET).toBe('x,z');
    expect(byId['3']?.T_VARCHAR).toBe('\\N');
    expect(byId['3']?.T_CHAR).toBe('');
    expect(byId['3']?.T_LONGTEXT).toHaveLength(70_000);
    expect(byId['1']?.T_POINT).toBe('POINT(1.5 -2)');
    expect(byId['1']?.T_LATIN1).toBe('café "x"');
    expect(byId['1']?.T_UTF8MB3).toBe('naïve');
    expect(byId['1']?.T_TS0).toBe('2001-02-02 22:35:06.000000 +00:00'); // written at +05:30
    expect(byId['1']?.T_DT3).toBe('2001-02-03 04:05:06.789000');
    expect(byId['2']?.T_UTF8MB3).toBe('');
    expect(byId['2']?.T_TS0).toBeNull(); // zero TIMESTAMP
    expect(byId['2']?.T_DT3).toBeNull(); // partial zero date
  });
});
