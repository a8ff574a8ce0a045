/**
 * The COPY loader and snapshot tables (mode: snapshot). A snapshot table has its pipes (loader: lambda is refused for
 * it), so the loader leaves its files to them; the COPY of a snapshot data file by name has no PATTERN.
 */
import { describe, expect, it } from 'vitest';
import { classifyObject } from '../../src/lambda/s3-events.js';
import { copyFilesStatements } from '../../src/render/copy-files.js';
import { loadTemplates } from '../../src/render/render.js';
import { loadTestModel } from '../support/pipeline.js';

describe('COPY loader, snapshot tables', () => {
  it('leaves snapshot files to the pipes; a COPY of a snapshot data file by name has no PATTERN next to FILES', async () => {
    const model = await loadTestModel('test/golden/cases/snapshot-mode/metadata', {});
    const folder = 'mysql/shop/data/currencies/20261130T070000000Z-abcdef/';
    const data = classifyObject(model, 'shop-lake', `${folder}20261130T070000000Z-123456-000001.csv.gz`);
    expect(data).toEqual({
      kind: 'ignored',
      reason: 'table currencies is loaded by its pipe (loader: snowpipe)',
    });
    const marker = classifyObject(model, 'shop-lake', `${folder}complete.csv.gz`);
    expect(marker.kind).toBe('ignored');
    const table = model.tables.find((t) => t.name === 'currencies');
    if (!table) throw new Error('the snapshot-mode case has no currencies table');
    const file = '20261130T070000000Z-abcdef/20261130T070000000Z-123456-000001.csv.gz';
    const [copy] = copyFilesStatements(model, table, [file], loadTemplates());
    expect(copy).toContain(`FILES = ('20261130T070000000Z-abcdef/20261130T070000000Z-123456-000001.csv.gz')`);
    expect(copy).not.toContain('PATTERN');
  });
});
