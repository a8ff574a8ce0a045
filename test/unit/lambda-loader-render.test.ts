/**
 * Rendering tables loaded by the Lambda COPY loader: no file but model.json names their pipe (no CREATE PIPE, no
 * grant, no status view row), and a pipeline with no pipe at all still gets a valid, empty pipe-status view.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PipelineModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { loadTemplates, render } from '../../src/render/render.js';
import { splitStatements } from '../../src/sql/split.js';
import { ROOT } from '../support/pipeline.js';

const templates = loadTemplates();

async function lambdaCase(): Promise<PipelineModel> {
  const dir = join(ROOT, 'test/golden/cases/lambda-loader/metadata');
  const { model, diagnostics } = await loadPipeline({ dir, env: {}, cwd: dir });
  if (!model) throw new Error(JSON.stringify(diagnostics));
  return model;
}

describe('rendering Lambda-loaded tables', () => {
  it('names their pipes in no file but model.json', async () => {
    const model = await lambdaCase();
    const files = render(model, templates);
    for (const table of model.tables) {
      const mentioning = files.filter((f) => f.content.includes(table.pipe.name)).map((f) => f.path);
      if (table.loader === 'lambda') expect(mentioning, table.name).toEqual(['model.json']);
      else expect(mentioning, table.name).toContain(`2_tables/${table.name}/4_pipe.sql`);
    }
    expect(JSON.parse(files.find((f) => f.path === 'model.json')?.content ?? '{}').tables).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'orders', loader: 'lambda' }),
        expect.not.objectContaining({ loader: expect.anything() }),
      ]),
    );
  });

  it('with no pipe at all, the pipe-status view selects no row (one statement, typed columns)', async () => {
    const model = await lambdaCase();
    const allLambda = { ...model, tables: model.tables.map((t) => ({ ...t, loader: 'lambda' as const })) };
    const views =
      render(allLambda, templates).find((f) => f.path === '3_monitoring/1_views.sql')?.content ?? '';
    const statement = splitStatements(views).statements.find((s) => s.text.includes('SNOWSTAGE_PIPE_STATUS'));
    expect(statement?.text).toContain(
      'SELECT CAST(NULL AS VARCHAR) AS SNOWSTAGE_TABLE, CAST(NULL AS VARCHAR) AS PIPE_NAME, CAST(NULL AS VARIANT) AS STATUS\nLIMIT 0',
    );
    expect(statement?.text).not.toContain('SYSTEM$PIPE_STATUS(');
  });
});
