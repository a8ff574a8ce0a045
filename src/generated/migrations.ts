/**
 * Pipe (and stage) changes that cannot be applied in place become migrations. The committed generated tree is the
 * record of what was deployed: when a table's new COPY statement differs from the one in its committed
 * 4_pipe.sql (or the stage's URL or integration changed), `generate` adds a numbered file under migrations/
 * that recreates the pipe with Snowflake's documented procedure. Existing migrations are kept as they are, so
 * the tree stays a history and a rerun of `generate` changes nothing.
 */
import type { PipelineModel, TableModel } from '../model/types.js';
import type { RenderedFile, Templates } from '../render/render.js';
import { normalize } from '../render/render.js';
import { pipeView, stageView } from '../render/views.js';
import { lineCommentText, qualifiedNameLiteral } from '../sql/quote.js';
import { splitStatements } from '../sql/split.js';

export const MIGRATIONS_DIR = 'migrations/';

export function withMigrations(
  model: PipelineModel,
  existing: ReadonlyMap<string, string>,
  rendered: readonly RenderedFile[],
  templates: Templates,
): RenderedFile[] {
  const kept = [...existing]
    .filter(([path]) => path.startsWith(MIGRATIONS_DIR))
    .map(([path, content]) => ({ path, content }));
  const byPath = new Map(rendered.map((f) => [f.path, f.content]));
  const stageChanged = changed(existing.get(STAGE_FILE), byPath.get(STAGE_FILE), stageIdentity);
  const pipes = model.tables.filter((table) => {
    const before = existing.get(pipeFile(table));
    if (before === undefined) return false; // a new table: its pipe is simply created
    return stageChanged || changed(before, byPath.get(pipeFile(table)), copyStatement);
  });
  if (pipes.length === 0) return [...rendered, ...kept];
  const number = String(kept.length + 1).padStart(3, '0');
  const reason = stageChanged
    ? "the stage's URL or storage integration changed; a stage changed under a pipe stops it (STOPPED_STAGE_ALTERED)"
    : `the COPY statement of ${pipes.map((t) => t.name).join(', ')} changed`;
  const content = templates['migration/recreate_pipes.sql']({
    pipeline: model.name,
    title: `migration ${number}`,
    sources: 'pipeline.yaml and the table files named below',
    number,
    reason: lineCommentText(reason),
    stage: stageChanged ? stageView(model) : undefined,
    pipes: pipes.map((table) => ({
      ...pipeView(model, table),
      label: lineCommentText(`pipe ${table.pipe.name} (table ${table.name})`),
      nameLiteral: qualifiedNameLiteral(table.pipe),
    })),
  });
  const path = `${MIGRATIONS_DIR}${number}_recreate_${pipes.length === 1 ? `pipe_${pipes[0]?.name}` : 'pipes'}.sql`;
  return [...rendered, ...kept, { path, content: normalize(content) }].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}

const STAGE_FILE = '1_pipeline/4_stage.sql';

function pipeFile(table: TableModel): string {
  return `2_tables/${table.name}/4_pipe.sql`;
}

function changed(
  before: string | undefined,
  after: string | undefined,
  identity: (sql: string) => string | undefined,
): boolean {
  if (before === undefined || after === undefined) return false;
  return identity(before) !== identity(after);
}

/** The COPY statement of a pipe file: what CREATE OR ALTER PIPE cannot change. */
function copyStatement(sql: string): string | undefined {
  const create = splitStatements(sql).statements.find((s) => /^CREATE\s+PIPE\b/i.test(s.text));
  const at = create?.text.search(/\bCOPY\s+INTO\b/i) ?? -1;
  return create && at >= 0 ? create.text.slice(at) : undefined;
}

/** URL and integration of the stage: changing either stops the pipes on it. */
function stageIdentity(sql: string): string | undefined {
  const create = splitStatements(sql).statements.find((s) => /^CREATE\s+STAGE\b/i.test(s.text));
  if (!create) return undefined;
  return create.text
    .split('\n')
    .filter((line) => /^\s*(URL|STORAGE_INTEGRATION)\s*=/.test(line))
    .join('\n');
}
