/**
 * Wanted state × live state → change records. Pure. Each record says who resolves it (apply, a migration, or a
 * person), following the change classes of reference/snowflake-catalog.md §9: what apply's statements do on
 * their next run (CREATE … IF NOT EXISTS, ADD COLUMN IF NOT EXISTS, CREATE OR ALTER TASK, RESUME), what only a
 * migration may do (a pipe's COPY, a stage's URL), and what apply never touches (a retyped column, a stale stream, an orphan).
 */
import type { QualifiedName } from '../model/types.js';
import { qualified, qualifiedSchema } from '../sql/quote.js';
import { latestMigration, type MigrationFiles, NO_MIGRATIONS, runAdvice } from './migrations.js';
import { nameParts, sameName, sameParts } from './names.js';
import { create, find } from './records.js';
import { tableChanges } from './table-diff.js';
import type {
  LiveObject,
  LivePipe,
  LiveState,
  ObjectKind,
  PlanChange,
  WantedPipe,
  WantedState,
  WantedTask,
} from './types.js';

/** The COMMENT prefix snowstage writes on every object it creates (src/render/views.ts). */
export const SNOWSTAGE_COMMENT_PREFIX = 'snowstage:';

export type { MigrationFiles } from './migrations.js';

export function planChanges(
  wanted: WantedState,
  live: LiveState,
  migrations: MigrationFiles = NO_MIGRATIONS,
): PlanChange[] {
  return [
    ...schemaChanges(wanted, live),
    ...wanted.fileFormats.filter((f) => !find(live.fileFormats, f)).map((f) => create('file format', f, '')),
    ...stageChanges(wanted, live),
    ...wanted.tables.flatMap((t) => tableChanges(t, live.tables, migrations)),
    ...streamChanges(wanted, live),
    ...pipeChanges(wanted, live, migrations),
    ...wanted.tasks.flatMap((t) => taskChanges(t, live)),
    ...wanted.views.filter((v) => !find(live.views, v.name)).map((v) => create('view', v.name, v.label)),
    ...orphans(wanted, live, migrations),
  ];
}

function schemaChanges(wanted: WantedState, live: LiveState): PlanChange[] {
  return [...new Set([wanted.rawSchema, wanted.targetSchema])]
    .filter((schema) => !live.schemas.includes(schema))
    .map((schema) => ({
      action: 'create',
      object: 'schema',
      name: qualifiedSchema(wanted.database, schema),
      label: '',
      resolution: 'apply',
      note: 'apply creates it',
    }));
}

/**
 * A stage is never altered by apply: a stage whose URL or integration changes under its pipes stops them
 * (STOPPED_STAGE_ALTERED), so a move is a migration (reference §9).
 */
function stageChanges(wanted: WantedState, live: LiveState): PlanChange[] {
  const { name, url, integration } = wanted.stage;
  const stage = find(live.stages, name);
  if (!stage) return [create('stage', name, '')];
  const note =
    'apply never alters a stage (its pipes would stop): a stage move is a migration, ' +
    'which generate writes when the metadata changed';
  const base = {
    action: 'alter',
    object: 'stage',
    name: qualified(name),
    label: '',
    resolution: 'migration',
    note,
  } as const;
  const changes: PlanChange[] = [];
  if (stage.url !== url) changes.push({ ...base, property: 'url', live: stage.url, wanted: url });
  if (stage.storageIntegration !== integration) {
    changes.push({
      ...base,
      property: 'storage_integration',
      live: stage.storageIntegration,
      wanted: integration,
    });
  }
  return changes;
}

