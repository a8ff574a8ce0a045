import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import type { TypeCastField } from 'mysql2';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bitsToDecimal,
  csvHeader,
  EncodeError,
  lossless,
  makeRowEncoder,
  makeValueEncoder,
  parseMysqlTime,
} from '../../src/extract/encode.js';
import { GzipBatcher } from '../../src/extract/gzip-batcher.js';
import type { ColumnModel, Encoding, ZeroDatePolicy } from '../../src/model/types.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';

function column(source: string, encoding: Encoding, fsp = 0): ColumnModel {
  return {
    source,
    name: source.toUpperCase(),
    mysqlType: { base: 'X', text: 'x', args: [], unsigned: false, values: [] },
    snowflakeType: 'VARCHAR',
    rawType: 'VARCHAR',
    encoding,
    nullable: true,
    fsp,
    pointer: `/columns/${source}`,
  };
}

function encoder(encoding: Encoding, options: { fsp?: number; zeroDate?: ZeroDatePolicy } = {}) {
  return makeValueEncoder(column('c', encoding, options.fsp ?? 0), {
    table: 't',
    zeroDate: options.zeroDate ?? 'null',
  });
}

const ALL_ENCODINGS: Encoding[] = [
  'integer',
  'decimal',
  'float',
  'text',
  'json',
  'base64',
  'bit',
  'date',
  'datetime',
  'timestamp_utc',
  'time_seconds',
  'time_of_day',
  'boolean',
];

