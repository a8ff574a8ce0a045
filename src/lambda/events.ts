/**
 * What an invocation asks for, read from its event (pure). The extraction handler is invoked on a schedule:
 * - an EventBridge rule's "Scheduled Event" envelope ({source: "aws.events", detail: {...}}): options in detail;
 * - a constant target Input, which replaces the whole event (EventBridge rules and EventBridge Scheduler alike):
 *   {"tables": ["books"]}, {"table": "books"}, {"command": "extract"}, {"backfill": true}, or {} for every table.
 * Anything else (an S3 or SQS notification, an unknown key) is refused with a message saying what was found.
 * Shapes: https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
 */

export interface ExtractRequest {
  readonly kind: 'extract';
  /** table names; empty means every table of the pipeline */
  readonly tables: readonly string[];
  /** start a new backfill (as `snowstage extract --backfill`) */
  readonly backfill: boolean;
}

export type ParsedEvent = ExtractRequest | { readonly kind: 'refused'; readonly message: string };

const OPTION_KEYS = new Set(['command', 'tables', 'table', 'backfill']);

export function parseScheduleEvent(event: unknown): ParsedEvent {
  if (!isObject(event)) return refused(`found ${describe(event)}, expected an object`);
  if (Array.isArray(event.Records))
    return refused(
      'found an S3/SQS notification (Records), expected a scheduled extraction event; point file events at the loader, not the extractor',
    );
  if (event.source === 'aws.events') {
    if (event['detail-type'] !== 'Scheduled Event')
      return refused(
        `found EventBridge detail-type ${describe(event['detail-type'])}, expected "Scheduled Event"`,
      );
    return parseOptions(isObject(event.detail) ? event.detail : {}, '/detail');
  }
  return parseOptions(event, '');
}

function parseOptions(options: Record<string, unknown>, at: string): ParsedEvent {
  const unknown = Object.keys(options).filter((k) => !OPTION_KEYS.has(k));
  if (unknown.length > 0)
    return refused(
      `found ${unknown.map((k) => JSON.stringify(k)).join(', ')} at ${at || '/'}, expected only ${[...OPTION_KEYS].join(', ')}`,
    );
  if (options.command !== undefined && options.command !== 'extract')
    return refused(`found command ${describe(options.command)} at ${at}/command, expected "extract"`);
  if (options.backfill !== undefined && typeof options.backfill !== 'boolean')
    return refused(`found backfill ${describe(options.backfill)} at ${at}/backfill, expected true or false`);
  const tables = tableNames(options, at);
  if (typeof tables === 'string') return refused(tables);
  return { kind: 'extract', tables, backfill: options.backfill === true };
}

function tableNames(options: Record<string, unknown>, at: string): string[] | string {
  const { table, tables } = options;
  if (table !== undefined && tables !== undefined)
    return `found both table and tables at ${at || '/'}, expected one`;
  if (table !== undefined)
    return typeof table === 'string'
      ? [table]
      : `found table ${describe(table)} at ${at}/table, expected a name`;
  if (tables === undefined) return [];
  if (!Array.isArray(tables) || !tables.every((t) => typeof t === 'string'))
    return `found tables ${describe(tables)} at ${at}/tables, expected a list of names`;
  return [...new Set(tables as string[])];
}

function refused(message: string): ParsedEvent {
  return { kind: 'refused', message };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, single-line rendering of a value for messages (events may be large or hostile). */
function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
