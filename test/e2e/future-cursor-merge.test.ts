/**
 * The MERGE's version order on DuckDB, with hand-made landing rows (no MySQL): a version's cursor counts no later
 * than the start of the run that read it (the run id in its file name), then file, then row. So an update of a
 * row whose cursor lay in the future wins, in whichever order and batches the files load, while an older file
 * loaded late still loses, and cursors that never lay in the future keep today's order (cursor first).
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { loadTemplates, render } from '../../src/render/render.js';
import { qualified } from '../../src/sql/quote.js';
import { ROOT } from './extractor.js';
import { Warehouse } from './warehouse.js';

/** one table per kind of cursor clock */
const TABLES: Record<string, string> = {
  ts: 'updated_at, type: timestamp(6)',
  zoned: 'updated_at, type: datetime(6)',
  plain: 'updated_at, type: datetime(6)',
  day: 'updated_at, type: date',
  num: 'updated_at, type: bigint',
};

function tableYaml(name: string): string {
  const [, type] = (TABLES[name] as string).split(', type: ');
  return [
    `name: ${name}`,
    `source_table: ${name}`,
    'primary_key: [id]',
    name === 'zoned'
      ? 'cursor: { column: updated_at, time_zone: Europe/Berlin }'
      : 'cursor: { column: updated_at }',
    'columns:',
    '  - { name: id, type: int, nullable: false }',
    '  - { name: v, type: varchar(20) }',
    `  - { name: updated_at, type: ${type}, nullable: false }`,
    '',
  ].join('\n');
}

let dir: string;
let model: PipelineModel;
let warehouse: Warehouse;
let sequence = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snowstage-future-cursor-'));
  await mkdir(join(dir, 'tables'));
  await copyFile(join(ROOT, 'metadata/pipeline.yaml'), join(dir, 'pipeline.yaml'));
  for (const name of Object.keys(TABLES)) await writeFile(join(dir, `tables/${name}.yaml`), tableYaml(name));
  const loaded = await loadPipeline({ dir, env: {}, cwd: dir });
  if (!loaded.model) throw new Error(`invalid test metadata: ${JSON.stringify(loaded)}`);
  model = loaded.model;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh warehouse per scenario: every table empty. */
async function openWarehouse(): Promise<void> {
  warehouse?.close();
  warehouse = await Warehouse.open(model);
  await warehouse.apply(model, render(model, loadTemplates()));
}

function table(name: string): TableModel {
  const found = model.tables.find((t) => t.name === name);
  if (!found) throw new Error(`no table ${name}`);
  return found;
}

/**
 * Loads one file as the pipe would: written by a run that started at `runStart` (UTC, 'YYYY-MM-DD HH:MM:SS'),
 * named as the extractor names it. Rows are [id, v, cursor text as the extractor writes it].
 */
async function load(
  name: string,
  runStart: string,
  rows: readonly (readonly [number, string, string])[],
): Promise<string> {
  sequence += 1;
  const runId = `${runStart.replace(/[-: ]/g, '').replace(/^(\d{8})/, '$1T')}000Z-abcdef`;
  const stageName = `${table(name).stagePath}${runStart.slice(0, 10).replaceAll('-', '/')}/${runId}-${String(sequence).padStart(6, '0')}.csv.gz`;
  await loadAs(name, stageName, rows);
  return stageName;
}

async function loadAs(name: string, stageName: string, rows: readonly (readonly [number, string, string])[]) {
  const local = join(dir, `load-${stageName.replaceAll('/', '_')}.csv`);
  const lines = ['"ID","V","UPDATED_AT","_SNOWSTAGE_OP"', ...rows.map(([id, v, c]) => `${id},${v},${c},U`)];
  await writeFile(local, `${lines.join('\n')}\n`);
  await warehouse.loadFile(table(name), stageName, local);
}

async function merge(name: string): Promise<void> {
  await warehouse.merge(table(name));
}

async function value(name: string, id = 1): Promise<string | undefined> {
  const rows = await warehouse.rows(
    `SELECT "V" AS v FROM ${qualified(table(name).targetTable)} WHERE "ID" = ${id}`,
  );
  return rows[0]?.v as string | undefined;
}

/** cursor text of each table for a given UTC wall clock (the zoned table writes Berlin time, UTC+1 in winter) */
const at = {
  ts: (utc: string) => `${utc}.000000 +00:00`,
  plain: (utc: string) => `${utc}.000000`,
  zoned: (berlin: string) => `${berlin}.000000`,
};

