/**
 * Plan output: terraform-like text for people (`+` create, `~` change, `-/+` recreate, `-` orphan, a `#` note
 * per line and a summary), and one JSON document for machines. Pure.
 */
import type { PlanChange, PlanResult } from './types.js';

export interface PlanSummary {
  /** objects apply creates */
  readonly create: number;
  /** changes apply makes to existing objects (added columns, altered or resumed tasks) */
  readonly change: number;
  /** changes only a reviewed migration makes (a pipe's COPY, a stage move, a column a committed migration retypes) */
  readonly migration: number;
  /** drift apply leaves alone (retyped or extra columns, stale streams, a table's kind) */
  readonly manual: number;
  /** snowstage objects no longer generated (whether or not a committed migration drops them) */
  readonly orphan: number;
}

export function summarize(changes: readonly PlanChange[]): PlanSummary {
  const count = (test: (c: PlanChange) => boolean) => changes.filter(test).length;
  return {
    create: count((c) => c.action === 'create'),
    change: count((c) => c.resolution === 'apply' && c.action !== 'create'),
    migration: count((c) => c.resolution === 'migration' && c.action !== 'orphan'),
    manual: count((c) => c.resolution === 'manual' && c.action !== 'orphan'),
    orphan: count((c) => c.action === 'orphan'),
  };
}

export function formatPlanJson(result: PlanResult): string {
  const document = {
    pipeline: result.pipeline,
    changed: result.changes.length > 0,
    summary: summarize(result.changes),
    changes: result.changes,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function formatPlanText(result: PlanResult): string {
  if (result.changes.length === 0) {
    return `No changes: the account matches pipeline ${result.pipeline}.\n`;
  }
  const lines = [`snowstage plan: pipeline ${result.pipeline}`, ''];
  for (const group of groupByObject(result.changes)) lines.push(...groupLines(group));
  lines.push('', summaryLine(summarize(result.changes)));
  return `${lines.join('\n')}\n`;
}

/** Consecutive records of one object become one block (the diff emits them together). */
function groupByObject(changes: readonly PlanChange[]): PlanChange[][] {
  const groups: PlanChange[][] = [];
  for (const change of changes) {
    const last = groups.at(-1);
    const head = last?.[0];
    if (last && head && head.object === change.object && head.name === change.name && !isWhole(change)) {
      last.push(change);
    } else {
      groups.push([change]);
    }
  }
  return groups;
}

/** Records about a whole object (created or orphaned) stand alone. */
function isWhole(change: PlanChange): boolean {
  return change.action === 'create' || change.action === 'orphan';
}

function groupLines(group: readonly PlanChange[]): string[] {
  const head = group[0] as PlanChange;
  const title = `${head.object} ${head.name}${head.label === '' ? '' : ` (${head.label})`}`;
  if (head.action === 'create') return [`  + ${title}  # ${head.note}`];
  if (head.action === 'orphan') return [`  - ${title}  # ${head.note}`, `      comment: ${head.live ?? ''}`];
  const symbol = group.some((c) => c.action === 'recreate') ? '-/+' : '~';
  return [`  ${symbol} ${title}`, ...group.flatMap(detailLines)];
}

function detailLines(change: PlanChange): string[] {
  const note = `  # ${change.note}`;
  switch (change.action) {
    case 'add column':
      return [`      + column "${change.column}" ${change.wanted}${note}`];
    case 'retype column':
      return [`      ~ column "${change.column}" ${change.live} -> ${change.wanted}${note}`];
    case 'extra column':
      return [`      ~ column "${change.column}" ${change.live} (not generated)${note}`];
    case 'recreate':
    case 'alter':
    case 'resume':
      return long(change)
        ? [`      ~ ${change.property}${note}`, ...differingExcerpt(change.live ?? '', change.wanted ?? '')]
        : [`      ~ ${change.property} ${change.live} -> ${change.wanted}${note}`];
    default:
      return [`      ~ ${change.action}${note}`];
  }
}

/** Definitions do not fit on one line with their note. */
function long(change: PlanChange): boolean {
  return (change.live ?? '').length + (change.wanted ?? '').length > 60;
}

const EXCERPT_BEFORE = 40;
const EXCERPT_LENGTH = 120;

/**
 * A definition can be thousands of characters (a MERGE): show both from a little before their first difference,
 * so the difference is on screen. `--json` carries the whole texts.
 */
function differingExcerpt(live: string, wanted: string): string[] {
  let at = 0;
  while (at < live.length && at < wanted.length && live[at] === wanted[at]) at += 1;
  const start = Math.max(0, at - EXCERPT_BEFORE);
  const cut = (text: string) =>
    `${start > 0 ? '…' : ''}${text.slice(start, start + EXCERPT_LENGTH)}${text.length > start + EXCERPT_LENGTH ? '…' : ''}`;
  return [`          live:   ${cut(live)}`, `          wanted: ${cut(wanted)}`];
}

function summaryLine(s: PlanSummary): string {
  const parts = [`${s.create} to create`, `${s.change} to change`];
  if (s.migration > 0) parts.push(`${s.migration} needing a migration`);
  if (s.manual > 0) parts.push(`${s.manual} that apply leaves as they are`);
  if (s.orphan > 0) parts.push(`${s.orphan} orphaned`);
  return `Plan: ${parts.join(', ')}.`;
}
