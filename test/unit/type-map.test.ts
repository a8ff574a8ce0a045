import { describe, expect, it } from 'vitest';
import { parseMysqlType } from '../../src/model/mysql-type.js';
import {
  applyOverride,
  defaultMapping,
  type MappedType,
  overrideUnmapped,
} from '../../src/model/type-map.js';
import type { ColumnModel, Encoding, MysqlType } from '../../src/model/types.js';
import { convertExpression, FORMATS } from '../../src/render/conversions.js';
import { identifier } from '../../src/sql/quote.js';

const RAW = 'VARCHAR';
const RAW_LARGE = 'VARCHAR(134217728)';

function parsed(text: string): MysqlType {
  const result = parseMysqlType(text);
  if ('error' in result) throw new Error(result.error);
  return result;
}

function mapping(text: string): MappedType {
  const result = defaultMapping(parsed(text));
  if ('error' in result) throw new Error(result.error);
  return result;
}

function override(text: string, snowflakeType: string): MappedType | { error: string } {
  return applyOverride(parsed(text), mapping(text), snowflakeType);
}

function mysqlType(base: string, values: readonly string[]): MysqlType {
  return { base, text: `${base.toLowerCase()}(...)`, args: [], unsigned: false, values };
}

interface Row {
  readonly type: string;
  readonly snowflakeType: string;
  readonly encoding: Encoding;
  readonly rawType?: string;
  readonly fsp?: number;
}

function expectRow({ type, snowflakeType, encoding, rawType = RAW, fsp = 0 }: Row): void {
  expect(defaultMapping(parsed(type))).toEqual({ snowflakeType, encoding, rawType, fsp });
}

/** Digits of the widest value in [min, max], computed independently of the mapping table. */
function digits(min: bigint, max: bigint): number {
  const abs = (v: bigint) => (v < 0n ? -v : v);
  return Math.max(abs(min).toString().length, abs(max).toString().length);
}

describe('defaultMapping: integers (NUMBER wide enough for the MySQL range)', () => {
  const ranges: { type: string; min: bigint; max: bigint }[] = [
    { type: 'tinyint', min: -128n, max: 127n },
    { type: 'tinyint unsigned', min: 0n, max: 255n },
    { type: 'tinyint(1)', min: -128n, max: 127n },
    { type: 'bool', min: -128n, max: 127n },
    { type: 'smallint', min: -32768n, max: 32767n },
    { type: 'smallint unsigned', min: 0n, max: 65535n },
    { type: 'mediumint', min: -8388608n, max: 8388607n },
    { type: 'mediumint unsigned', min: 0n, max: 16777215n },
    { type: 'int', min: -2147483648n, max: 2147483647n },
    { type: 'int(11)', min: -2147483648n, max: 2147483647n },
    { type: 'integer unsigned', min: 0n, max: 4294967295n },
    { type: 'int(10) unsigned zerofill', min: 0n, max: 4294967295n },
    { type: 'bigint', min: -9223372036854775808n, max: 9223372036854775807n },
    { type: 'bigint unsigned', min: 0n, max: 18446744073709551615n },
    { type: 'bigint(20) unsigned', min: 0n, max: 18446744073709551615n },
  ];

  it.each(ranges)('$type', ({ type, min, max }) => {
    expectRow({ type, snowflakeType: `NUMBER(${digits(min, max)},0)`, encoding: 'integer' });
  });

  it.each([
    { type: 'tinyint', snowflakeType: 'NUMBER(3,0)' },
    { type: 'tinyint unsigned', snowflakeType: 'NUMBER(3,0)' },
    { type: 'smallint', snowflakeType: 'NUMBER(5,0)' },
    { type: 'smallint unsigned', snowflakeType: 'NUMBER(5,0)' },
    { type: 'mediumint', snowflakeType: 'NUMBER(7,0)' },
    { type: 'mediumint unsigned', snowflakeType: 'NUMBER(8,0)' },
    { type: 'int', snowflakeType: 'NUMBER(10,0)' },
    { type: 'int unsigned', snowflakeType: 'NUMBER(10,0)' },
    { type: 'bigint', snowflakeType: 'NUMBER(19,0)' },
    { type: 'bigint unsigned', snowflakeType: 'NUMBER(20,0)' },
  ])('$type is exactly $snowflakeType', ({ type, snowflakeType }) => {
    expectRow({ type, snowflakeType, encoding: 'integer' });
  });

  // Fixed (was a bug): see mysql-type.test.ts, 'zerofill implies unsigned': 'bigint zerofill' maps to NUMBER(19,0) although
  // MySQL makes it BIGINT UNSIGNED (max 18446744073709551615, 20 digits), so large values cannot load.
  it('bigint zerofill (implicitly unsigned) → NUMBER(20,0)', () => {
    expectRow({ type: 'bigint zerofill', snowflakeType: 'NUMBER(20,0)', encoding: 'integer' });
  });
});