describe('a row whose cursor lay in the future, then updated with the real time', () => {
  it('TIMESTAMP cursor: the update wins, merged after, before or in one batch with the old version', async () => {
    const future = [1, 'future', at.ts('2038-01-19 03:14:07')] as const;
    const updated = [1, 'updated', at.ts('2030-01-01 10:00:05')] as const;
    for (const order of ['in order', 'reversed', 'one batch'] as const) {
      await openWarehouse();
      const loads = [
        () => load('ts', '2030-01-01 10:00:00', [future]),
        () => load('ts', '2030-01-01 10:01:00', [updated]),
      ];
      for (const step of order === 'reversed' ? [...loads].reverse() : loads) {
        await step();
        if (order !== 'one batch') await merge('ts');
      }
      await merge('ts');
      expect([order, await value('ts')]).toEqual([order, 'updated']);
    }
  });

  it('an older file with the future cursor, loaded after the update, still loses', async () => {
    await openWarehouse();
    await load('ts', '2030-01-01 10:01:00', [[1, 'updated', at.ts('2030-01-01 10:00:05')]]);
    await merge('ts');
    await load('ts', '2030-01-01 10:00:00', [[1, 'future', at.ts('2038-01-19 03:14:07')]]);
    await merge('ts');
    expect(await value('ts')).toBe('updated');
  });

  it('the update wins only when the target cursor lies after the time the update was read', async () => {
    // not in the future when read (the cursor is before the run's start): cursor order, as before, so a later
    // file with an earlier cursor (a cursor moved backwards below its own old value, not a future one) loses
    await openWarehouse();
    await load('ts', '2030-01-01 10:00:00', [[1, 'trusted', at.ts('2030-01-01 09:59:00')]]);
    await load('ts', '2030-01-01 10:01:00', [[1, 'backwards', at.ts('2030-01-01 09:58:00')]]);
    await merge('ts');
    expect(await value('ts')).toBe('trusted');
    // in the future only by an hour, and the update read an hour and a half later: the update wins
    await openWarehouse();
    await load('ts', '2030-01-01 10:00:00', [[1, 'ahead', at.ts('2030-01-01 11:00:00')]]);
    await merge('ts');
    await load('ts', '2030-01-01 11:30:00', [[1, 'updated', at.ts('2030-01-01 10:30:00')]]);
    await merge('ts');
    expect(await value('ts')).toBe('updated');
  });

  it('two versions of a key in one batch, both from the same run, keep file and row order', async () => {
    await openWarehouse();
    await load('ts', '2030-01-01 10:00:00', [
      [1, 'first', at.ts('2038-01-19 03:14:07')],
      [1, 'second', at.ts('2037-01-01 00:00:00')],
    ]);
    await merge('ts');
    // both are clamped to the run's start: the later row wins, as it would for equal cursors
    expect(await value('ts')).toBe('second');
  });

  it('a redelivered file with a future cursor changes nothing', async () => {
    await openWarehouse();
    const rows = [[1, 'future', at.ts('2038-01-19 03:14:07')]] as const;
    const file = await load('ts', '2030-01-01 10:00:00', rows);
    await merge('ts');
    const target = qualified(table('ts').targetTable);
    const mergedAt = `SELECT CAST("_SNOWSTAGE_MERGED_AT" AS VARCHAR) AS m FROM ${target}`;
    const before = await warehouse.rows(mergedAt);
    await loadAs('ts', file, rows);
    await merge('ts');
    expect(await warehouse.rows(mergedAt)).toEqual(before);
  });

  it('DATETIME with cursor.time_zone: the run start is compared as a wall clock in that zone', async () => {
    // Berlin is UTC+1 in January: a run at 10:00 UTC reads at 11:00 Berlin time
    await openWarehouse();
    await load('zoned', '2030-01-01 10:00:00', [[1, 'ahead', at.zoned('2030-01-01 11:40:00')]]);
    await merge('zoned');
    await load('zoned', '2030-01-01 10:10:00', [[1, 'updated', at.zoned('2030-01-01 11:05:00')]]);
    await merge('zoned');
    expect(await value('zoned')).toBe('updated');
    // a cursor of 10:30 Berlin was not in the future at 11:00 Berlin: cursor order, the later file loses
    await openWarehouse();
    await load('zoned', '2030-01-01 10:00:00', [[1, 'trusted', at.zoned('2030-01-01 10:30:00')]]);
    await merge('zoned');
    await load('zoned', '2030-01-01 10:10:00', [[1, 'backwards', at.zoned('2030-01-01 10:20:00')]]);
    await merge('zoned');
    expect(await value('zoned')).toBe('trusted');
  });

  it('DATETIME without a zone: only cursors beyond UTC+14 at the run start count as in the future', async () => {
    await openWarehouse();
    await load('plain', '2030-01-01 10:00:00', [[1, 'future', at.plain('2038-01-19 03:14:07')]]);
    await merge('plain');
    await load('plain', '2030-01-01 10:10:00', [[1, 'updated', at.plain('2030-01-02 00:05:00')]]);
    await merge('plain');
    expect(await value('plain')).toBe('updated');
    // 13 hours ahead of UTC may be the server's own zone: the update stamped before that still loses
    await openWarehouse();
    await load('plain', '2030-01-01 10:00:00', [[1, 'ahead', at.plain('2030-01-01 23:00:00')]]);
    await merge('plain');
    await load('plain', '2030-01-01 10:10:00', [[1, 'updated', at.plain('2030-01-01 22:00:00')]]);
    await merge('plain');
    expect(await value('plain')).toBe('ahead');
  });

  it('DATE cursor: a date beyond the latest date on Earth at the run start is in the future', async () => {
    await openWarehouse();
    await load('day', '2030-01-01 10:00:00', [[1, 'future', '2038-01-19']]);
    await merge('day');
    await load('day', '2030-01-03 10:00:00', [[1, 'updated', '2030-01-03']]);
    await merge('day');
    expect(await value('day')).toBe('updated');
  });

  it('numeric cursor: no clock, so the cursor order stands (a cursor moved backwards loses)', async () => {
    await openWarehouse();
    await load('num', '2030-01-01 10:00:00', [[1, 'high', '900']]);
    await merge('num');
    await load('num', '2030-01-01 10:10:00', [[1, 'lower', '100']]);
    await merge('num');
    expect(await value('num')).toBe('high');
  });
});
