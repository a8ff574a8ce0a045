/**
 * COPY INTO for exactly the named data files of one table: the pipe's own COPY (table/pipe_copy partial, so the
 * file format, column matching, metadata columns and ON_ERROR are the pipe's) with a FILES clause after FROM.
 * FILES names are relative to the FROM path (the stage URL, FROM path and name are joined with no "/" added) and
 * take at most 1,000 names. https://docs.snowflake.com/en/sql-reference/sql/copy-into-table
 */
import type { PipelineModel, TableModel } from '../model/types.js';
import { literal } from '../sql/quote.js';
import type { Templates } from './render.js';
import { pipeView } from './views.js';

export const MAX_COPY_FILES = 1000;

export function copyFilesStatements(
  model: PipelineModel,
  table: TableModel,
  files: readonly string[],
  templates: Templates,
): string[] {
  // FILES names exactly the data files: a snapshot table's PATTERN (data files, not markers) is left out
  const lines = templates['table/pipe_copy']({ ...pipeView(model, table), pattern: undefined })
    .trimEnd()
    .split('\n');
  const from = lines.findIndex((line) => line.startsWith('  FROM '));
  if (from < 0) throw new Error('the pipe COPY has no FROM line');
  const statements: string[] = [];
  for (let i = 0; i < files.length; i += MAX_COPY_FILES) {
    const names = files
      .slice(i, i + MAX_COPY_FILES)
      .map(literal)
      .join(', ');
    statements.push(
      [...lines.slice(0, from + 1), `  FILES = (${names})`, ...lines.slice(from + 1)].join('\n'),
    );
  }
  return statements;
}
