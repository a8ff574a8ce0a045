/**
 * Table files written from a suggestion, and existing ones brought up to date in place with the yaml Document
 * API: only the `columns` entries MySQL changed are touched, so overrides, target names, schedules, descriptions
 * and comments a person wrote stay as they were. Pure: text in, text and drift out.
 */
import { Document, isMap, isScalar, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { sameType } from '../extract/schema-check.js';
import { parseMysqlType } from '../model/mysql-type.js';
import type { ColumnSuggestion, TableSuggestion } from './suggest.js';

/** One way and one width for every file introspect writes (flow maps for columns, as the example writes them). */
export const YAML_OPTIONS = { lineWidth: 118, flowCollectionPadding: true } as const;

export type Drift =
  | { readonly kind: 'added'; readonly column: string; readonly type: string }
  | { readonly kind: 'dropped'; readonly column: string }
  | { readonly kind: 'retyped'; readonly column: string; readonly from: string; readonly to: string }
  | { readonly kind: 'nullability'; readonly column: string; readonly nullable: boolean };

export function describeDrift(d: Drift): string {
  switch (d.kind) {
    case 'added':
      return `column ${d.column} (${d.type}) was added in MySQL`;
    case 'dropped':
      return `column ${d.column} was dropped in MySQL`;
    case 'retyped':
      return `column ${d.column} is ${d.to} in MySQL, ${d.from} in the metadata`;
    case 'nullability':
      return `column ${d.column} is ${d.nullable ? 'NULL-able' : 'NOT NULL'} in MySQL`;
  }
}

/** A new table file: the suggestion, each choice's reason as a comment above it. */
export function newTableText(s: TableSuggestion, schemaComment: string): string {
  const doc = new Document({
    name: s.name,
    source_table: s.sourceTable,
    ...(s.snapshot ? { mode: 'snapshot' } : {}),
    ...(s.key ? { primary_key: s.key.columns } : {}),
    ...(s.snapshot ? {} : { cursor: { column: s.cursor?.columns[0] ?? '' } }),
    ...(s.softDelete ? { soft_delete: { column: s.softDelete.columns[0] } } : {}),
    columns: s.columns.map(columnEntry),
  });
  doc.commentBefore = ` ${schemaComment}\n Written by snowstage introspect; edit freely: introspect --write keeps what you change.`;
  const root = doc.contents as YAMLMap;
  commentOn(root, 'mode', s.snapshot);
  commentOn(root, 'primary_key', s.key?.reason);
  const key = root.get('primary_key', true) as unknown as YAMLSeq | undefined;
  if (key) key.flow = true;
  const cursorNote = [s.cursor?.reason, ...s.warnings.map((w) => `warning: ${w}`)]
    .filter(Boolean)
    .join('\n ');
  commentOn(root, 'cursor', cursorNote || undefined);
  commentOn(root, 'soft_delete', s.softDelete?.reason);
  const columns = root.get('columns', true) as unknown as YAMLSeq;
  columns.items.forEach((item, n) => {
    const map = item as YAMLMap;
    map.flow = true;
    const note = s.columns[n]?.note;
    if (note) map.commentBefore = ` ${s.columns[n]?.name}: ${note}`;
  });
  return doc.toString(YAML_OPTIONS);
}

function columnEntry(c: ColumnSuggestion): Record<string, unknown> {
  return {
    name: c.name,
    type: c.type,
    ...(c.nullable ? {} : { nullable: false }),
    ...(c.snowflakeType ? { snowflake_type: c.snowflakeType } : {}),
  };
}

function commentOn(root: YAMLMap, key: string, comment: string | undefined): void {
  if (!comment) return;
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (pair && isScalar(pair.key)) pair.key.commentBefore = ` ${comment}`;
}

/**
 * The existing file's columns brought in line with MySQL: new columns inserted after their MySQL neighbour,
 * dropped ones removed, types and nullability updated in their own entries. `text` is undefined without drift
 * (the file is left byte for byte as it is).
 */
export function updateTableText(
  existing: string,
  s: TableSuggestion,
): { text: string | undefined; drift: Drift[] } | { error: string } {
  const doc = parseDocument(existing);
  const columns = isMap(doc.contents) ? doc.contents.get('columns', true) : undefined;
  if (doc.errors.length > 0 || !isSeq(columns)) {
    return { error: 'not a table file with a columns list; fix it by hand or remove it' };
  }
  const drift: Drift[] = [];
  const live = new Map(s.columns.map((c) => [c.name.toLowerCase(), c]));
  for (const item of [...columns.items]) {
    const name = String(field(item, 'name') ?? '');
    const found = live.get(name.toLowerCase());
    if (!found) {
      drift.push({ kind: 'dropped', column: name });
      columns.items.splice(columns.items.indexOf(item), 1);
      continue;
    }
    updateEntry(item as YAMLMap, found, drift);
  }
  insertAdded(doc, columns, s.columns, drift);
  return { text: drift.length > 0 ? doc.toString(YAML_OPTIONS) : undefined, drift };
}

function field(item: unknown, key: string): unknown {
  return isMap(item) ? item.get(key) : undefined;
}

function updateEntry(map: YAMLMap, live: ColumnSuggestion, drift: Drift[]): void {
  const written = String(map.get('type') ?? '');
  if (!sameColumnType(written, live.type)) {
    drift.push({ kind: 'retyped', column: live.name, from: written, to: live.type });
    const node = map.get('type', true);
    if (isScalar(node)) node.value = live.type;
    else map.set('type', live.type);
  }
  const nullable = map.get('nullable') !== false;
  if (nullable !== live.nullable) {
    drift.push({ kind: 'nullability', column: live.name, nullable: live.nullable });
    if (live.nullable) map.delete('nullable');
    else map.set('nullable', false);
  }
}

/**
 * The extractor's own test (schema-check.ts): decimal and decimal(10,0), int(11) and int, MariaDB's json and
 * longtext hold the same values, so they are no drift.
 */
function sameColumnType(written: string, live: string): boolean {
  const a = parseMysqlType(written);
  const b = parseMysqlType(live);
  if ('error' in a || 'error' in b) return written.trim().toLowerCase() === live.trim().toLowerCase();
  return sameType(a, b);
}

function insertAdded(
  doc: Document,
  columns: YAMLSeq,
  live: readonly ColumnSuggestion[],
  drift: Drift[],
): void {
  const position = (name: string) =>
    columns.items.findIndex((i) => String(field(i, 'name') ?? '').toLowerCase() === name.toLowerCase());
  live.forEach((c, n) => {
    if (position(c.name) >= 0) return;
    drift.push({ kind: 'added', column: c.name, type: c.type });
    const before = live[n - 1];
    const at = before ? position(before.name) + 1 : 0;
    const entry = doc.createNode(columnEntry(c)) as YAMLMap;
    entry.flow = true;
    if (c.note) entry.commentBefore = ` ${c.name}: ${c.note}`;
    columns.items.splice(at, 0, entry);
  });
}
