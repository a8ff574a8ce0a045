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
    ...overrides,
  }) as ColumnModel;

const LIMIT = 134_217_728;

describe('valueCheck', () => {
  it('leaves columns that cannot pass a limit unchecked', () => {
    expect(valueCheck(column({ rawType: 'VARCHAR', snowflakeType: 'VARCHAR(65535)' }))).toBeUndefined();
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