describe('defaultMapping: DECIMAL, FLOAT, YEAR, BIT', () => {
  const rows: Row[] = [
    { type: 'decimal', snowflakeType: 'NUMBER(10,0)', encoding: 'decimal' },
    { type: 'decimal(10)', snowflakeType: 'NUMBER(10,0)', encoding: 'decimal' },
    { type: 'decimal(10,2)', snowflakeType: 'NUMBER(10,2)', encoding: 'decimal' },
    { type: 'decimal(10,2) unsigned', snowflakeType: 'NUMBER(10,2)', encoding: 'decimal' },
    { type: 'numeric(12,4)', snowflakeType: 'NUMBER(12,4)', encoding: 'decimal' },
    { type: 'decimal(38,0)', snowflakeType: 'NUMBER(38,0)', encoding: 'decimal' },
    { type: 'decimal(38,30)', snowflakeType: 'NUMBER(38,30)', encoding: 'decimal' },
    // p > 38: text, wide enough for sign + 65 digits + point
    { type: 'decimal(39,0)', snowflakeType: 'VARCHAR(67)', encoding: 'decimal' },
    { type: 'decimal(65,0)', snowflakeType: 'VARCHAR(67)', encoding: 'decimal' },
    { type: 'decimal(65,30)', snowflakeType: 'VARCHAR(67)', encoding: 'decimal' },
    { type: 'float', snowflakeType: 'FLOAT', encoding: 'float' },
    { type: 'float(7,4)', snowflakeType: 'FLOAT', encoding: 'float' },
    { type: 'double', snowflakeType: 'FLOAT', encoding: 'float' },
    { type: 'double precision', snowflakeType: 'FLOAT', encoding: 'float' },
    { type: 'real', snowflakeType: 'FLOAT', encoding: 'float' },
    { type: 'year', snowflakeType: 'NUMBER(4,0)', encoding: 'integer' },
    { type: 'year(4)', snowflakeType: 'NUMBER(4,0)', encoding: 'integer' },
  ];
  it.each(rows)('$type → $snowflakeType', (row) => expectRow(row));

  it('VARCHAR(67) holds the longest DECIMAL(65,30) text', () => {
    const longest = `-${'9'.repeat(35)}.${'9'.repeat(30)}`;
    expect(longest).toHaveLength(67);
  });

  const bits: { type: string; width: number; snowflakeType: string }[] = [
    { type: 'bit', width: 1, snowflakeType: 'NUMBER(1,0)' },
    { type: 'bit(1)', width: 1, snowflakeType: 'NUMBER(1,0)' },
    { type: 'bit(3)', width: 3, snowflakeType: 'NUMBER(1,0)' },
    { type: 'bit(4)', width: 4, snowflakeType: 'NUMBER(2,0)' },
    { type: 'bit(8)', width: 8, snowflakeType: 'NUMBER(3,0)' },
    { type: 'bit(12)', width: 12, snowflakeType: 'NUMBER(4,0)' },
    { type: 'bit(63)', width: 63, snowflakeType: 'NUMBER(19,0)' },
    { type: 'bit(64)', width: 64, snowflakeType: 'NUMBER(20,0)' },
  ];
  it.each(bits)('$type → $snowflakeType (digits of 2^n − 1)', ({ type, width, snowflakeType }) => {
    expect(snowflakeType).toBe(`NUMBER(${digits(0n, 2n ** BigInt(width) - 1n)},0)`);
    expectRow({ type, snowflakeType, encoding: 'bit' });
  });
});