describe('value encoders', () => {
  it.each(ALL_ENCODINGS)('%s: null and undefined are SQL NULL', (encoding) => {
    expect(encoder(encoding)(null)).toBeNull();
    expect(encoder(encoding)(undefined)).toBeNull();
  });

  it.each(ALL_ENCODINGS.filter((e) => !['float', 'boolean', 'integer'].includes(e)))(
    '%s: a JS Date (a non-lossless connection) is an EncodeError',
    (encoding) => {
      expect(() => encoder(encoding)(new Date(0))).toThrow(EncodeError);
    },
  );

  it('integer: exact text at any width, zero padding removed', () => {
    const e = encoder('integer');
    expect(e('18446744073709551615')).toBe('18446744073709551615');
    expect(e('-9223372036854775808')).toBe('-9223372036854775808');
    expect(e('0')).toBe('0');
    expect(e('0000')).toBe('0'); // YEAR 0000
    expect(e('2024')).toBe('2024');
    expect(e('00042')).toBe('42'); // ZEROFILL
    expect(e(12n)).toBe('12');
    expect(e(-7)).toBe('-7');
    expect(() => e(2 ** 53)).toThrow(EncodeError);
    expect(() => e(1.5)).toThrow(EncodeError);
  });

  it('decimal: MySQL text unchanged, never a number', () => {
    const e = encoder('decimal');
    expect(e('1234567890123456789012345678.1234567890')).toBe('1234567890123456789012345678.1234567890');
    expect(e('-0.0000000001')).toBe('-0.0000000001');
    expect(e('12345678901234567890123456789012345.123456789012345678901234567890')).toBe(
      '12345678901234567890123456789012345.123456789012345678901234567890',
    );
    expect(() => e(0.1)).toThrow(/lossless typeCast/);
  });

  it('float: MySQL text unchanged; specials spelled NaN, inf, -inf', () => {
    const e = encoder('float');
    expect(e('1.7976931348623157e308')).toBe('1.7976931348623157e308');
    expect(e('5e-324')).toBe('5e-324');
    expect(e('-0.00000000015')).toBe('-0.00000000015');
    expect(e('-0')).toBe('-0');
    expect(e('nan')).toBe('NaN');
    expect(e('NaN')).toBe('NaN');
    expect(e('inf')).toBe('inf');
    expect(e('Infinity')).toBe('inf');
    expect(e('-inf')).toBe('-inf');
    expect(e('-Infinity')).toBe('-inf');
    expect(e(Number.NaN)).toBe('NaN');
    expect(e(Number.POSITIVE_INFINITY)).toBe('inf');
    expect(e(Number.NEGATIVE_INFINITY)).toBe('-inf');
    expect(e(0.1)).toBe('0.1');
    expect(() => e('abc')).toThrow(EncodeError);
  });

  it('text and json: unchanged UTF-8; bytes must be valid UTF-8', () => {
    for (const encoding of ['text', 'json'] as const) {
      const e = encoder(encoding);
      const tricky = 'a,b "q" \\ \t\n\r\n 😀 ';
      expect(e(tricky)).toBe(tricky);
      expect(e('')).toBe('');
      expect(e('\\N')).toBe('\\N');
      expect(e(Buffer.from('héllo', 'utf8'))).toBe('héllo');
      expect(() => e(Buffer.from([0xff, 0xfe]))).toThrow(/not valid UTF-8/);
      expect(() => e({ a: 1 })).toThrow(EncodeError);
    }
  });

  it('base64: bytes to standard base64, zero bytes kept; text is refused', () => {
    const e = encoder('base64');
    expect(e(Buffer.from([0, 0xff, 0, 0]))).toBe('AP8AAA==');
    expect(e(Buffer.alloc(0))).toBe('');
    expect(e(Buffer.from([0xfb, 0xff]))).toBe('+/8=');
    expect(() => e('AP8AAA==')).toThrow(EncodeError);
  });

  it('bit: big-endian bytes to unsigned decimal, up to BIT(64)', () => {
    const e = encoder('bit');
    expect(e(Buffer.from([0x0f, 0xff]))).toBe('4095');
    expect(e(Buffer.from([0]))).toBe('0');
    expect(e(Buffer.alloc(8, 0xff))).toBe('18446744073709551615');
    expect(e(Buffer.from([1, 0, 0, 0, 0, 0, 0]))).toBe('281474976710656');
    expect(bitsToDecimal(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe('281474976710655');
    expect(() => e('4095')).toThrow(EncodeError);
  });

  it('boolean: integer text as is; BIT(1) bytes and JS values accepted', () => {
    const e = encoder('boolean');
    expect(e('0')).toBe('0');
    expect(e('1')).toBe('1');
    expect(e('-128')).toBe('-128');
    expect(e(Buffer.from([1]))).toBe('1');
    expect(e(Buffer.from([0]))).toBe('0');
    expect(e(true)).toBe('1');
    expect(e(false)).toBe('0');
    expect(e(5)).toBe('5');
  });

  it('date: YYYY-MM-DD; zero and partial dates follow the policy', () => {
    const e = encoder('date');
    expect(e('2024-02-29')).toBe('2024-02-29');
    expect(e('0000-01-01')).toBe('0000-01-01'); // year 0 with a real month and day is not a zero date
    for (const zero of ['0000-00-00', '2024-00-15', '2024-01-00']) expect(e(zero)).toBeNull();
    const strict = encoder('date', { zeroDate: 'fail' });
    expect(() => strict('2024-00-15')).toThrow(EncodeError);
    expect(() => strict('0000-00-00')).toThrow(
      "t.c: zero or partial date (zero_date policy is fail): '0000-00-00'",
    );
    expect(() => e('2024-1-5')).toThrow(EncodeError);
    expect(() => e('2024-01-05 00:00:00')).toThrow(EncodeError);
  });

  it('datetime: always six fraction digits', () => {
    const e = encoder('datetime');
    expect(e('2024-03-10 12:00:00')).toBe('2024-03-10 12:00:00.000000');
    expect(e('2024-03-10 12:00:00.1')).toBe('2024-03-10 12:00:00.100000');
    expect(e('2024-03-10 12:00:00.123')).toBe('2024-03-10 12:00:00.123000');
    expect(e('9999-12-31 23:59:59.999999')).toBe('9999-12-31 23:59:59.999999');
    expect(e('0000-00-00 00:00:00')).toBeNull();
    expect(e('2024-01-00 10:00:00.000000')).toBeNull();
    expect(() => encoder('datetime', { zeroDate: 'fail' })('0000-00-00 00:00:00.000000')).toThrow(
      EncodeError,
    );
    for (const bad of [
      '2024-03-10',
      '2024-03-10 12:00:00.',
      '2024-03-10 12:00:00.1234567',
      '2024-03-10T12:00:00',
    ]) {
      expect(() => e(bad)).toThrow(EncodeError);
    }
  });

  it('timestamp_utc: six fraction digits and +00:00', () => {
    const e = encoder('timestamp_utc');
    expect(e('2024-03-10 06:30:00.123456')).toBe('2024-03-10 06:30:00.123456 +00:00');
    expect(e('1970-01-01 00:00:01')).toBe('1970-01-01 00:00:01.000000 +00:00');
    expect(e('0000-00-00 00:00:00')).toBeNull();
    expect(() => encoder('timestamp_utc', { zeroDate: 'fail' })('0000-00-00 00:00:00')).toThrow(EncodeError);
  });

  it('time_seconds: signed seconds with the column fsp', () => {
    const e6 = encoder('time_seconds', { fsp: 6 });
    expect(e6('-838:59:59.500000')).toBe('-3020399.500000');
    expect(e6('838:59:59.000000')).toBe('3020399.000000');
    expect(e6('25:00:00.000000')).toBe('90000.000000');
    expect(e6('-00:00:00.500000')).toBe('-0.500000'); // the sign lives on an hour of zero
    expect(e6('00:00:00')).toBe('0.000000');
    const e0 = encoder('time_seconds');
    expect(e0('-838:59:59')).toBe('-3020399');
    expect(e0('-01:02:03')).toBe('-3723');
    expect(e0('12:00:00.000')).toBe('43200');
    expect(() => e0('12:00:00.5')).toThrow(/more than 0 fraction digits/);
    expect(encoder('time_seconds', { fsp: 3 })('01:00:00.5')).toBe('3600.500');
    for (const bad of ['12:00', '12:60:00', 'ab:00:00', '12:00:00x', ''])
      expect(() => e6(bad)).toThrow(EncodeError);
  });

  it('time_of_day: HH:MM:SS.ffffff within one day only', () => {
    const e = encoder('time_of_day', { fsp: 6 });
    expect(e('00:00:00')).toBe('00:00:00.000000');
    expect(e('23:59:59.999999')).toBe('23:59:59.999999');
    expect(e('07:08:09.5')).toBe('07:08:09.500000');
    expect(() => e('24:00:00')).toThrow(/outside 00:00:00/);
    expect(() => e('-00:00:01')).toThrow(/outside 00:00:00/);
    expect(() => e('838:59:59')).toThrow(EncodeError);
  });

  it('parseMysqlTime reads three-digit hours and the sign', () => {
    expect(parseMysqlTime('-838:59:59.500000')).toEqual({
      negative: true,
      hours: 838,
      minutes: 59,
      seconds: 59,
      fraction: '500000',
    });
    expect(parseMysqlTime('1:02:03')).toEqual({
      negative: false,
      hours: 1,
      minutes: 2,
      seconds: 3,
      fraction: '',
    });
  });

  it('EncodeError names table, column and value', () => {
    const e = makeValueEncoder(column('published_on', 'date'), { table: 'books', zeroDate: 'fail' });
    try {
      e('2024-00-15');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EncodeError);
      const err = error as EncodeError;
      expect([err.table, err.column, err.value, err.code]).toEqual([
        'books',
        'published_on',
        "'2024-00-15'",
        'ENCODE_VALUE',
      ]);
      expect(err.message).toContain('books.published_on');
    }
  });
});

describe('CSV lines', () => {
  const columns = [
    column('id', 'integer'),
    column('name', 'text'),
    column('doc', 'json'),
    column('raw', 'base64'),
    column('ts', 'timestamp_utc'),
  ];
  const encode = makeRowEncoder(columns, { table: 't', zeroDate: 'null' });

  it('encloses every non-NULL value, doubles quotes, leaves NULL unenclosed', () => {
    expect(encode(['1', 'say "hi", ok', '{"a":"b"}', Buffer.from([0]), '2024-01-01 00:00:00'])).toBe(
      '"1","say ""hi"", ok","{""a"":""b""}","AA==","2024-01-01 00:00:00.000000 +00:00"\n',
    );
    expect(encode(['2', '', null, null, null])).toBe('"2","",,,\n');
    expect(encode(['3', 'line1\nline2\ttab\\', '""', Buffer.alloc(0), '0000-00-00 00:00:00'])).toBe(
      '"3","line1\nline2\ttab\\","""""","",\n',
    );
  });

  it('rejects rows with the wrong number of values', () => {
    expect(() => encode(['1'])).toThrow(/expected 5 values per row/);
  });

  it('header encloses names and doubles quotes', () => {
    expect(csvHeader(['ID', 'NAME', 'A"B'])).toBe('"ID","NAME","A""B"\n');
  });

  it('a table needs at least one column', () => {
    expect(() => makeRowEncoder([], { table: 't', zeroDate: 'null' })).toThrow(/no columns/);
  });
});

/** The parts of a mysql2 field wrapper the typeCast uses, recording which reader it chose. */
function fakeField(type: TypeCastField['type'], extendedFormat?: string) {
  const calls: string[] = [];
  const field: TypeCastField = {
    type,
    length: 0,
    db: 'd',
    table: 't',
    name: 'c',
    string: (encoding) => {
      calls.push(`string:${encoding ?? 'default'}`);
      return 'text';
    },
    buffer: () => {
      calls.push('buffer');
      return Buffer.from('b');
    },
    geometry: () => null,
    ...(extendedFormat === undefined ? {} : { extendedFormat }),
  };
  const next = () => {
    calls.push('next');
    return 'parsed';
  };
  return { field, next, calls };
}

describe('lossless typeCast', () => {
  it.each([
    'TINY',
    'LONGLONG',
    'YEAR',
    'DOUBLE',
    'FLOAT',
    'NEWDECIMAL',
    'DATE',
    'DATETIME',
    'TIMESTAMP',
    'TIME',
  ] as const)('%s is read as text, never as a number or Date', (type) => {
    const { field, next, calls } = fakeField(type);
    expect(lossless(field, next)).toBe('text');
    expect(calls).toEqual(['string:latin1']);
  });

  it('MySQL 8 JSON is read as utf8 text (mysql2 would JSON.parse it)', () => {
    const { field, next, calls } = fakeField('JSON');
    lossless(field, next);
    expect(calls).toEqual(['string:utf8']);
  });

  it('MariaDB JSON (LONGTEXT flagged json) is read as text', () => {
    const { field, next, calls } = fakeField('BLOB', 'json');
    lossless(field, next);
    expect(calls).toEqual(['string:default']);
  });

  it('BIT is read as bytes; strings and blobs go to mysql2 (Buffer for binary charset)', () => {
    const bit = fakeField('BIT');
    lossless(bit.field, bit.next);
    expect(bit.calls).toEqual(['buffer']);
    for (const type of ['VAR_STRING', 'STRING', 'BLOB'] as const) {
      const s = fakeField(type);
      expect(lossless(s.field, s.next)).toBe('parsed');
      expect(s.calls).toEqual(['next']);
    }
  });
});

/** Collects a Readable into one Buffer. */
async function collect(batcher: GzipBatcher): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await pipeline(batcher.output, sink);
  return Buffer.concat(chunks);
}

