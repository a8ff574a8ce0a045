/**
 * `status` for a pipeline whose tables are partly loaded by the Lambda COPY loader (test/golden/cases/lambda-loader):
 * no SYSTEM$PIPE_STATUS is asked for a table without a pipe, its pipe cell is null (shown as "lambda") and
 * never a problem, while the table with a pipe is read and judged as before. Real snowflake-sdk, local endpoint.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { connectSnowflake, type SqlClient } from '../../src/snowflake/client.js';
import { readSnowflakeStatuses } from '../../src/status/collect.js';
import { evaluateTable } from '../../src/status/evaluate.js';
import { type FakeSnowflake, startFakeSnowflake } from '../support/fake-snowflake.js';
import { ROOT } from '../support/pipeline.js';

let fake: FakeSnowflake;
let client: SqlClient;
let model: PipelineModel;

beforeAll(async () => {
  const dir = join(ROOT, 'test/golden/cases/lambda-loader/metadata');
  const loaded = await loadPipeline({ dir, env: {}, cwd: dir });
  if (!loaded.model) throw new Error(JSON.stringify(loaded.diagnostics));
  model = loaded.model;
  fake = await startFakeSnowflake({
    rules: [
      {
        // a stopped pipe: a problem for the table that has one
        match: (sql) => sql.includes('SYSTEM$PIPE_STATUS'),
        reply: {
          rows: [
            { SNOWSTAGE_TABLE: 'customers', PIPE_STATUS: '{"executionState":"PAUSED","pendingFileCount":0}' },
          ],
        },
      },
      { match: () => true, reply: { rows: [] } },
    ],
  });
  client = await connectSnowflake({
    account: 'testacct',
    username: 'status',
    auth: { kind: 'password', password: 'x' },
    accessUrl: fake.accessUrl,
  });
});

afterAll(async () => {
  await client?.close();
  await fake?.close();
});

describe('status with Lambda-loaded tables', () => {
  it('asks the pipe status of the piped table only, and reports no pipe problem for the others', async () => {
    const statuses = await readSnowflakeStatuses(client, model, model.tables, Date.now());
    const pipeStatements = fake.statements.filter((s) => s.includes('SYSTEM$PIPE_STATUS'));
    expect(pipeStatements).toHaveLength(1);
    expect(pipeStatements[0]).toContain('CUSTOMERS_PIPE');
    // nor of a Lambda-loaded table's key-snapshot or snapshot-marker pipes (accounts, currencies): none exists
    expect(pipeStatements[0]).not.toMatch(/ORDERS_PIPE|ORDER_LINES_PIPE|ACCOUNTS|CURRENCIES/);
    // copy history is still read for every landing table: COPY_HISTORY lists bulk COPY loads too
    const copyHistory = fake.statements.find((s) => s.includes('COPY_HISTORY')) ?? '';
    expect(copyHistory.match(/INFORMATION_SCHEMA\.COPY_HISTORY\(/g)).toHaveLength(model.tables.length);
    expect(model.tables.length).toBe(5);

    const byName = new Map(model.tables.map((t, i) => [t.name, statuses[i]]));
    expect(byName.get('orders')?.pipe).toBeNull();
    expect(byName.get('order_lines')?.pipe).toBeNull();
    expect(byName.get('accounts')?.pipe).toBeNull();
    expect(byName.get('currencies')?.pipe).toBeNull();
    expect(byName.get('customers')?.pipe).toMatchObject({ ok: true, value: { executionState: 'PAUSED' } });

    const limits = { maxMergeLagMinutes: 120, maxExtractAgeMinutes: 1440, streamStaleWithinHours: 48 };
    const problemsOf = (name: string) =>
      evaluateTable(
        {
          table: name,
          limits,
          extractor: { ok: false, error: 'not read here' },
          snowflake: byName.get(name) ?? null,
        },
        Date.now(),
      ).problems;
    expect(problemsOf('customers')).toContain('pipe is PAUSED, not RUNNING');
    expect(problemsOf('orders').filter((p) => p.includes('pipe'))).toEqual([]);
  });
});
