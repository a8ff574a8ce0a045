/** The COPY loader and snapshot tables (mode: snapshot): data files and completion markers, each by its pipe's COPY. */
import { describe, expect, it } from 'vitest';
import { classifyObject } from '../../src/lambda/s3-events.js';
import { copyFilesStatements } from '../../src/render/copy-files.js';
import { loadTemplates } from '../../src/render/render.js';
import { loadTestModel } from '../support/pipeline.js';

describe('COPY loader, snapshot tables', () => {
  it('sorts a snapshot data file and a marker to their pipes, and copies by name (no PATTERN next to FILES)', async () => {
    const model = await loadTestModel('test/golden/cases/lambda-loader/metadata', {
      SHOP_MYSQL_PASSWORD: 'x',
    });
    const folder = 'mysql/shop/data/currencies/20261130T070000000Z-abcdef/';
    const data = classifyObject(model, 'shop-lake', `${folder}20261130T070000000Z-123456-000001.csv.gz`);
    expect(data.kind === 'data' && data.copy).toBe('data');
    const marker = classifyObject(model, 'shop-lake', `${folder}complete.csv.gz`);
    expect(marker.kind === 'data' && [marker.copy, marker.file]).toEqual([
      'snapshot_marker',
      '20261130T070000000Z-abcdef/complete.csv.gz',
    ]);
    // a file neither pipe's PATTERN matches is no pipe's: left alone
    expect(classifyObject(model, 'shop-lake', `${folder}other.csv.gz`)).toEqual({
      kind: 'ignored',
      reason: 'neither a snapshot data file nor a completion marker',
    });
    if (data.kind !== 'data' || marker.kind !== 'data') return;
    const [copy] = copyFilesStatements(model, data.table, [data.file], loadTemplates());
    expect(copy).toContain(`FILES = ('20261130T070000000Z-abcdef/20261130T070000000Z-123456-000001.csv.gz')`);
    expect(copy).not.toContain('PATTERN');
    const [markerCopy] = copyFilesStatements(
      model,
      marker.table,
      [marker.file],
      loadTemplates(),
      marker.copy,
    );
    expect(markerCopy).toContain('COPY INTO "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS"\n');
    expect(markerCopy).not.toContain('PATTERN');
  });

  it('leaves the files of a snapshot table with a pipe (loader: snowpipe) to its pipes', async () => {
    const model = await loadTestModel('test/golden/cases/snapshot-mode/metadata', {});
    const folder = 'mysql/shop/data/currencies/20261130T070000000Z-abcdef/';
    expect(classifyObject(model, 'shop-lake', `${folder}complete.csv.gz`)).toEqual({
      kind: 'ignored',
      reason: 'table currencies is loaded by its pipe (loader: snowpipe)',
    });
  });
});
