/**
 * The three shapes of `snowstage plan`: what the model wants to exist, what the account has (read by SHOW), and
 * the change records the pure diff produces from the two.
 */
import type { QualifiedName } from '../model/types.js';

/** Kinds of objects plan compares, in the order apply creates them (also the order changes are printed in). */
export const OBJECT_KINDS = [
  'schema',
  'file format',
  'stage',
  'table',
  'stream',
  'pipe',
  'task',
  'view',
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface WantedColumn {
  readonly name: string;
  /** canonical (src/plan/data-type.ts) */
  readonly type: string;
}

export interface WantedTable {
  readonly name: QualifiedName;
  /** the pipeline table it belongs to, and which of its two tables this is */
  readonly label: string;
  /** landing columns hold text: one wider than generated is kept on purpose (src/generated/model-diff.ts) */
  readonly landing: boolean;
  readonly columns: readonly WantedColumn[];
}

export interface WantedStream {
  readonly name: QualifiedName;
  readonly label: string;
  readonly source: QualifiedName;
}

export interface WantedPipe {
  readonly name: QualifiedName;
  readonly label: string;
  /** the COPY statement after AS, as rendered (compared whitespace-normalised) */
  readonly copy: string;
  /** the landing table it loads (its presence hints that a pipe missing from SHOW may only be invisible) */
  readonly landing: QualifiedName;
  /** ERROR_INTEGRATION's stored name; undefined when the metadata names none */
  readonly errorIntegration: string | undefined;
}

export interface WantedTask {
  readonly name: QualifiedName;
  readonly label: string;
  /** `5 MINUTE` or `USING CRON 0 * * * * UTC` */
  readonly schedule: string;
  /** undefined: serverless */
  readonly warehouse: string | undefined;
  /** the WHEN condition, as rendered */
  readonly condition: string;
  /** the MERGE statement after AS, as rendered */
  readonly definition: string;
  /** the landing table its stream reads (as for pipes) */
  readonly landing: QualifiedName;
  /** as for pipes */
  readonly errorIntegration: string | undefined;
}

/** A view apply replaces on every run (a table's live view, the monitoring views). */
export interface WantedView {
  readonly name: QualifiedName;
  /** e.g. `books: live view`, or `monitoring view` */
  readonly label: string;
}

export interface WantedStage {
  readonly name: QualifiedName;
  /** s3://bucket/prefix/data/ */
  readonly url: string;
  readonly integration: string;
}

export interface WantedState {
  readonly pipeline: string;
  readonly database: string;
  readonly rawSchema: string;
  readonly targetSchema: string;
  /** the pipes' format and the stage's default (query) format */
  readonly fileFormats: readonly QualifiedName[];
  readonly stage: WantedStage;
  readonly tables: readonly WantedTable[];
  readonly streams: readonly WantedStream[];
  readonly pipes: readonly WantedPipe[];
  readonly tasks: readonly WantedTask[];
  readonly views: readonly WantedView[];
  /**
   * Generated objects plan does not compare (a snapshot table's markers table, pipe and prune task; delete
   * detection's key tables, pipes and tasks): never orphans.
   */
  readonly unchecked: readonly QualifiedName[];
}

/** Every live object carries its COMMENT: the `snowstage:` prefix is how plan recognises objects it made. */
export interface LiveObject {
  readonly name: QualifiedName;
  readonly comment: string;
}

export interface LiveColumn {
  readonly name: string;
  /** canonical, or the raw data_type text when it could not be read */
  readonly type: string;
}

export interface LiveTable extends LiveObject {
  /** TABLE, TRANSIENT or TEMPORARY */
  readonly kind: string;
  /** read only for tables the model wants; undefined for others */
  readonly columns: readonly LiveColumn[] | undefined;
}

export interface LiveStage extends LiveObject {
  readonly url: string;
  readonly storageIntegration: string;
}

export interface LiveStream extends LiveObject {
  /** `DB.S.T` as SHOW STREAMS prints it */
  readonly tableName: string;
  readonly mode: string;
  readonly stale: boolean;
}

export interface LivePipe extends LiveObject {
  readonly definition: string;
  /** '' when none */
  readonly errorIntegration: string;
}

export interface LiveTask extends LiveObject {
  /** `started` or `suspended` */
  readonly state: string;
  readonly schedule: string;
  /** '' when serverless (SHOW TASKS may print NULL or the string `null`) */
  readonly warehouse: string;
  readonly condition: string;
  readonly definition: string;
  /** '' when none (SHOW TASKS may print NULL or the string `null`) */
  readonly errorIntegration: string;
}

export interface LiveState {
  /** schemas of the pipeline's database that exist */
  readonly schemas: readonly string[];
  readonly fileFormats: readonly LiveObject[];
  readonly stages: readonly LiveStage[];
  readonly tables: readonly LiveTable[];
  readonly streams: readonly LiveStream[];
  readonly pipes: readonly LivePipe[];
  readonly tasks: readonly LiveTask[];
  readonly views: readonly LiveObject[];
}

/**
 * Who resolves a change: `apply` does it on its next run; `migration` needs a reviewed migration run with
 * `apply --migration` (a pipe's COPY, a stage move, or whatever a committed migration does: a retyped column, an
 * orphan it drops); `manual` is drift apply never touches and no committed migration resolves.
 */
export type Resolution = 'apply' | 'migration' | 'manual';

export type ChangeAction =
  | 'create'
  | 'add column'
  | 'retype column'
  | 'extra column'
  | 'alter'
  | 'resume'
  | 'recreate'
  | 'orphan';

export interface PlanChange {
  readonly action: ChangeAction;
  readonly object: ObjectKind;
  /** the quoted qualified name, as in generated SQL */
  readonly name: string;
  /** e.g. `books: landing table`; '' for pipeline-wide objects and orphans */
  readonly label: string;
  readonly column?: string;
  readonly property?: string;
  readonly live?: string;
  readonly wanted?: string;
  readonly resolution: Resolution;
  /** one line for a person: what happens, or what to do */
  readonly note: string;
}

export interface PlanResult {
  readonly pipeline: string;
  readonly changes: readonly PlanChange[];
}
