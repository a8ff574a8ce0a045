/**
 * What MySQL's indexes guarantee (src/extract/source-indexes.ts) and how introspection reads information_schema
 * text (src/introspect/read-source.ts), on the rows both servers return, including the MySQL 8 shapes (functional
 * key parts) the MariaDB tests cannot produce.
 */
import { describe, expect, it } from 'vitest';
import {
  cursorIndexing,
  groupIndexes,
  type IndexColumnRow,
  keyUniqueness,
} from '../../src/extract/source-indexes.js';
import { jsonColumns, metadataType } from '../../src/introspect/read-source.js';

function part(
  indexName: string,
  seq: number,
  columnName: string | null,
  options: { unique?: boolean; subPart?: number } = {},
): IndexColumnRow {
  return {
    indexName,
    nonUnique: options.unique === false ? '1' : '0',
    seq: String(seq),
    columnName,
    subPart: options.subPart ?? null,
  };
}

describe('keyUniqueness', () => {
  const none = new Set<string>();

  it('a PRIMARY KEY, or a UNIQUE index whose columns all lie in the key, makes the key unique', () => {
    const indexes = groupIndexes([part('PRIMARY', 1, 'id'), part('u', 2, 'b'), part('u', 1, 'a')]);
    expect(keyUniqueness(['id'], none, indexes)).toEqual({ ok: true, index: 'PRIMARY' });
    expect(keyUniqueness(['ID', 'other'], none, indexes)).toEqual({ ok: true, index: 'PRIMARY' });
    expect(keyUniqueness(['b', 'a'], none, indexes)).toEqual({ ok: true, index: 'u' });
    expect(keyUniqueness(['a'], none, indexes).ok).toBe(false);
  });

  it('a non-unique index, a prefix part or a MySQL 8 functional part does not', () => {
    const indexes = groupIndexes([
      part('plain', 1, 'a', { unique: false }),
      part('prefix', 1, 'name', { subPart: 10 }),
      part('functional', 1, null),
    ]);
    expect(keyUniqueness(['a'], none, indexes)).toEqual({
      ok: false,
      reason: 'no PRIMARY KEY or UNIQUE index of MySQL covers only these columns',
    });
    expect(keyUniqueness(['name'], none, indexes)).toEqual({
      ok: false,
      reason: 'its unique index prefix covers only a prefix of a column, so whole values may repeat',
    });
  });

  it('a NULL-able key column is refused even under a UNIQUE index (UNIQUE allows many NULLs)', () => {
    const indexes = groupIndexes([part('u', 1, 'code')]);
    expect(keyUniqueness(['code'], new Set(['code']), indexes)).toEqual({
      ok: false,
      reason: 'code is NULL-able',
    });
  });
});

describe('cursorIndexing', () => {
  it('prefers an index on (cursor, key…) in that order, then any index that starts with the cursor', () => {
    const both = groupIndexes([part('c', 1, 'updated_at'), part('c', 2, 'id')]);
    expect(cursorIndexing('updated_at', ['id'], both)).toBe('cursor_key');
    expect(cursorIndexing('updated_at', ['other'], both)).toBe('cursor');
    expect(cursorIndexing('id', [], groupIndexes([part('c', 1, 'updated_at'), part('c', 2, 'id')]))).toBe(
      'none',
    );
  });
});

describe('information_schema text', () => {
  it('drops integer display widths but keeps tinyint(1) and ZEROFILL widths', () => {
    expect(metadataType('int(10) unsigned')).toBe('int unsigned');
    expect(metadataType('bigint(20)')).toBe('bigint');
    expect(metadataType('tinyint(4)')).toBe('tinyint');
    expect(metadataType('tinyint(1)')).toBe('tinyint(1)');
    expect(metadataType('int(5) unsigned zerofill')).toBe('int(5) unsigned zerofill');
    expect(metadataType('decimal(10,2)')).toBe('decimal(10,2)');
  });

  it("reads MariaDB's JSON checks, including a name with a backquote", () => {
    expect(
      jsonColumns(['json_valid(`doc`)', 'JSON_VALID(`a``b`)', '`n` > 0', 'json_valid(`x`) and 1']),
    ).toEqual(new Set(['doc', 'a`b']));
  });
});
