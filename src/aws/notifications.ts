/**
 * The bucket's event notifications that feed Snowpipe (reference §4 "S3 event notifications"): one SQS queue
 * configuration per table, `s3:ObjectCreated:*` filtered by the table's data prefix, pointing at the queue of that
 * table's pipe (DESC PIPE → notification_channel).
 *
 * A bucket has exactly one notification configuration, shared by everyone who uses the bucket, and PUT replaces
 * it whole. So this module merges: our configurations are recognised by their Id (`snowstage-<pipeline>-<table>`)
 * and added, updated in place or removed; every other queue, topic, Lambda and EventBridge configuration is kept
 * exactly as it was. Pure: the caller reads the configuration, merges, and writes only when `changed`.
 */
import type {
  Event,
  LambdaFunctionConfiguration,
  NotificationConfiguration,
  NotificationConfigurationFilter,
  QueueConfiguration,
  TopicConfiguration,
} from '@aws-sdk/client-s3';
import type { PipelineModel } from '../model/types.js';

/** Every way an object can be created (Put, Post, Copy, CompleteMultipartUpload): what Snowpipe must hear about. */
export const SNOWPIPE_EVENT: Event = 's3:ObjectCreated:*';

/** S3's documented maximum number of queue configurations per bucket (reference §4). */
export const MAX_QUEUE_CONFIGURATIONS = 100;

export interface WantedQueue {
  readonly table: string;
  /** S3 key prefix of the table's data files, e.g. "bookstore/data/books/" */
  readonly prefix: string;
  /** the pipe's notification_channel */
  readonly queueArn: string;
}

export interface WantedNotifications {
  readonly pipeline: string;
  readonly queues: readonly WantedQueue[];
}

export type ChangeKind = 'added' | 'updated' | 'removed' | 'unchanged';

export interface NotificationChange {
  readonly kind: ChangeKind;
  readonly id: string;
  readonly prefix: string;
  readonly queueArn: string;
}

/** Someone else's configuration whose filter overlaps one we need: S3 would refuse the whole PUT. */
export interface NotificationConflict {
  readonly table: string;
  readonly prefix: string;
  readonly existing: {
    readonly type: 'queue' | 'topic' | 'lambda';
    readonly id: string | undefined;
    readonly destination: string | undefined;
    readonly prefix: string;
    readonly suffix: string;
    readonly events: readonly string[];
  };
}

export type MergeResult =
  | {
      readonly ok: true;
      readonly configuration: NotificationConfiguration;
      readonly changed: boolean;
      readonly changes: readonly NotificationChange[];
    }
  | { readonly ok: false; readonly message: string; readonly conflicts: readonly NotificationConflict[] };

export function notificationId(pipeline: string, table: string): string {
  return `snowstage-${pipeline}-${table}`;
}

/**
 * Ours: `snowstage-<pipeline>-<table>` where the rest is a valid table name. Pipeline and table names never contain
 * `-`, so the Id splits one way only: pipeline `a` never claims `snowstage-a_b-books` (pipeline `a_b`), nor a
 * hand-made `snowstage-a-b-c`.
 */
export function isOwnId(id: string | undefined, pipeline: string): boolean {
  const prefix = `snowstage-${pipeline}-`;
  return id?.startsWith(prefix) === true && /^[a-z][a-z0-9_]*$/.test(id.slice(prefix.length));
}

/** One queue per table; every table must have its pipe's channel (the caller reports missing ones first). */
export function wantedNotifications(
  model: PipelineModel,
  channels: ReadonlyMap<string, string>,
): WantedNotifications {
  return {
    pipeline: model.name,
    queues: model.tables.flatMap((table) => {
      const queueArn = channels.get(table.name);
      return queueArn === undefined ? [] : [{ table: table.name, prefix: table.dataKeyPrefix, queueArn }];
    }),
  };
}

export function queueConfiguration(pipeline: string, queue: WantedQueue): QueueConfiguration {
  return {
    Id: notificationId(pipeline, queue.table),
    QueueArn: queue.queueArn,
    Events: [SNOWPIPE_EVENT],
    Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: queue.prefix }] } },
  };
}

export function mergeNotifications(
  existing: NotificationConfiguration,
  wanted: WantedNotifications,
): MergeResult {
  const conflicts = findConflicts(existing, wanted);
  if (conflicts.length > 0) return { ok: false, message: conflictMessage(wanted, conflicts), conflicts };

  const desired = new Map(wanted.queues.map((q) => [notificationId(wanted.pipeline, q.table), q]));
  const queues: QueueConfiguration[] = [];
  const changes: NotificationChange[] = [];
  const placed = new Set<string>();
  for (const current of existing.QueueConfigurations ?? []) {
    const id = current.Id;
    if (id === undefined || !isOwnId(id, wanted.pipeline)) {
      queues.push(current);
      continue;
    }
    const want = desired.get(id);
    if (want === undefined || placed.has(id)) {
      // a table that is gone (or a duplicate of ours): its files no longer concern any pipe
      changes.push({
        kind: 'removed',
        id,
        prefix: filterValue(current.Filter, 'prefix'),
        queueArn: current.QueueArn ?? '',
      });
      continue;
    }
    placed.add(id);
    const same = sameQueueConfiguration(current, want);
    queues.push(same ? current : queueConfiguration(wanted.pipeline, want));
    changes.push({ kind: same ? 'unchanged' : 'updated', id, prefix: want.prefix, queueArn: want.queueArn });
  }
  for (const [id, want] of desired) {
    if (placed.has(id)) continue;
    queues.push(queueConfiguration(wanted.pipeline, want));
    changes.push({ kind: 'added', id, prefix: want.prefix, queueArn: want.queueArn });
  }
  if (queues.length > MAX_QUEUE_CONFIGURATIONS) {
    return {
      ok: false,
      message:
        `the bucket would have ${queues.length} queue notification configurations; S3 allows at most ` +
        `${MAX_QUEUE_CONFIGURATIONS}. ${SNS_FAN_OUT}`,
      conflicts: [],
    };
  }
  const configuration = withQueues(existing, queues);
  return { ok: true, configuration, changed: changes.some((c) => c.kind !== 'unchanged'), changes };
}

