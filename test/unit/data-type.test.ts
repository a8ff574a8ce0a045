/** Type canonicalisation for plan (reference/snowflake-catalog.md §1 "Type comparison"). */
import { describe, expect, it } from 'vitest';
import { isInPlace } from '../../src/generated/model-diff.js';
import { canonicalType, typeFromShowColumns } from '../../src/plan/data-type.js';
import { nameParts } from '../../src/plan/names.js';
import { identifier, unquoteIdentifier } from '../../src/sql/quote.js';

describe('canonicalType', () => {
  it.each([
    ['NUMBER', 'NUMBER(38,0)'],
    ['number(10)', 'NUMBER(10,0)'],
    ['NUMBER(10,2)', 'NUMBER(10,2)'],
    ['decimal(12, 4)', 'NUMBER(12,4)'],
    ['DEC', 'NUMBER(38,0)'],
    ['NUMERIC(5,1)', 'NUMBER(5,1)'],
    ['INT', 'NUMBER(38,0)'],
    ['integer', 'NUMBER(38,0)'],
    ['BIGINT', 'NUMBER(38,0)'],
    ['SMALLINT', 'NUMBER(38,0)'],
    ['TINYINT', 'NUMBER(38,0)'],
    ['BYTEINT', 'NUMBER(38,0)'],
    ['FLOAT', 'FLOAT'],
    ['FLOAT4', 'FLOAT'],
    ['FLOAT8', 'FLOAT'],
    ['DOUBLE', 'FLOAT'],
    ['double   precision', 'FLOAT'],
    ['REAL', 'FLOAT'],
    ['VARCHAR', 'VARCHAR(16777216)'],
    ['varchar(120)', 'VARCHAR(120)'],
    ['STRING', 'VARCHAR(16777216)'],
    ['TEXT', 'VARCHAR(16777216)'],
    ['NVARCHAR(10)', 'VARCHAR(10)'],
    ['NVARCHAR2(10)', 'VARCHAR(10)'],
    ['VARCHAR2(10)', 'VARCHAR(10)'],
    ['CHAR VARYING(7)', 'VARCHAR(7)'],
    ['NCHAR VARYING', 'VARCHAR(16777216)'],
    ['CHAR', 'VARCHAR(1)'],
    ['CHARACTER(13)', 'VARCHAR(13)'],
    ['NCHAR(2)', 'VARCHAR(2)'],
    ['VARCHAR(134217728)', 'VARCHAR(134217728)'],
    ['BINARY', 'BINARY(8388608)'],
    ['VARBINARY(100)', 'BINARY(100)'],
    ['BINARY(65535)', 'BINARY(65535)'],
    ['TIMESTAMP_NTZ', 'TIMESTAMP_NTZ(9)'],
    ['TIMESTAMP_NTZ(6)', 'TIMESTAMP_NTZ(6)'],
    ['DATETIME', 'TIMESTAMP_NTZ(9)'],
    ['TIMESTAMPNTZ(3)', 'TIMESTAMP_NTZ(3)'],
    ['TIMESTAMP WITHOUT TIME ZONE', 'TIMESTAMP_NTZ(9)'],
    ['TIMESTAMP', 'TIMESTAMP_NTZ(9)'],
    ['TIMESTAMP_LTZ', 'TIMESTAMP_LTZ(9)'],
    ['TIMESTAMPLTZ(6)', 'TIMESTAMP_LTZ(6)'],
    ['TIMESTAMP WITH LOCAL TIME ZONE', 'TIMESTAMP_LTZ(9)'],
    ['TIMESTAMP_TZ(6)', 'TIMESTAMP_TZ(6)'],
    ['TIMESTAMPTZ', 'TIMESTAMP_TZ(9)'],
    ['TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_TZ(9)'],
    ['TIME', 'TIME(9)'],
    ['TIME(3)', 'TIME(3)'],
    ['BOOLEAN', 'BOOLEAN'],
    ['DATE', 'DATE'],
    ['variant', 'VARIANT'],
    ["VARCHAR(10) COLLATE 'en-ci'", "VARCHAR(10) COLLATE 'en-ci'"],
    ["text  collate 'en-ci'", "VARCHAR(16777216) COLLATE 'en-ci'"],
    ['BOOLEAN DEFAULT FALSE', 'BOOLEAN'],
    ['NUMBER(10,0) NOT NULL', 'NUMBER(10,0)'],
    ['varchar(5) null', 'VARCHAR(5)'],
    ["VARCHAR(10) COLLATE 'en-ci' DEFAULT 'x'", "VARCHAR(10) COLLATE 'en-ci'"],
    ['TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP', 'TIMESTAMP_TZ(9)'],
  ])('%s → %s', (written, canonical) => {
    expect(canonicalType(written)).toBe(canonical);
  });

  it('tells apart what Snowflake tells apart', () => {
    expect(canonicalType('VARCHAR(120)')).not.toBe(canonicalType('VARCHAR(200)'));
    expect(canonicalType('NUMBER(10,2)')).not.toBe(canonicalType('NUMBER(12,4)'));
    expect(canonicalType('TIMESTAMP_NTZ(6)')).not.toBe(canonicalType('TIMESTAMP_TZ(6)'));
    expect(canonicalType("VARCHAR(10) COLLATE 'en-ci'")).not.toBe(canonicalType('VARCHAR(10)'));
  });
});