function streamChanges(wanted: WantedState, live: LiveState): PlanChange[] {
  return wanted.streams.flatMap((w) => {
    const stream = find(live.streams, w.name);
    if (!stream) return [create('stream', w.name, w.label)];
    const base = { object: 'stream', name: qualified(w.name), label: w.label, resolution: 'manual' } as const;
    const recreate =
      'apply does not change it: a stream is recreated by hand, and loses its offset (unmerged rows)';
    const changes: PlanChange[] = [];
    const source = [w.source.database, w.source.schema, w.source.name];
    if (!sameParts(nameParts(stream.tableName), source)) {
      changes.push({
        ...base,
        action: 'alter',
        property: 'table_name',
        live: stream.tableName,
        wanted: source.join('.'),
        note: recreate,
      });
    }
    if (stream.mode.toUpperCase() !== 'APPEND_ONLY') {
      changes.push({
        ...base,
        action: 'alter',
        property: 'mode',
        live: stream.mode,
        wanted: 'APPEND_ONLY',
        note: recreate,
      });
    }
    if (stream.stale) {
      changes.push({
        ...base,
        action: 'alter',
        property: 'stale',
        live: 'true',
        wanted: 'false',
        note: recreate,
      });
    }
    return changes;
  });
}

function pipeChanges(wanted: WantedState, live: LiveState, migrations: MigrationFiles): PlanChange[] {
  return wanted.pipes.flatMap((w) => {
    const pipe = find(live.pipes, w.name);
    if (!pipe) return [createPerhapsHidden('pipe', w, live)];
    return [...copyChange(w, pipe, migrations), ...pipeErrorIntegration(w, pipe)];
  });
}

function copyChange(w: WantedPipe, pipe: LivePipe, migrations: MigrationFiles): PlanChange[] {
  if (sameText(pipe.definition, w.copy)) return [];
  return [
    {
      action: 'recreate',
      object: 'pipe',
      name: qualified(w.name),
      label: w.label,
      property: 'definition',
      live: oneLine(pipe.definition),
      wanted: oneLine(w.copy),
      resolution: 'migration',
      note: `the COPY differs; apply never replaces a pipe (it would lose its load history): ${recreateAdvice(w.name, migrations)}`,
    },
  ];
}

/** apply sets a named integration (ALTER PIPE … SET ERROR_INTEGRATION) but never unsets one (pipe.sql.hbs). */
function pipeErrorIntegration(w: WantedPipe, pipe: LivePipe): PlanChange[] {
  const wanted = w.errorIntegration ?? '';
  if (pipe.errorIntegration === wanted) return [];
  const base = { action: 'alter', object: 'pipe', name: qualified(w.name), label: w.label } as const;
  const property = { property: 'error_integration', live: pipe.errorIntegration || '(none)' };
  if (wanted === '') {
    return [
      {
        ...base,
        ...property,
        wanted: '(none)',
        resolution: 'manual',
        note: 'apply never unsets it: run ALTER PIPE … UNSET ERROR_INTEGRATION by hand',
      },
    ];
  }
  return [
    {
      ...base,
      ...property,
      wanted,
      resolution: 'apply',
      note: 'apply sets it (ALTER PIPE … SET ERROR_INTEGRATION)',
    },
  ];
}

/**
 * Names the latest committed migration that recreates the pipe. Without one, the COPY changed without a metadata
 * change `generate` turned into a migration (or generate was not run): say both.
 */
function recreateAdvice(pipe: QualifiedName, migrations: MigrationFiles): string {
  const latest = latestMigration(migrations, [`CREATE OR REPLACE PIPE ${qualified(pipe)}`]);
  if (latest !== undefined) return runAdvice(migrations, latest);
  return (
    `no migration in ${migrations.displayDir} recreates it: run generate if the metadata changed ` +
    '(it writes one), else the pipe was changed outside snowstage'
  );
}

function taskChanges(wanted: WantedTask, live: LiveState): PlanChange[] {
  const task = find(live.tasks, wanted.name);
  if (!task) return [createPerhapsHidden('task', wanted, live)];
  const base = {
    object: 'task',
    name: qualified(wanted.name),
    label: wanted.label,
    resolution: 'apply',
  } as const;
  const altered = 'apply alters it in place (CREATE OR ALTER TASK keeps its history)';
  const changes: PlanChange[] = [];
  const property = (name: string, liveValue: string, wantedValue: string) =>
    changes.push({
      ...base,
      action: 'alter',
      property: name,
      live: liveValue,
      wanted: wantedValue,
      note: altered,
    });
  if (normalSchedule(task.schedule) !== normalSchedule(wanted.schedule)) {
    property('schedule', task.schedule, wanted.schedule);
  }
  if (task.warehouse !== (wanted.warehouse ?? '')) {
    property('warehouse', task.warehouse || '(serverless)', wanted.warehouse ?? '(serverless)');
  }
  if (!sameText(task.condition, wanted.condition)) {
    property('condition', task.condition || '(none)', wanted.condition);
  }
  if (!sameText(task.definition, wanted.definition)) {
    property('definition', oneLine(task.definition), oneLine(wanted.definition));
  }
  // CREATE OR ALTER sets the properties it names and unsets the others, so apply resolves both directions.
  if (task.errorIntegration !== (wanted.errorIntegration ?? '')) {
    property('error_integration', task.errorIntegration || '(none)', wanted.errorIntegration ?? '(none)');
  }
  if (task.state !== 'started') {
    changes.push({
      ...base,
      action: 'resume',
      property: 'state',
      live: task.state,
      wanted: 'started',
      note: 'apply resumes it',
    });
  }
  return changes;
}

