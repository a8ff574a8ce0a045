/** The COPY loader and snapshot tables (mode: snapshot): data files are copied, completion markers are not. */
import { describe, expect, it } from 'vitest';
import { classifyObject } from '../../src/lambda/s3-events.js';
import { copyFilesStatements } from '../../src/render/copy-files.js';
import { loadTemplates } from '../../src/render/render.js';
import { loadTestModel } from '../support/pipeline.js';

describe('COPY loader, snapshot tables', () => {
  it('copies a snapshot data file by name (no PATTERN next to FILES) and leaves the marker to its pipe', async () => {
    const model = await loadTestModel('test/golden/cases/snapshot-mode/metadata', {});
    const folder = 'mysql/shop/data/currencies/20261130T070000000Z-abcdef/';
    const data = classifyObject(model, 'shop-lake', `${folder}20261130T070000000Z-123456-000001.csv.gz`);
    expect(data.kind).toBe('data');
    const marker = classifyObject(model, 'shop-lake', `${folder}complete.csv.gz`);
    expect(marker).toEqual({
      kind: 'ignored',
      reason: 'a snapshot completion marker: only its Snowpipe (<TARGET>_SNAPSHOTS_PIPE) loads it',
    });
    if (data.kind !== 'data') return;
    const [copy] = copyFilesStatements(model, data.table, [data.file], loadTemplates());
    expect(copy).toContain(`FILES = ('20261130T070000000Z-abcdef/20261130T070000000Z-123456-000001.csv.gz')`);
    expect(copy).not.toContain('PATTERN');
  });
});