/** The existing configuration with its queue list replaced; every other part is passed through untouched. */
function withQueues(
  existing: NotificationConfiguration,
  queues: QueueConfiguration[],
): NotificationConfiguration {
  const { QueueConfigurations: _replaced, ...others } = existing;
  return queues.length === 0 ? others : { ...others, QueueConfigurations: queues };
}

/** Compares what S3 gives back: Events as a set, filter rule names case-insensitively ("Prefix" vs "prefix"). */
function sameQueueConfiguration(current: QueueConfiguration, want: WantedQueue): boolean {
  const events = current.Events ?? [];
  const rules = current.Filter?.Key?.FilterRules ?? [];
  return (
    current.QueueArn === want.queueArn &&
    events.length === 1 &&
    events[0] === SNOWPIPE_EVENT &&
    rules.length === 1 &&
    filterValue(current.Filter, 'prefix') === want.prefix
  );
}

// --- overlap -------------------------------------------------------------------------------------

interface ForeignConfiguration {
  readonly type: 'queue' | 'topic' | 'lambda';
  readonly id: string | undefined;
  readonly destination: string | undefined;
  readonly events: readonly string[];
  readonly filter: NotificationConfigurationFilter | undefined;
}

function foreignConfigurations(
  existing: NotificationConfiguration,
  pipeline: string,
): ForeignConfiguration[] {
  const queues = (existing.QueueConfigurations ?? [])
    .filter((q) => !isOwnId(q.Id, pipeline))
    .map((q) => foreign('queue', q.Id, q.QueueArn, q));
  const topics = (existing.TopicConfigurations ?? []).map((t: TopicConfiguration) =>
    foreign('topic', t.Id, t.TopicArn, t),
  );
  const lambdas = (existing.LambdaFunctionConfigurations ?? []).map((l: LambdaFunctionConfiguration) =>
    foreign('lambda', l.Id, l.LambdaFunctionArn, l),
  );
  // EventBridge has no filter in the bucket configuration and never conflicts: it receives every event.
  return [...queues, ...topics, ...lambdas];
}

function foreign(
  type: ForeignConfiguration['type'],
  id: string | undefined,
  destination: string | undefined,
  config: { Events?: Event[] | undefined; Filter?: NotificationConfigurationFilter | undefined },
): ForeignConfiguration {
  return { type, id, destination, events: config.Events ?? [], filter: config.Filter };
}

/**
 * S3 rejects two configurations that share an event type when their prefixes overlap (one is a prefix of the
 * other, an absent prefix being "") and their suffixes overlap likewise. Ours has no suffix, so it overlaps any.
 */
function findConflicts(
  existing: NotificationConfiguration,
  wanted: WantedNotifications,
): NotificationConflict[] {
  const conflicts: NotificationConflict[] = [];
  for (const other of foreignConfigurations(existing, wanted.pipeline)) {
    if (!other.events.some(receivesObjectCreated)) continue;
    const prefix = filterValue(other.filter, 'prefix');
    for (const queue of wanted.queues) {
      if (!queue.prefix.startsWith(prefix) && !prefix.startsWith(queue.prefix)) continue;
      conflicts.push({
        table: queue.table,
        prefix: queue.prefix,
        existing: {
          type: other.type,
          id: other.id,
          destination: other.destination,
          prefix,
          suffix: filterValue(other.filter, 'suffix'),
          events: other.events,
        },
      });
    }
  }
  return conflicts;
}

function receivesObjectCreated(event: string): boolean {
  return event.startsWith('s3:ObjectCreated:');
}

function filterValue(filter: NotificationConfigurationFilter | undefined, name: 'prefix' | 'suffix'): string {
  const rule = (filter?.Key?.FilterRules ?? []).find((r) => String(r.Name ?? '').toLowerCase() === name);
  return rule?.Value ?? '';
}

const SNS_FAN_OUT =
  'Alternative: fan out through SNS. Send the bucket notification to an SNS topic, subscribe both the existing ' +
  "consumer and each pipe's SQS queue (its notification_channel) to the topic, allow it with the policy from " +
  "SELECT SYSTEM$GET_AWS_SNS_IAM_POLICY('<topic arn>'), create the pipes with AWS_SNS_TOPIC = '<topic arn>', and " +
  'run `snowstage apply --no-notifications`.';

function conflictMessage(wanted: WantedNotifications, conflicts: readonly NotificationConflict[]): string {
  const lines = conflicts.map((c) => {
    const other = c.existing;
    const name =
      other.id === undefined
        ? `an unnamed ${other.type} configuration`
        : `${other.type} configuration "${other.id}"`;
    const suffix = other.suffix === '' ? '' : `, suffix "${other.suffix}"`;
    return (
      `  table ${c.table} (prefix "${c.prefix}") overlaps ${name} (prefix "${other.prefix}"${suffix}, ` +
      `events ${other.events.join(' ')}, to ${other.destination ?? 'unknown'})`
    );
  });
  return [
    `cannot add the S3 event notifications of pipeline ${wanted.pipeline}: S3 refuses notification configurations ` +
      'whose prefix filters overlap for the same event types, and the bucket already has:',
    ...lines,
    'Nothing was changed. Narrow or remove the other configuration if it is no longer needed.',
    SNS_FAN_OUT,
  ].join('\n');
}
