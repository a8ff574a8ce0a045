/**
 * A migration's comments name the pipes it recreates. Validation refuses line breaks in names; the migration
 * still passes every label through the comment escaper (issue 14), so a name that reached it could not end a
 * comment and become a statement. Tested by handing it such a model directly.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withMigrations } from '../../src/generated/migrations.js';
import type { PipelineModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { loadTemplates, render } from '../../src/render/render.js';
import { splitStatements } from '../../src/sql/split.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const templates = loadTemplates();
const PIPE_FILE = '2_tables/books/4_pipe.sql';

async function exampleModel(): Promise<PipelineModel> {
  const { model } = await loadPipeline({ dir: `${ROOT}metadata`, env: {}, cwd: ROOT });
  if (!model) throw new Error('the example metadata must be valid');
  return model;
}

/** The books pipe renamed; the committed tree holds an older COPY, so a migration recreates the pipe. */
function migrationFor(model: PipelineModel, pipeName: string): string {
  const renamed: PipelineModel = {
    ...model,
    tables: model.tables.map((t) => (t.name === 'books' ? { ...t, pipe: { ...t.pipe, name: pipeName } } : t)),
  };
  const rendered = render(renamed, templates);
  const committed = new Map(rendered.map((f) => [f.path, f.content]));
  const pipe = committed.get(PIPE_FILE) ?? '';
  committed.set(PIPE_FILE, pipe.replace(/^COPY INTO/m, 'COPY  INTO'));
  const migration = withMigrations(renamed, committed, rendered, templates).files.find((f) =>
    f.path.startsWith('migrations/'),
  );
  if (!migration) throw new Error('expected a migration');
  return migration.content;
}

describe('migration comments', () => {
  it.each([
    ['a line feed', 'BOOKS_PIPE\nDROP TABLE T;\n--'],
    ['a carriage return', 'BOOKS_PIPE\rDROP TABLE T;\r--'],
    ['U+2028', 'BOOKS_PIPE\u2028DROP TABLE T;\u2028--'],
    ['NEL', 'BOOKS_PIPE\u0085DROP TABLE T;\u0085--'],
  ])('a pipe name with %s stays inside its comments', async (_what, hostile) => {
    const model = await exampleModel();
    const plain = migrationFor(model, 'BOOKS_PIPE');
    const attacked = migrationFor(model, hostile);
    expect(splitStatements(attacked).statements.length).toBe(splitStatements(plain).statements.length);
    // Inside a quoted identifier the name is inert; everywhere else (the comments) it must stay on its line.
    const outsideIdentifiers = attacked.replace(/"(?:[^"]|"")*"/g, '""');
    expect(outsideIdentifiers).not.toMatch(/[\r\u0085\u2028\u2029]/);
    expect(outsideIdentifiers).not.toMatch(/^DROP TABLE T;/m);
  });
});
