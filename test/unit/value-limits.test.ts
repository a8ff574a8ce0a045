/** Snowflake's size limits on extracted values (src/extract/value-limits.ts); the real-server case is in test/extract/security.test.ts. */
import { describe, expect, it } from 'vitest';
import { valueCheck } from '../../src/extract/value-limits.js';
import type { ColumnModel } from '../../src/model/types.js';

const column = (overrides: Partial<ColumnModel>): ColumnModel =>
  ({
    source: 'body',
    name: 'BODY',
    rawType: 'VARCHAR(134217728)',
    snowflakeType: 'VARCHAR(134217728)',
    encoding: 'text',
    mysqlType: { base: 'LONGTEXT', args: [], values: [], text: 'longtext' },
    ...overrides,
  }) as ColumnModel;

const LIMIT = 134_217_728;

describe('valueCheck', () => {
  it('leaves columns that cannot pass a limit unchecked', () => {
    const text = { base: 'TEXT', args: [], values: [], text: 'text' } as unknown as ColumnModel['mysqlType'];
    expect(
      valueCheck(column({ rawType: 'VARCHAR', snowflakeType: 'VARCHAR(65535)', mysqlType: text })),
    ).toBeUndefined();
  });

  it('refuses LONGTEXT over 128 MB of UTF-8, counting bytes, not characters', () => {
    const check = valueCheck(column({}));
    expect(check?.('x'.repeat(LIMIT))).toBeUndefined();
    expect(check?.('x'.repeat(LIMIT + 1))).toContain(`is ${LIMIT + 1} bytes as text`);
    // fewer characters than the limit, but two bytes each
    expect(check?.('é'.repeat(LIMIT / 2 + 1))).toContain(`is ${LIMIT + 2} bytes as text`);
  });

  it('refuses a blob larger than its BINARY target, from the base64 length', () => {
    const check = valueCheck(column({ encoding: 'base64', snowflakeType: 'BINARY(67108864)' }));
    expect(check?.('AAAA')).toBeUndefined();
    expect(check?.(Buffer.alloc(67_108_864).toString('base64'))).toBeUndefined();
    expect(check?.(Buffer.alloc(67_108_865).toString('base64'))).toContain(
      'is 67108865 bytes, more than its Snowflake target BINARY(67108864) holds',
    );
  });
});

describe('valueCheck of a DECIMAL overridden to a narrower NUMBER', () => {
  const decimal = (snowflakeType: string, args = [65, 30]) =>
    column({
      source: 'amount',
      rawType: 'VARCHAR',
      encoding: 'decimal',
      snowflakeType,
      mysqlType: {
        base: 'DECIMAL',
        args,
        text: `decimal(${args.join(',')})`,
      } as unknown as ColumnModel['mysqlType'],
    });

  it('leaves an override that holds every value unchecked', () => {
    // DECIMAL(65,30) has 35 integer digits: NUMBER(38,3) holds them all, NUMBER(38,4) does not
    expect(valueCheck(decimal('NUMBER(38,3)'))).toBeUndefined();
    expect(valueCheck(decimal('NUMBER(38,4)'))).toBeDefined();
  });

  it('counts integer digits, and the carry that rounding to the target scale adds', () => {
    const check = valueCheck(decimal('NUMBER(38,2)', [50, 10]));
    const nines = '9'.repeat(36);
    expect(check?.(`${nines}.994`)).toBeUndefined();
    expect(check?.(`-${nines}.99`)).toBeUndefined();
    expect(check?.(`000${nines}.5`)).toBeUndefined();
    expect(check?.(`${nines}.995`)).toContain('at most 36 integer digits');
    expect(check?.(`-1${nines}`)).toContain('does not fit its Snowflake type NUMBER(38,2)');
  });
});
