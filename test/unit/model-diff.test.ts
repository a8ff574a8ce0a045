/**
 * How each column type change is classified against ALTER TABLE ... ALTER COLUMN (docs:
 * sql-reference/sql/alter-table-column): in place only for a longer VARCHAR or more NUMBER precision at the
 * same scale; a rebuilt target column otherwise; a landing column never narrowed; a MERGE key never rebuilt.
 */
import { describe, expect, it } from 'vitest';
import {
  type ManifestColumn,
  type ManifestTable,
  type ModelManifest,
  manifestJson,
  manifestPipes,
  previousManifest,
} from '../../src/generated/manifest.js';
import { diffModels, isInPlace } from '../../src/generated/model-diff.js';

const name = (n: string) => ({ database: 'D', schema: 'S', name: n });

function manifest(columns: ManifestColumn[]): ModelManifest {
  const table: ManifestTable = {
    name: 't',
    landingTable: name('T'),
    targetTable: name('T'),
    stream: name('T_STREAM'),
    pipe: name('T_PIPE'),
    task: name('T_MERGE'),
    dataKeyPrefix: 'p/data/t/',
    columns,
  };
  return { about: '', pipeline: 'p', stageUrl: 's3://b/p/data/', allowedLocations: [], tables: [table] };
}

const column = (targetType: string, landingType = 'VARCHAR', primaryKey = false): ManifestColumn => ({
  name: 'C',
  mysqlType: '',
  landingType,
  targetType,
  primaryKey,
});

function actionOf(from: ManifestColumn, to: ManifestColumn): string[] {
  return diffModels(manifest([from]), manifest([to])).typeChanges.map((c) => `${c.on}:${c.action}`);
}

describe('type change classification', () => {
  it.each([
    ['VARCHAR(120)', 'VARCHAR(200)', true],
    ['VARCHAR(200)', 'VARCHAR(120)', false],
    ['VARCHAR(120)', 'VARCHAR', true],
    ['VARCHAR', 'VARCHAR(134217728)', true],
    ['VARCHAR(134217728)', 'VARCHAR', false],
    ['NUMBER(10,2)', 'NUMBER(12,2)', true],
    ['NUMBER(12,2)', 'NUMBER(10,2)', false],
    ['NUMBER(10,2)', 'NUMBER(12,4)', false],
    ['NUMBER(10,0)', 'VARCHAR(10)', false],
    ['BINARY(255)', 'BINARY(65535)', false],
    ['TIMESTAMP_NTZ(3)', 'TIMESTAMP_NTZ(6)', false],
  ])('%s -> %s in place: %s', (from, to, expected) => {
    expect(isInPlace(from, to)).toBe(expected);
  });

  it('alters in place, rebuilds, keeps or refuses', () => {
    expect(actionOf(column('VARCHAR(120)'), column('VARCHAR(200)'))).toEqual(['target:alter']);
    expect(actionOf(column('NUMBER(10,2)'), column('NUMBER(12,4)'))).toEqual(['target:copy']);
    expect(actionOf(column('VARIANT', 'VARCHAR(134217728)'), column('VARCHAR', 'VARCHAR'))).toEqual([
      'landing:keep',
      'target:copy',
    ]);
    expect(actionOf(column('VARCHAR(10)', 'VARCHAR'), column('VARCHAR(10)', 'VARCHAR(134217728)'))).toEqual([
      'landing:alter',
    ]);
    expect(
      actionOf(column('NUMBER(10,0)', 'VARCHAR', true), column('NUMBER(20,0)', 'VARCHAR', true)),
    ).toEqual(['target:alter']);
    expect(actionOf(column('NUMBER(10,0)', 'VARCHAR', true), column('VARCHAR(36)', 'VARCHAR', true))).toEqual(
      ['target:refuse'],
    );
  });

  it('finds added and removed tables and columns; nothing against an empty tree', () => {
    const before = manifest([column('DATE')]);
    const after: ModelManifest = {
      ...before,
      tables: [{ ...(before.tables[0] as ManifestTable), columns: [{ ...column('DATE'), name: 'D' }] }],
    };
    const diff = diffModels(before, after);
    expect(diff.columnsAdded).toEqual([{ table: 't', column: 'D' }]);
    expect(diff.columnsRemoved).toEqual([{ table: 't', column: 'C' }]);
    expect(diffModels(before, { ...before, tables: [] }).tablesRemoved.map((t) => t.name)).toEqual(['t']);
    expect(diffModels(undefined, before)).toEqual({
      tablesAdded: [],
      tablesRemoved: [],
      columnsAdded: [],
      columnsRemoved: [],
      typeChanges: [],
      pipesRetired: [],
      pipesAdded: [],
    });
  });
});

describe('the pipes a committed table has (retired when it switches to the Lambda loader)', () => {
  const table = manifest([column('NUMBER(38,0)')]).tables[0] as ManifestTable;
  const names = (t: ManifestTable) => manifestPipes(t).map((p) => p.name);

  it('data pipe; plus the markers pipe of a snapshot table; plus the two key pipes with delete detection', () => {
    expect(names(table)).toEqual(['T_PIPE']);
    expect(names({ ...table, mode: 'snapshot' })).toEqual(['T_PIPE', 'T_SNAPSHOTS_PIPE']);
    expect(names({ ...table, deleteDetection: true })).toEqual([
      'T_PIPE',
      'T_KEYS_PIPE',
      'T_KEY_SNAPSHOTS_PIPE',
    ]);
  });

  it('a model.json written before deleteDetection existed: read from the 7_delete_detection.sql next to it', () => {
    const old = manifest([column('NUMBER(38,0)')]);
    const tree = new Map([['model.json', manifestJson(old)]]);
    expect(previousManifest(tree)?.tables[0]?.deleteDetection).toBeUndefined();
    tree.set('2_tables/t/7_delete_detection.sql', '-- key pipes');
    expect(previousManifest(tree)?.tables[0]?.deleteDetection).toBe(true);
  });
});