/**
 * SHOW PIPES / SHOW TASKS list only objects the role owns or has MONITOR or OPERATE on (reference §0, pitfall 5):
 * when the table they belong to is there, a missing one may exist unseen, and apply's CREATE … IF NOT EXISTS would
 * then do nothing.
 */
function createPerhapsHidden(
  object: 'pipe' | 'task',
  wanted: { name: QualifiedName; label: string; landing: QualifiedName },
  live: LiveState,
): PlanChange {
  const change = create(object, wanted.name, wanted.label);
  if (!find(live.tables, wanted.landing)) return change;
  return {
    ...change,
    note: `${change.note}; its landing table exists, so check it is not just invisible to this role (SHOW lists ${object}s only with OWNERSHIP, MONITOR or OPERATE on them)`,
  };
}

/**
 * Objects in the pipeline's schemas that carry snowstage's COMMENT but are no longer generated. A committed
 * migration that drops one (generate's NNN_retire_table_<t>.sql drops a removed table's pipe, task and stream;
 * with --drop-tables its tables too) has not run yet: plan names it.
 */
function orphans(wanted: WantedState, live: LiveState, migrations: MigrationFiles): PlanChange[] {
  const kinds: [ObjectKind, readonly LiveObject[], readonly QualifiedName[]][] = [
    ['file format', live.fileFormats, wanted.fileFormats],
    ['stage', live.stages, [wanted.stage.name]],
    ['table', live.tables, wanted.tables.map((t) => t.name)],
    ['stream', live.streams, wanted.streams.map((s) => s.name)],
    ['pipe', live.pipes, wanted.pipes.map((p) => p.name)],
    ['task', live.tasks, wanted.tasks.map((t) => t.name)],
    ['view', live.views, wanted.views.map((v) => v.name)],
  ];
  return kinds.flatMap(([object, objects, names]) =>
    objects
      .filter((o) => o.comment.startsWith(SNOWSTAGE_COMMENT_PREFIX))
      .filter((o) => ![...names, ...wanted.unchecked].some((n) => sameName(n, o.name)))
      .map((o): PlanChange => {
        const base = {
          action: 'orphan',
          object,
          name: qualified(o.name),
          label: '',
          live: o.comment,
        } as const;
        const dropping = latestMigration(migrations, [
          `DROP ${object.toUpperCase()} IF EXISTS ${qualified(o.name)}`,
        ]);
        if (dropping === undefined) {
          return {
            ...base,
            resolution: 'manual',
            note: 'made by snowstage, no longer generated; apply leaves it: check and drop it by hand',
          };
        }
        return {
          ...base,
          resolution: 'migration',
          note: `made by snowstage, no longer generated; apply leaves it: ${runAdvice(migrations, dropping)} (it drops it)`,
        };
      }),
  );
}

/** Snowflake may store a definition with other whitespace than was sent (TF #246, #408). */
function sameText(live: string, wanted: string): boolean {
  return oneLine(live) === oneLine(wanted);
}

function oneLine(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\s*;\s*$/, '')
    .trim();
}

/** `5 MINUTES` and `5 minute` are one schedule; cron fields compare as written. */
function normalSchedule(schedule: string): string {
  return oneLine(schedule)
    .toUpperCase()
    .replace(/^(\d+) MINUTES$/, '$1 MINUTE');
}