describe('defaultMapping: dates and times', () => {
  const rows: Row[] = [
    { type: 'date', snowflakeType: 'DATE', encoding: 'date' },
    { type: 'datetime', snowflakeType: 'TIMESTAMP_NTZ(0)', encoding: 'datetime', fsp: 0 },
    { type: 'datetime(3)', snowflakeType: 'TIMESTAMP_NTZ(3)', encoding: 'datetime', fsp: 3 },
    { type: 'datetime(6)', snowflakeType: 'TIMESTAMP_NTZ(6)', encoding: 'datetime', fsp: 6 },
    { type: 'timestamp', snowflakeType: 'TIMESTAMP_TZ(0)', encoding: 'timestamp_utc', fsp: 0 },
    { type: 'timestamp(3)', snowflakeType: 'TIMESTAMP_TZ(3)', encoding: 'timestamp_utc', fsp: 3 },
    { type: 'timestamp(6)', snowflakeType: 'TIMESTAMP_TZ(6)', encoding: 'timestamp_utc', fsp: 6 },
    // TIME is a duration up to ±838:59:59 = ±3020399 s (7 digits) plus fsp fraction digits
    { type: 'time', snowflakeType: 'NUMBER(7,0)', encoding: 'time_seconds', fsp: 0 },
    { type: 'time(1)', snowflakeType: 'NUMBER(8,1)', encoding: 'time_seconds', fsp: 1 },
    { type: 'time(3)', snowflakeType: 'NUMBER(10,3)', encoding: 'time_seconds', fsp: 3 },
    { type: 'time(6)', snowflakeType: 'NUMBER(13,6)', encoding: 'time_seconds', fsp: 6 },
  ];
  it.each(rows)('$type → $snowflakeType', (row) => expectRow(row));

  it('7 integer digits hold the widest MySQL TIME', () => {
    expect(String(838 * 3600 + 59 * 60 + 59)).toHaveLength(7);
  });
});

describe('defaultMapping: character types', () => {
  const rows: Row[] = [
    { type: 'char', snowflakeType: 'VARCHAR(1)', encoding: 'text' },
    { type: 'char(0)', snowflakeType: 'VARCHAR(1)', encoding: 'text' },
    { type: 'char(1)', snowflakeType: 'VARCHAR(1)', encoding: 'text' },
    { type: 'char(13)', snowflakeType: 'VARCHAR(13)', encoding: 'text' },
    { type: 'character(13)', snowflakeType: 'VARCHAR(13)', encoding: 'text' },
    { type: 'char(255)', snowflakeType: 'VARCHAR(255)', encoding: 'text' },
    { type: 'varchar(1)', snowflakeType: 'VARCHAR(1)', encoding: 'text' },
    { type: 'varchar(255)', snowflakeType: 'VARCHAR(255)', encoding: 'text' },
    { type: 'character varying(20)', snowflakeType: 'VARCHAR(20)', encoding: 'text' },
    { type: 'varchar(65535)', snowflakeType: 'VARCHAR(65535)', encoding: 'text' },
    { type: 'tinytext', snowflakeType: 'VARCHAR(255)', encoding: 'text' },
    { type: 'text', snowflakeType: 'VARCHAR(65535)', encoding: 'text' },
    { type: 'mediumtext', snowflakeType: 'VARCHAR(16777215)', encoding: 'text' },
    { type: 'long varchar', snowflakeType: 'VARCHAR(16777215)', encoding: 'text' },
    { type: 'longtext', snowflakeType: 'VARCHAR(134217728)', encoding: 'text', rawType: RAW_LARGE },
  ];
  it.each(rows)('$type → $snowflakeType (raw $rawType)', (row) => expectRow(row));
});