describe('typeFromShowColumns', () => {
  it.each([
    ['{"type":"FIXED","precision":10,"scale":2,"nullable":true}', 'NUMBER(10,2)'],
    ['{"type":"FIXED","precision":38,"scale":0,"nullable":false}', 'NUMBER(38,0)'],
    [
      '{"type":"TEXT","length":16777216,"byteLength":16777216,"nullable":true,"fixed":false}',
      'VARCHAR(16777216)',
    ],
    ['{"type":"TEXT","length":1,"byteLength":4,"nullable":true,"fixed":true}', 'VARCHAR(1)'],
    ['{"type":"REAL","nullable":true}', 'FLOAT'],
    ['{"type":"TIMESTAMP_NTZ","precision":0,"scale":9,"nullable":true}', 'TIMESTAMP_NTZ(9)'],
    ['{"type":"TIMESTAMP_TZ","precision":0,"scale":6,"nullable":true}', 'TIMESTAMP_TZ(6)'],
    ['{"type":"TIMESTAMP_LTZ","precision":0,"scale":9,"nullable":true}', 'TIMESTAMP_LTZ(9)'],
    ['{"type":"TIME","precision":0,"scale":3,"nullable":true}', 'TIME(3)'],
    ['{"type":"BINARY","length":65535,"byteLength":65535,"nullable":true,"fixed":false}', 'BINARY(65535)'],
    ['{"type":"BOOLEAN","nullable":true}', 'BOOLEAN'],
    ['{"type":"DATE","nullable":true}', 'DATE'],
    ['{"type":"VARIANT","nullable":true}', 'VARIANT'],
  ])('%s → %s', (json, canonical) => {
    expect(typeFromShowColumns(json)).toBe(canonical);
  });

  it('matches the canonical form of the type that was declared', () => {
    expect(typeFromShowColumns('{"type":"TEXT","length":16777216}')).toBe(canonicalType('VARCHAR'));
    expect(typeFromShowColumns('{"type":"FIXED","precision":38,"scale":0}')).toBe(canonicalType('INT'));
  });

  it('is undefined for text that is not a data_type document', () => {
    expect(typeFromShowColumns('NUMBER(10,2)')).toBeUndefined();
    expect(typeFromShowColumns('{"precision":10}')).toBeUndefined();
    expect(typeFromShowColumns('null')).toBeUndefined();
  });
});

describe("isInPlace on plan's canonical types (a SHOW COLUMNS data_type against a written type)", () => {
  it.each([
    ['{"type":"TEXT","length":120}', 'VARCHAR(200)', true],
    ['{"type":"TEXT","length":200}', 'varchar(120)', false],
    ['{"type":"TEXT","length":200}', 'STRING', true],
    ['{"type":"FIXED","precision":10,"scale":2}', 'DECIMAL(12,2)', true],
    ['{"type":"FIXED","precision":12,"scale":4}', 'NUMBER(10,2)', false],
    ['{"type":"FIXED","precision":10,"scale":2}', 'NUMBER(12,4)', false],
    ['{"type":"FIXED","precision":10,"scale":0}', 'VARCHAR(10)', false],
    ['{"type":"FIXED","precision":10,"scale":0}', 'BIGINT', true],
    ['{"type":"TIMESTAMP_NTZ","precision":0,"scale":6}', 'TIMESTAMP_NTZ(9)', false],
  ])('%s → %s: %s', (live, written, inPlace) => {
    expect(isInPlace(typeFromShowColumns(live) as string, canonicalType(written))).toBe(inPlace);
  });
});

describe('nameParts (SHOW STREAMS table_name)', () => {
  it.each([
    ['ANALYTICS.BOOKSTORE_RAW.BOOKS', ['ANALYTICS', 'BOOKSTORE_RAW', 'BOOKS']],
    ['Lake.Raw Zone.EveryType', ['Lake', 'Raw Zone', 'EveryType']],
    ['"Lake"."Raw Zone"."EveryType"', ['Lake', 'Raw Zone', 'EveryType']],
    [`"Lake"."Raw Zone"."We'ird""; DROP TABLE y; --"`, ['Lake', 'Raw Zone', `We'ird"; DROP TABLE y; --`]],
    ['"My.DB".S.T', ['My.DB', 'S', 'T']],
    ['T', ['T']],
  ])('%s', (text, parts) => {
    expect(nameParts(text)).toEqual(parts);
  });
});

describe('unquoteIdentifier (names of the rendered view models)', () => {
  it.each(['BOOKS', 'Raw Zone', `We'ird"; DROP TABLE y; --`, '""', 'a"b'])(
    'inverts identifier(%j)',
    (name) => {
      expect(unquoteIdentifier(identifier(name))).toBe(name);
    },
  );

  it('refuses text identifier() cannot have made', () => {
    expect(() => unquoteIdentifier('BOOKS')).toThrow('not a quoted identifier');
    expect(() => unquoteIdentifier('"a"b"')).toThrow('not a quoted identifier');
  });
});