describe('GzipBatcher', () => {
  it('writes header and lines as one gzip stream and counts rows and bytes', async () => {
    const batcher = new GzipBatcher({ level: 1, header: '"A"\n', batchBytes: 64 * 1024 });
    const done = collect(batcher);
    const line = `"${'é'.repeat(100)}"\n`;
    let waits = 0;
    for (let i = 0; i < 5000; i++) {
      const wait = batcher.write(line);
      if (wait) {
        waits++;
        await wait;
      }
    }
    await batcher.writeMany(['"x"\n', '"y"\n']);
    const stats = await batcher.end();
    const gz = await done;
    const text = gunzipSync(gz).toString('utf8');
    expect(text).toBe(`"A"\n${line.repeat(5000)}"x"\n"y"\n`);
    expect(stats.rows).toBe(5002);
    expect(stats.uncompressedBytes).toBe(Buffer.byteLength(text));
    expect(stats.compressedBytes).toBe(gz.length);
    // at most one wait per batch, not per row
    expect(waits).toBeLessThanOrEqual(Math.ceil(Buffer.byteLength(text) / (64 * 1024)));
  });

  it('reuses its batch buffers without corrupting lines still waiting for gzip', async () => {
    const batcher = new GzipBatcher({ level: 1, header: 'H\n', batchBytes: 64 * 1024 });
    const done = collect(batcher);
    const expected: string[] = ['H\n'];
    for (let i = 0; i < 30_000; i++) {
      // distinct lines, strings and bytes mixed, and now and then one larger than a whole batch
      const text = i % 5000 === 7 ? `"${String(i).repeat(40_000)}"\n` : `"${i}-${'é'.repeat(i % 300)}"\n`;
      expected.push(text);
      const wait = batcher.write(i % 2 === 0 ? text : Buffer.from(text));
      if (wait) await wait;
    }
    const stats = await batcher.end();
    const gz = await done;
    const text = gunzipSync(gz).toString('utf8');
    expect(text === expected.join('')).toBe(true);
    expect(batcher.sha256()).toBe(createHash('sha256').update(gz).digest('hex'));
    expect(stats.uncompressedBytes).toBe(Buffer.byteLength(text));
    expect(stats.rows).toBe(30_000);
  });

  it('an empty file is a valid gzip of the header only', async () => {
    const batcher = new GzipBatcher({ level: 6, header: '"A"\n' });
    const done = collect(batcher);
    expect((await batcher.end()).rows).toBe(0);
    expect(gunzipSync(await done).toString()).toBe('"A"\n');
  });

  it('refuses writes after end and rejects end when the consumer goes away', async () => {
    const batcher = new GzipBatcher({ level: 1 });
    batcher.output.resume();
    await batcher.end();
    expect(() => batcher.write('x\n')).toThrow(/after end/);

    const broken = new GzipBatcher({ level: 1 });
    broken.output.on('error', () => undefined);
    broken.destroy(new Error('upload failed'));
    await expect(broken.end()).rejects.toThrow('upload failed');
    expect(() => broken.write('x\n')).toThrow('upload failed');
  });

  it('a consumer that stops and is destroyed fails the pending wait instead of hanging', async () => {
    const batcher = new GzipBatcher({ level: 0, batchBytes: 64 * 1024 });
    batcher.output.on('error', () => undefined);
    const line = `"${'x'.repeat(1000)}"\n`;
    let wait: Promise<void> | undefined;
    for (let i = 0; i < 10_000 && !wait; i++) wait = batcher.write(line);
    expect(wait).toBeDefined(); // nobody reads output, so gzip pushed back
    batcher.output.destroy(new Error('consumer gone'));
    await expect(wait).rejects.toThrow(/consumer gone|closed/);
    await expect(batcher.end()).rejects.toThrow(/consumer gone|closed/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Round trip: MariaDB → mysql2 (lossless typeCast) → encoder → gzip file → DuckDB strict CSV reader.

interface RoundTripColumn {
  readonly name: string;
  readonly ddl: string;
  readonly encoding: Encoding;
  readonly fsp?: number;
  /** SQL computing the expected CSV text independently of mysql2 (`h:` prefix = HEX of UTF-8 text) */
  readonly expected: string;
}

const notZeroDate = (c: string, e: string) => `IF(MONTH(${c}) = 0 OR DAYOFMONTH(${c}) = 0, NULL, ${e})`;
const hexText = (c: string) => `HEX(CONVERT(${c} USING utf8mb4))`;

const ROUND_TRIP_COLUMNS: RoundTripColumn[] = [
  { name: 'id', ddl: 'INT PRIMARY KEY', encoding: 'integer', expected: 'CAST(id AS CHAR)' },
  { name: 'c_tiny1', ddl: 'TINYINT(1)', encoding: 'integer', expected: 'CAST(c_tiny1 AS CHAR)' },
  { name: 'c_bool', ddl: 'TINYINT(1)', encoding: 'boolean', expected: 'CAST(c_bool AS CHAR)' },
  { name: 'c_ubig', ddl: 'BIGINT UNSIGNED', encoding: 'integer', expected: 'CAST(c_ubig AS CHAR)' },
  { name: 'c_dec', ddl: 'DECIMAL(38,10)', encoding: 'decimal', expected: 'CAST(c_dec AS CHAR)' },
  { name: 'c_bigdec', ddl: 'DECIMAL(65,30)', encoding: 'decimal', expected: 'CAST(c_bigdec AS CHAR)' },
  { name: 'c_double', ddl: 'DOUBLE', encoding: 'float', expected: 'CAST(c_double AS CHAR)' },
  { name: 'c_float', ddl: 'FLOAT', encoding: 'float', expected: 'CAST(c_float AS CHAR)' },
  { name: 'c_char', ddl: 'CHAR(10)', encoding: 'text', expected: hexText('c_char') },
  { name: 'c_varchar', ddl: 'VARCHAR(100)', encoding: 'text', expected: hexText('c_varchar') },
  { name: 'c_text', ddl: 'TEXT', encoding: 'text', expected: hexText('c_text') },
  { name: 'c_enum', ddl: "ENUM('a','b','c d')", encoding: 'text', expected: hexText('c_enum') },
  { name: 'c_set', ddl: "SET('x','y','z')", encoding: 'text', expected: hexText('c_set') },
  {
    name: 'c_date',
    ddl: 'DATE',
    encoding: 'date',
    expected: notZeroDate('c_date', "DATE_FORMAT(c_date, '%Y-%m-%d')"),
  },
  {
    name: 'c_datetime',
    ddl: 'DATETIME(6)',
    encoding: 'datetime',
    fsp: 6,
    expected: notZeroDate('c_datetime', "DATE_FORMAT(c_datetime, '%Y-%m-%d %H:%i:%s.%f')"),
  },
  {
    name: 'c_dt0',
    ddl: 'DATETIME',
    encoding: 'datetime',
    expected: notZeroDate('c_dt0', "DATE_FORMAT(c_dt0, '%Y-%m-%d %H:%i:%s.%f')"),
  },
  {
    name: 'c_ts',
    ddl: 'TIMESTAMP(6) NULL',
    encoding: 'timestamp_utc',
    fsp: 6,
    expected: notZeroDate('c_ts', "CONCAT(DATE_FORMAT(c_ts, '%Y-%m-%d %H:%i:%s.%f'), ' +00:00')"),
  },
  {
    name: 'c_time',
    ddl: 'TIME(6)',
    encoding: 'time_seconds',
    fsp: 6,
    expected: 'CAST(TIME_TO_SEC(c_time) AS CHAR)',
  },
  { name: 'c_time0', ddl: 'TIME', encoding: 'time_seconds', expected: 'CAST(TIME_TO_SEC(c_time0) AS CHAR)' },
  {
    name: 'c_tod',
    ddl: 'TIME(6)',
    encoding: 'time_of_day',
    fsp: 6,
    expected: "TIME_FORMAT(c_tod, '%H:%i:%s.%f')",
  },
  { name: 'c_year', ddl: 'YEAR', encoding: 'integer', expected: 'CAST(c_year + 0 AS CHAR)' },
  { name: 'c_bit', ddl: 'BIT(12)', encoding: 'bit', expected: 'CAST(c_bit + 0 AS CHAR)' },
  { name: 'c_bit1', ddl: 'BIT(1)', encoding: 'boolean', expected: 'CAST(c_bit1 + 0 AS CHAR)' },
  { name: 'c_bin', ddl: 'BINARY(4)', encoding: 'base64', expected: 'HEX(c_bin)' },
  { name: 'c_blob', ddl: 'BLOB', encoding: 'base64', expected: 'HEX(c_blob)' },
  { name: 'c_json', ddl: 'JSON', encoding: 'json', expected: hexText('c_json') },
];

const TRICKY_TEXT = 'emoji 😀 "quoted" a,b back\\slash\ttab\nnew\r\nline ""';

/** Rows as column → SQL expression (anything not given is NULL). Inserted with sql_mode='' to allow zero dates. */
const ROUND_TRIP_ROWS: Record<string, string>[] = [
  {
    id: '1',
    c_tiny1: '127',
    c_bool: '1',
    c_ubig: '18446744073709551615',
    c_dec: '1234567890123456789012345678.1234567890',
    c_bigdec: '12345678901234567890123456789012345.123456789012345678901234567890',
    c_double: '1.7976931348623157e308',
    c_float: '3.14',
    c_char: "'ab'",
    c_varchar: "'\\\\N'",
    c_text: mysql.escape(TRICKY_TEXT),
    c_enum: "'c d'",
    c_set: "'x,z'",
    c_date: "'2024-02-29'",
    c_datetime: "'9999-12-31 23:59:59.999999'",
    c_dt0: "'2024-03-10 01:02:03'",
    c_ts: "'2024-03-10 12:00:00.123456'",
    c_time: "'-838:59:59.5'",
    c_time0: "'838:59:59'",
    c_tod: "'23:59:59.999999'",
    c_year: '2155',
    c_bit: "b'111111111111'",
    c_bit1: "b'1'",
    c_bin: '0x00FF0000',
    c_blob: '0x000102FF00',
    c_json: mysql.escape('{"a": [1, 2.50, "x\\"y"], "big": 18446744073709551616, "u": "é"}'),
  },
  {
    id: '2',
    c_tiny1: '-128',
    c_bool: '0',
    c_ubig: '0',
    c_dec: '-0.0000000001',
    c_bigdec: '-0.000000000000000000000000000001',
    c_double: '5e-324',
    c_float: '-1.5e-10',
    c_char: "''",
    c_varchar: "'NULL'",
    c_text: "''",
    c_enum: "'zz'", // invalid member: stored as '' in non-strict mode
    c_set: "''",
    c_date: "'0000-00-00'",
    c_datetime: "'0000-00-00 00:00:00'",
    c_dt0: "'2024-01-00 10:00:00'",
    c_ts: "'1970-01-01 05:30:01'",
    c_time: "'25:00:00'",
    c_time0: "'-01:02:03'",
    c_tod: "'00:00:00'",
    c_year: '0',
    c_bit: "b'0'",
    c_bit1: "b'0'",
    c_bin: '0x00000000',
    c_blob: "''",
    c_json: "'null'",
  },
  { id: '3' },
  {
    id: '4',
    c_double: '0.1',
    c_float: '16777217',
    c_char: "' x '",
    c_text: mysql.escape('"'),
    c_varchar: mysql.escape('""'),
    c_date: "'2024-00-15'",
    c_time: "'-00:00:00.5'",
    c_json: "'[]'",
  },
];

/** Hex of UTF-8 text → the text; HEX(binary) → base64; everything else is already the expected text. */
function expectedText(col: RoundTripColumn, value: unknown): string | null {
  if (value === null) return null;
  const text = String(value);
  if (col.encoding === 'base64') return Buffer.from(text, 'hex').toString('base64');
  if (col.expected.startsWith('HEX(CONVERT')) return Buffer.from(text, 'hex').toString('utf8');
  return text;
}

async function extractToGzip(db: TestDatabase, path: string, models: ColumnModel[]): Promise<number> {
  const connection = await mysql.createConnection({
    ...db.target,
    database: db.database,
    charset: 'UTF8MB4_BIN',
    typeCast: lossless,
    rowsAsArray: true,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  try {
    await connection.query("SET time_zone = '+00:00'");
    const names = ROUND_TRIP_COLUMNS.map((c) => `\`${c.name}\``).join(', ');
    const [rows] = await connection.query<mysql.RowDataPacket[][]>(`SELECT ${names} FROM rt ORDER BY id`);
    const encode = makeRowEncoder(models, { table: 'rt', zeroDate: 'null' });
    const batcher = new GzipBatcher({ level: 6, header: csvHeader(models.map((m) => m.name)) });
    const written = pipeline(batcher.output, createWriteStream(path));
    for (const row of rows) {
      const wait = batcher.write(encode(row));
      if (wait) await wait;
    }
    const stats = await batcher.end();
    await written;
    return stats.rows;
  } finally {
    await connection.end();
  }
}

async function readWithDuckDb(path: string, models: ColumnModel[]): Promise<(string | null)[][]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const columns = models.map((m) => `'${m.name}': 'VARCHAR'`).join(', ');
    // The generated Snowflake format, spelled for DuckDB: only an unquoted empty field is NULL
    // (allow_quoted_nulls=false keeps "" as ''), "" inside quotes is a quote, no other escapes.
    const reader = await connection.runAndReadAll(
      `SELECT * FROM read_csv('${path}', header = true, auto_detect = false, delim = ',', quote = '"',
         escape = '"', new_line = '\\n', nullstr = '', allow_quoted_nulls = false, strict_mode = true,
         compression = 'gzip', columns = {${columns}})`,
    );
    return reader.getRowsJS().map((row) => row.map((v) => (v === null ? null : String(v))));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('round trip through MariaDB, gzip CSV and DuckDB', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('encode_round_trip');
    dir = await mkdtemp(join(tmpdir(), 'snowstage-encode-'));
    const ddl = ROUND_TRIP_COLUMNS.map((c) => `\`${c.name}\` ${c.ddl}`).join(',\n');
    await db.query(`CREATE TABLE rt (${ddl}) CHARACTER SET utf8mb4`);
    const names = ROUND_TRIP_COLUMNS.map((c) => c.name);
    const values = ROUND_TRIP_ROWS.map((row) => `(${names.map((n) => row[n] ?? 'NULL').join(', ')})`);
    // TIMESTAMPs are written in a non-UTC session zone; the extractor must still read UTC
    await db.query(
      `SET SESSION sql_mode = ''; SET SESSION time_zone = '+05:30';
       INSERT INTO rt (${names.join(', ')}) VALUES ${values.join(',\n')}; SET SESSION time_zone = '+00:00'`,
    );
  });

  afterAll(async () => {
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every field read back by a strict CSV reader equals what MySQL says it is', async () => {
    const models = ROUND_TRIP_COLUMNS.map((c) => column(c.name, c.encoding, c.fsp ?? 0));
    const path = join(dir, 'rt.csv.gz');
    expect(await extractToGzip(db, path, models)).toBe(ROUND_TRIP_ROWS.length);

    const header = gunzipSync(await readFile(path))
      .toString('utf8')
      .split('\n')[0];
    expect(`${header}\n`).toBe(csvHeader(models.map((m) => m.name)));

    const loaded = await readWithDuckDb(path, models);
    const expectedSql = ROUND_TRIP_COLUMNS.map((c, i) => `${c.expected} AS e${i}`).join(', ');
    const expectedRows = (await db.query(
      `SET SESSION time_zone = '+00:00'; SELECT ${expectedSql} FROM rt ORDER BY id`,
    )) as unknown[];
    const expected = (expectedRows[1] as Record<string, unknown>[]).map((row) =>
      ROUND_TRIP_COLUMNS.map((c, i) => expectedText(c, row[`e${i}`] ?? null)),
    );
    expect(loaded).toEqual(expected);

    // spot checks against literal values, so a shared mistake in MySQL's expressions cannot hide
    const byName = (row: number, name: string) => loaded[row]?.[models.findIndex((m) => m.source === name)];
    expect(byName(0, 'c_ubig')).toBe('18446744073709551615');
    expect(byName(0, 'c_ts')).toBe('2024-03-10 06:30:00.123456 +00:00');
    expect(byName(1, 'c_ts')).toBe('1970-01-01 00:00:01.000000 +00:00');
    expect(byName(0, 'c_time')).toBe('-3020399.500000');
    expect(byName(1, 'c_time')).toBe('90000.000000');
    expect(byName(3, 'c_time')).toBe('-0.500000');
    expect(byName(0, 'c_time0')).toBe('3020399');
    expect(byName(0, 'c_text')).toBe(TRICKY_TEXT);
    expect(byName(1, 'c_text')).toBe('');
    expect(byName(2, 'c_text')).toBeNull();
    expect(byName(0, 'c_varchar')).toBe('\\N');
    expect(byName(1, 'c_varchar')).toBe('NULL');
    expect(byName(3, 'c_varchar')).toBe('""');
    expect(byName(1, 'c_enum')).toBe('');
    expect(byName(1, 'c_set')).toBe('');
    expect(byName(1, 'c_date')).toBeNull();
    expect(byName(3, 'c_date')).toBeNull();
    expect(byName(1, 'c_dt0')).toBeNull();
    expect(byName(1, 'c_year')).toBe('0');
    expect(byName(0, 'c_bit')).toBe('4095');
    expect(byName(0, 'c_bin')).toBe('AP8AAA==');
    expect(byName(1, 'c_blob')).toBe('');
    expect(byName(0, 'c_dec')).toBe('1234567890123456789012345678.1234567890');
    expect(Number(byName(0, 'c_double'))).toBe(1.7976931348623157e308);
    expect(Number(byName(1, 'c_double'))).toBe(5e-324);
    expect(Number(byName(3, 'c_double'))).toBe(0.1);
    expect(JSON.parse(byName(0, 'c_json') ?? '')).toMatchObject({ u: 'é' });
  });

  it('with zero_date fail, the first zero date stops the extraction with the table and column', async () => {
    const models = ROUND_TRIP_COLUMNS.map((c) => column(c.name, c.encoding, c.fsp ?? 0));
    const encode = makeRowEncoder(models, { table: 'rt', zeroDate: 'fail' });
    const row = models.map(() => null as unknown);
    row[models.findIndex((m) => m.source === 'c_date')] = '0000-00-00';
    expect(() => encode(row)).toThrow(
      "rt.c_date: zero or partial date (zero_date policy is fail): '0000-00-00'",
    );
  });
});