describe('defaultMapping: ENUM and SET lengths count characters', () => {
  const rows: Row[] = [
    { type: "enum('a','bb','ccc')", snowflakeType: 'VARCHAR(3)', encoding: 'text' },
    { type: "enum('x')", snowflakeType: 'VARCHAR(1)', encoding: 'text' },
    { type: "enum('')", snowflakeType: 'VARCHAR(1)', encoding: 'text' },
    { type: "enum('it''s','no')", snowflakeType: 'VARCHAR(4)', encoding: 'text' },
    { type: "enum('a,b,c','d')", snowflakeType: 'VARCHAR(5)', encoding: 'text' },
    { type: "enum('😀😀','ab')", snowflakeType: 'VARCHAR(2)', encoding: 'text' },
    { type: "enum('naïve','日本語テキスト')", snowflakeType: 'VARCHAR(7)', encoding: 'text' },
    { type: "set('a','bb','ccc')", snowflakeType: 'VARCHAR(8)', encoding: 'text' },
    { type: "set('a')", snowflakeType: 'VARCHAR(1)', encoding: 'text' },
    { type: "set('')", snowflakeType: 'VARCHAR(1)', encoding: 'text' },
    { type: 'set()', snowflakeType: 'VARCHAR(1)', encoding: 'text' },
    { type: "set('😀','é','日本')", snowflakeType: 'VARCHAR(6)', encoding: 'text' },
    { type: "set('read','write','admin')", snowflakeType: 'VARCHAR(16)', encoding: 'text' },
  ];
  it.each(rows)('$type → $snowflakeType', (row) => expectRow(row));

  it.each([
    { values: ['😀'], expected: 1 },
    { values: ['👍🏽'], expected: 2 },
    { values: ['🇺🇸🇩🇪', 'abc'], expected: 4 },
    { values: ['a', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'], expected: 7 },
  ])(
    'ENUM $values: longest member is $expected code points, not UTF-16 units or bytes',
    ({ values, expected }) => {
      const longestUnits = Math.max(...values.map((v) => v.length));
      expect(longestUnits).toBeGreaterThan(expected);
      expect(defaultMapping(mysqlType('ENUM', values))).toMatchObject({
        snowflakeType: `VARCHAR(${expected})`,
      });
    },
  );

  it.each([
    { values: ['😀', '😀😀'], expected: 4 },
    { values: ['é', 'ü', 'ß'], expected: 5 },
    { values: ['𝔘', '', 'x'], expected: 4 },
  ])('SET $values: all members joined by commas is $expected characters', ({ values, expected }) => {
    expect([...values.join(',')]).toHaveLength(expected);
    expect(defaultMapping(mysqlType('SET', values))).toMatchObject({ snowflakeType: `VARCHAR(${expected})` });
  });
});

describe('defaultMapping: binary types', () => {
  /** base64 text of n bytes must fit the raw landing VARCHAR (16,777,216 characters by default). */
  const rawFor = (bytes: number): string => (4 * Math.ceil(bytes / 3) > 16777216 ? RAW_LARGE : RAW);

  const rows: { type: string; bytes: number }[] = [
    { type: 'binary', bytes: 1 },
    { type: 'binary(0)', bytes: 1 },
    { type: 'binary(16)', bytes: 16 },
    { type: 'varbinary(8)', bytes: 8 },
    { type: 'varbinary(65535)', bytes: 65535 },
    { type: 'tinyblob', bytes: 255 },
    { type: 'blob', bytes: 65535 },
    { type: 'mediumblob', bytes: 16777215 },
    { type: 'longblob', bytes: 67108864 },
  ];
  it.each(rows)('$type → BINARY($bytes)', ({ type, bytes }) => {
    expectRow({ type, snowflakeType: `BINARY(${bytes})`, encoding: 'base64', rawType: rawFor(bytes) });
  });

  it('MEDIUMBLOB and LONGBLOB need the large raw column, BLOB does not', () => {
    expect(mapping('mediumblob').rawType).toBe(RAW_LARGE);
    expect(mapping('longblob').rawType).toBe(RAW_LARGE);
    expect(mapping('blob').rawType).toBe(RAW);
  });
});

describe('defaultMapping: JSON, spatial and unknown', () => {
  it('json → VARIANT with the large raw column', () => {
    expectRow({ type: 'json', snowflakeType: 'VARIANT', encoding: 'json', rawType: RAW_LARGE });
  });

  it.each([
    'geometry',
    'point',
    'linestring',
    'polygon',
    'multipoint',
    'multilinestring',
    'multipolygon',
    'geometrycollection',
  ])('%s needs an explicit choice, and VARCHAR loads it as WKT text', (type) => {
    expect(defaultMapping(parsed(type))).toEqual({
      error: `MySQL type ${type} needs an explicit choice, expected snowflake_type: VARCHAR (loaded as WKT text)`,
    });
    expect(overrideUnmapped(parsed(type), 'varchar')).toEqual({
      snowflakeType: 'VARCHAR',
      encoding: 'wkt',
      rawType: 'VARCHAR(134217728)',
      fsp: 0,
    });
    expect(overrideUnmapped(parsed(type), 'GEOGRAPHY')).toBeUndefined();
  });

  it.each(['foo', 'nchar(10)', 'serial', 'money', 'uuid'])('%s is unknown', (type) => {
    const result = defaultMapping(parsed(type));
    expect(result).toEqual({
      error: `unknown MySQL type "${type}", expected a MySQL column type (int, decimal(p,s), varchar(n), datetime(6), json, ...)`,
    });
  });
});

describe('defaultMapping: invariants over every supported type', () => {
  const supported = [
    'tinyint',
    'bigint unsigned',
    'decimal(65,30)',
    'double',
    'year',
    'bit(64)',
    'date',
    'datetime(6)',
    'timestamp(6)',
    'time(6)',
    'char(1)',
    'longtext',
    "enum('a')",
    "set('a')",
    'varbinary(8)',
    'longblob',
    'json',
  ];
  it.each(supported)('%s: raw type is one of the two landing types, fsp in 0..6', (type) => {
    const result = mapping(type);
    expect([RAW, RAW_LARGE]).toContain(result.rawType);
    expect(result.fsp).toBeGreaterThanOrEqual(0);
    expect(result.fsp).toBeLessThanOrEqual(6);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Overrides
// ---------------------------------------------------------------------------------------------------------------

describe('applyOverride: accepted', () => {
  const cases: { type: string; override: string; expected: MappedType }[] = [
    {
      type: 'tinyint(1)',
      override: 'BOOLEAN',
      expected: { snowflakeType: 'BOOLEAN', encoding: 'boolean', rawType: RAW, fsp: 0 },
    },
    {
      type: 'tinyint(1)',
      override: ' boolean ',
      expected: { snowflakeType: 'BOOLEAN', encoding: 'boolean', rawType: RAW, fsp: 0 },
    },
    {
      type: 'tinyint(1) unsigned',
      override: 'Boolean',
      expected: { snowflakeType: 'BOOLEAN', encoding: 'boolean', rawType: RAW, fsp: 0 },
    },
    {
      type: 'bool',
      override: 'BOOLEAN',
      expected: { snowflakeType: 'BOOLEAN', encoding: 'boolean', rawType: RAW, fsp: 0 },
    },
    {
      type: 'bit(1)',
      override: 'BOOLEAN',
      expected: { snowflakeType: 'BOOLEAN', encoding: 'boolean', rawType: RAW, fsp: 0 },
    },
    {
      type: 'bit',
      override: 'BOOLEAN',
      expected: { snowflakeType: 'BOOLEAN', encoding: 'boolean', rawType: RAW, fsp: 0 },
    },
    {
      type: 'time',
      override: 'TIME(0)',
      expected: { snowflakeType: 'TIME(0)', encoding: 'time_of_day', rawType: RAW, fsp: 0 },
    },
    {
      type: 'time(3)',
      override: 'time(3)',
      expected: { snowflakeType: 'TIME(3)', encoding: 'time_of_day', rawType: RAW, fsp: 3 },
    },
    {
      type: 'time(6)',
      override: 'TIME( 6 )',
      expected: { snowflakeType: 'TIME(6)', encoding: 'time_of_day', rawType: RAW, fsp: 6 },
    },
    {
      type: 'timestamp(6)',
      override: 'TIMESTAMP_NTZ(6)',
      expected: { snowflakeType: 'TIMESTAMP_NTZ(6)', encoding: 'timestamp_utc', rawType: RAW, fsp: 6 },
    },
    {
      type: 'timestamp(6)',
      override: 'timestamp_ltz(6)',
      expected: { snowflakeType: 'TIMESTAMP_LTZ(6)', encoding: 'timestamp_utc', rawType: RAW, fsp: 6 },
    },
    {
      type: 'timestamp',
      override: 'TIMESTAMP_NTZ(0)',
      expected: { snowflakeType: 'TIMESTAMP_NTZ(0)', encoding: 'timestamp_utc', rawType: RAW, fsp: 0 },
    },
    {
      type: 'decimal(65,30)',
      override: 'NUMBER(38,30)',
      expected: { snowflakeType: 'NUMBER(38,30)', encoding: 'decimal', rawType: RAW, fsp: 0 },
    },
    {
      type: 'decimal(65,30)',
      override: 'number(38, 10)',
      expected: { snowflakeType: 'NUMBER(38,10)', encoding: 'decimal', rawType: RAW, fsp: 0 },
    },
    {
      type: 'decimal(40,0)',
      override: 'NUMBER(38,0)',
      expected: { snowflakeType: 'NUMBER(38,0)', encoding: 'decimal', rawType: RAW, fsp: 0 },
    },
  ];
  it.each(cases)('$type as $override', ({ type, override: wanted, expected }) => {
    expect(override(type, wanted)).toEqual(expected);
  });

  const anyToVarchar = [
    'int',
    'bigint unsigned',
    'decimal(10,2)',
    'decimal(65,30)',
    'double',
    'bit(12)',
    'date',
    'datetime(6)',
    'timestamp(3)',
    'time(3)',
    "enum('a')",
    'longtext',
    'blob',
    'longblob',
    'json',
  ];
  it.each(anyToVarchar)('%s as VARCHAR keeps encoding, raw type and fsp', (type) => {
    const fallback = mapping(type);
    expect(override(type, 'VARCHAR')).toEqual({ ...fallback, snowflakeType: 'VARCHAR' });
    expect(override(type, 'varchar(100)')).toEqual({ ...fallback, snowflakeType: 'VARCHAR(100)' });
    expect(override(type, ' VarChar (16777216) ')).toEqual({
      ...fallback,
      snowflakeType: 'VARCHAR(16777216)',
    });
  });
});

describe('applyOverride: rejected with the allowed list', () => {
  const cases: { type: string; override: string; allowed: string }[] = [
    { type: 'tinyint(2)', override: 'BOOLEAN', allowed: 'VARCHAR' },
    { type: 'tinyint', override: 'BOOLEAN', allowed: 'VARCHAR' },
    { type: 'tinyint(4) unsigned', override: 'BOOLEAN', allowed: 'VARCHAR' },
    { type: 'int(1)', override: 'BOOLEAN', allowed: 'VARCHAR' },
    { type: 'bit(2)', override: 'BOOLEAN', allowed: 'VARCHAR' },
    { type: 'tinyint(1)', override: 'BOOL', allowed: 'BOOLEAN, VARCHAR' },
    { type: 'tinyint(1)', override: 'NUMBER(1,0)', allowed: 'BOOLEAN, VARCHAR' },
    { type: 'time(3)', override: 'TIME(6)', allowed: 'TIME(3), VARCHAR' },
    { type: 'time(3)', override: 'TIME', allowed: 'TIME(3), VARCHAR' },
    { type: 'time', override: 'TIMESTAMP_NTZ(0)', allowed: 'TIME(0), VARCHAR' },
    {
      type: 'timestamp(6)',
      override: 'TIMESTAMP_NTZ(3)',
      allowed: 'TIMESTAMP_NTZ(6), TIMESTAMP_LTZ(6), VARCHAR',
    },
    { type: 'timestamp(6)', override: 'TIMESTAMP', allowed: 'TIMESTAMP_NTZ(6), TIMESTAMP_LTZ(6), VARCHAR' },
    { type: 'datetime(6)', override: 'TIMESTAMP_LTZ(6)', allowed: 'VARCHAR' },
    { type: 'decimal(65,30)', override: 'NUMBER(37,30)', allowed: 'NUMBER(38,s), VARCHAR' },
    { type: 'decimal(65,30)', override: 'NUMBER(38)', allowed: 'NUMBER(38,s), VARCHAR' },
    { type: 'decimal(65,30)', override: 'DECFLOAT', allowed: 'NUMBER(38,s), VARCHAR' },
    { type: 'decimal(10,2)', override: 'NUMBER(38,2)', allowed: 'VARCHAR' },
    { type: 'int', override: 'INT', allowed: 'VARCHAR' },
    { type: 'int', override: 'NUMBER(10,0)', allowed: 'VARCHAR' },
    { type: 'json', override: 'OBJECT', allowed: 'VARCHAR' },
    { type: 'int', override: 'nonsense', allowed: 'VARCHAR' },
    { type: 'int', override: '', allowed: 'VARCHAR' },
    { type: 'int', override: 'VARCHAR(abc)', allowed: 'VARCHAR' },
    { type: 'int', override: 'VARCHAR(10,2)', allowed: 'VARCHAR' },
    { type: 'int', override: 'VARCHAR; DROP TABLE t', allowed: 'VARCHAR' },
    { type: 'int', override: 'VARCHARX', allowed: 'VARCHAR' },
    { type: 'tinyint(1)', override: 'BOOLEANX', allowed: 'BOOLEAN, VARCHAR' },
  ];
  it.each(cases)('$type as $override', ({ type, override: wanted, allowed }) => {
    expect(override(type, wanted)).toEqual({
      error: `found snowflake_type "${wanted}" for ${type}, expected one of: ${allowed}`,
    });
  });

  // Fixed (was a bug): the NUMBER(38,s) override accepts any digits for s (match: /^NUMBER\(38,\d+\)$/), so DECIMAL(65,30) with
  // snowflake_type NUMBER(38,38) or NUMBER(38,99) is accepted and returned as the target type, although Snowflake's
  // maximum scale is 37 (reference §10); the DDL then fails at apply time instead of at validation. Expected an
  // { error } listing NUMBER(38,s); actual { snowflakeType: 'NUMBER(38,38)', ... }.
  it.each(['NUMBER(38,38)', 'NUMBER(38,99)'])('decimal(65,30) as %s is rejected (scale > 37)', (wanted) => {
    expect(override('decimal(65,30)', wanted)).toHaveProperty('error');
  });

  // Fixed (was a bug): the VARCHAR override accepts any length (match: /^VARCHAR(\(\d+\))?$/), including VARCHAR(0) and lengths
  // above Snowflake's 134217728 maximum (reference §10), which fail only when the DDL runs. Expected { error };
  // actual { snowflakeType: 'VARCHAR(0)' } / { snowflakeType: 'VARCHAR(134217729)' }.
  it.each(['VARCHAR(0)', 'VARCHAR(134217729)'])('int as %s is rejected (outside 1..134217728)', (wanted) => {
    expect(override('int', wanted)).toHaveProperty('error');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// convertExpression
// ---------------------------------------------------------------------------------------------------------------

function column(mysql: MysqlType, mapped: MappedType): ColumnModel {
  return {
    source: 'c',
    name: 'C',
    mysqlType: mysql,
    snowflakeType: mapped.snowflakeType,
    rawType: mapped.rawType,
    encoding: mapped.encoding,
    nullable: true,
    fsp: mapped.fsp,
    pointer: '/columns/0',
  };
}

function columnFor(type: string, wanted?: string): ColumnModel {
  const mysql = parsed(type);
  if (wanted === undefined) return column(mysql, mapping(type));
  const result = override(type, wanted);
  if ('error' in result) throw new Error(result.error);
  return column(mysql, result);
}

describe('convertExpression', () => {
  const ref = `r.${identifier('C')}`;

  it('FORMATS match the extractor encodings', () => {
    expect(FORMATS).toEqual({
      date: 'YYYY-MM-DD',
      datetime: 'YYYY-MM-DD HH24:MI:SS.FF6',
      timestampUtc: 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM',
      timeOfDay: 'HH24:MI:SS.FF6',
    });
  });

  const cases: { type: string; override?: string; expected: string }[] = [
    // NUMBER family
    { type: 'int', expected: `TO_NUMBER(${ref}, 10, 0)` },
    { type: 'bigint unsigned', expected: `TO_NUMBER(${ref}, 20, 0)` },
    { type: 'decimal(10,2)', expected: `TO_NUMBER(${ref}, 10, 2)` },
    { type: 'decimal(65,30)', override: 'NUMBER(38,30)', expected: `TO_NUMBER(${ref}, 38, 30)` },
    { type: 'year', expected: `TO_NUMBER(${ref}, 4, 0)` },
    { type: 'bit(12)', expected: `TO_NUMBER(${ref}, 4, 0)` },
    { type: 'time(6)', expected: `TO_NUMBER(${ref}, 13, 6)` },
    // FLOAT
    { type: 'double', expected: `TO_DOUBLE(${ref})` },
    { type: 'float', expected: `TO_DOUBLE(${ref})` },
    // BOOLEAN
    { type: 'tinyint(1)', override: 'BOOLEAN', expected: `TO_BOOLEAN(TO_NUMBER(${ref}, 20, 0))` },
    { type: 'bit(1)', override: 'BOOLEAN', expected: `TO_BOOLEAN(TO_NUMBER(${ref}, 20, 0))` },
    // DATE and timestamps
    { type: 'date', expected: `TO_DATE(${ref}, 'YYYY-MM-DD')` },
    { type: 'datetime(6)', expected: `TO_TIMESTAMP_NTZ(${ref}, 'YYYY-MM-DD HH24:MI:SS.FF6')` },
    { type: 'datetime', expected: `TO_TIMESTAMP_NTZ(${ref}, 'YYYY-MM-DD HH24:MI:SS.FF6')` },
    { type: 'timestamp(6)', expected: `TO_TIMESTAMP_TZ(${ref}, 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM')` },
    {
      type: 'timestamp(6)',
      override: 'TIMESTAMP_NTZ(6)',
      expected: `TO_TIMESTAMP_NTZ(${ref}, 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM')`,
    },
    {
      type: 'timestamp(3)',
      override: 'TIMESTAMP_LTZ(3)',
      expected: `TO_TIMESTAMP_LTZ(${ref}, 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM')`,
    },
    // TIME of day (override only)
    { type: 'time(3)', override: 'TIME(3)', expected: `TO_TIME(${ref}, 'HH24:MI:SS.FF6')` },
    // BINARY
    { type: 'binary(16)', expected: `TO_BINARY(${ref}, 'BASE64')` },
    { type: 'blob', expected: `TO_BINARY(${ref}, 'BASE64')` },
    { type: 'longblob', expected: `TO_BINARY(${ref}, 'BASE64')` },
    // VARIANT
    { type: 'json', expected: `PARSE_JSON(${ref}, 'd')` },
    // VARCHAR: passed through unchanged
    { type: 'char(13)', expected: ref },
    { type: 'varchar(255)', expected: ref },
    { type: 'longtext', expected: ref },
    { type: "enum('a','b')", expected: ref },
    { type: "set('a','b')", expected: ref },
    { type: 'decimal(65,30)', expected: ref },
    { type: 'json', override: 'VARCHAR', expected: ref },
    { type: 'int', override: 'VARCHAR(20)', expected: ref },
  ];
  it.each(cases)('$type as $override', ({ type, override: wanted, expected }) => {
    expect(convertExpression(columnFor(type, wanted), ref)).toBe(expected);
  });

  it('uses the expression it is given verbatim', () => {
    expect(convertExpression(columnFor('int'), 'src."a""b"')).toBe('TO_NUMBER(src."a""b", 10, 0)');
  });

  const base = column(parsed('int'), { snowflakeType: 'X', encoding: 'text', rawType: RAW, fsp: 0 });
  it.each(['GEOGRAPHY', 'GEOMETRY', 'NUMBER', 'NUMBER(38, 2)', 'TIMESTAMP(6)', 'OBJECT', 'ARRAY', 'TIME'])(
    'throws for %s',
    (snowflakeType) => {
      expect(() => convertExpression({ ...base, snowflakeType }, ref)).toThrow(
        `no conversion for Snowflake type ${snowflakeType}`,
      );
    },
  );
});
