/**
 * COPY INTO for exactly the named files of one pipe's folder: the pipe's own COPY (table/pipe_copy partial, from the
 * same view model as its CREATE PIPE, so target table, file format, column matching, metadata columns and ON_ERROR
 * are the pipe's) with a FILES clause after FROM. Four pipes can load a table's files: the data pipe, a snapshot
 * table's completion-markers pipe and delete detection's key-file and key-marker pipes; with loader: lambda none of
 * them exists and the Lambda COPY loader runs their COPY instead. FILES names are relative to the FROM path (the
 * stage URL, FROM path and name are joined with no "/" added) and take at most 1,000 names; the PATTERN that tells
 * a folder's files apart is left out, since FILES names exactly the files the loader sorted to this pipe.
 * https://docs.snowflake.com/en/sql-reference/sql/copy-into-table
 */
import type { PipelineModel, TableModel } from '../model/types.js';
import { literal } from '../sql/quote.js';
import { deleteDetectionView } from './delete-detection-view.js';
import type { Templates } from './render.js';
import { snapshotView } from './snapshot-view.js';
import { pipeView } from './views.js';

export const MAX_COPY_FILES = 1000;

/** Which pipe's COPY loads a file: the data pipe, the snapshot markers pipe, or a key-snapshot pipe. */
export type CopyKind = 'data' | 'snapshot_marker' | 'key_file' | 'key_marker';

/** The view the table/pipe_copy partial renders for the pipe that loads files of this kind. */
export function pipeCopyView(model: PipelineModel, table: TableModel, kind: CopyKind): object {
  if (kind === 'data') return pipeView(model, table);
  if (kind === 'snapshot_marker') {
    const view = snapshotView(model, table);
    if (!view) throw new Error(`table ${table.name} is not a snapshot table`);
    return view.markersCopy;
  }
  const view = deleteDetectionView(model, table);
  if (!view) throw new Error(`table ${table.name} has no delete detection`);
  return kind === 'key_file' ? view.keysCopy : view.markersCopy;
}

export function copyFilesStatements(
  model: PipelineModel,
  table: TableModel,
  files: readonly string[],
  templates: Templates,
  kind: CopyKind = 'data',
): string[] {
  const lines = templates['table/pipe_copy']({ ...pipeCopyView(model, table, kind), pattern: undefined })
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
