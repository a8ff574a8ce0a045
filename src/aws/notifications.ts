/**
 * The bucket's event notifications that feed Snowpipe (reference §4 "S3 event notifications"): one SQS queue
 * configuration per table, `s3:ObjectCreated:*` filtered by the table's data prefix, pointing at the queue of that
 * table's pipe (DESC PIPE → notification_channel).
 *
 * A bucket has exactly one notification configuration, shared by everyone who uses the bucket, and PUT replaces
 * it whole. So this module merges: our configurations are recognised by their Id and added, updated in place or
 * removed; every other queue, topic, Lambda and EventBridge configuration is kept exactly as it was. Pure: the
 * caller reads the configuration, merges, and writes only when `changed`.
 *
 * The Id is `snowstage-<pipeline>-<key>-<table>`, where the key is a hash of the pipeline's S3 prefix: two
 * deployments of one pipeline name on one bucket (staging/ and prod/) never share an Id, so one apply never
 * replaces the other's entry (issue 14). A configuration with our Id whose filter lies outside our data folder
 * is a mismatch and is refused, never rewritten.
 */
import { createHash } from 'node:crypto';
import type {
  Event,
  LambdaFunctionConfiguration,
  NotificationConfiguration,
  NotificationConfigurationFilter,
  QueueConfiguration,
  TopicConfiguration,
} from '@aws-sdk/client-s3';
import { keySnapshotNotification } from '../model/key-snapshot-pipes.js';
import { hasPipe, type PipelineModel } from '../model/types.js';

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

/** Whose configurations these are: a pipeline name and its S3 key prefix ("" or ending in "/"). */
export interface NotificationOwner {
  readonly pipeline: string;
  readonly pipelinePrefix: string;
}

export interface WantedNotifications extends NotificationOwner {
  readonly queues: readonly WantedQueue[];
  /**
   * A table is loaded by the Lambda COPY loader, whose EventBridge rule needs the bucket to send its events to
   * EventBridge (EventBridgeConfiguration). Turned on, never off: someone else may rely on it.
   */
  readonly eventBridge?: boolean;
}

/** How the change list names the bucket's EventBridge delivery (it has no Id, prefix or queue). */
export const EVENTBRIDGE_CHANGE = {
  id: 'EventBridge',
  prefix: '(every object event of the bucket)',
  queueArn: 'the default event bus (the Lambda loader rule)',
} as const;

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

/** 12 hex digits of SHA-256 of the pipeline's S3 prefix: tells deployments of one pipeline name apart. */
export function prefixKey(pipelinePrefix: string): string {
  return createHash('sha256').update(pipelinePrefix, 'utf8').digest('hex').slice(0, 12);
}

export function notificationId(owner: NotificationOwner, table: string): string {
  return `snowstage-${owner.pipeline}-${prefixKey(owner.pipelinePrefix)}-${table}`;
}

/** a table name, or a table's key-snapshot entry (`<table>.keys`: `.` is in no table name) */
const TABLE_NAME = /^[a-z][a-z0-9_]*(\.keys)?$/;

/**
 * Ours: `snowstage-<pipeline>-<key>-<table>` where the rest is a valid table name. Pipeline and table names never
 * contain `-` and the key is hex, so the Id splits one way only: pipeline `a` never claims a configuration of
 * pipeline `a_b`, of the same pipeline under another prefix, nor a hand-made `snowstage-a-b-c`.
 */
export function isOwnId(id: string | undefined, owner: NotificationOwner): boolean {
  const prefix = `snowstage-${owner.pipeline}-${prefixKey(owner.pipelinePrefix)}-`;
  return id?.startsWith(prefix) === true && TABLE_NAME.test(id.slice(prefix.length));
}

/** The S3 folder every one of our configurations filters on: `<prefix>data/`. */
export function dataRoot(owner: NotificationOwner): string {
  return `${owner.pipelinePrefix}data/`;
}

/**
 * How an existing queue configuration relates to this pipeline:
 * - ours: our Id, filtering inside our data folder;
 * - mismatch: our Id, filtering elsewhere (edited by hand, or a deployment whose prefix key collides): refused;
 * - legacy: the Id older versions used (`snowstage-<pipeline>-<table>`, no key) with exactly the prefix we want
 *   for that table; it is replaced by the keyed Id. With any other prefix it belongs to another deployment;
 * - foreign: anything else, kept as it is.
 */
type Ownership = 'ours' | 'mismatch' | 'legacy' | 'foreign';

function ownership(config: QueueConfiguration, wanted: WantedNotifications): Ownership {
  const prefix = filterValue(config.Filter, 'prefix');
  if (isOwnId(config.Id, wanted)) return prefix.startsWith(dataRoot(wanted)) ? 'ours' : 'mismatch';
  const legacyTable = config.Id?.startsWith(`snowstage-${wanted.pipeline}-`)
    ? config.Id.slice(`snowstage-${wanted.pipeline}-`.length)
    : undefined;
  const wantedHere = wanted.queues.find((q) => q.table === legacyTable);
  return wantedHere !== undefined && wantedHere.prefix === prefix ? 'legacy' : 'foreign';
}

/** One queue per table; every table must have its pipe's channel (the caller reports missing ones first). */
export function wantedNotifications(
  model: PipelineModel,
  channels: ReadonlyMap<string, string>,
): WantedNotifications {
  return {
    pipeline: model.name,
    pipelinePrefix: model.s3.prefix,
    eventBridge: model.tables.some((t) => !hasPipe(t)),
    // a table loaded by the Lambda COPY loader has no pipe: its files reach the loader through EventBridge
    queues: model.tables.filter(hasPipe).flatMap((table) => {
      const entries = [{ table: table.name, prefix: table.dataKeyPrefix }];
      // key snapshots (delete_detection) land in their own folder, loaded by their own pipes
      if (table.deleteDetection) {
        entries.push({ table: keySnapshotNotification(table), prefix: table.keysKeyPrefix });
      }
      return entries.flatMap((entry) => {
        const queueArn = channels.get(entry.table);
        return queueArn === undefined ? [] : [{ ...entry, queueArn }];
      });
    }),
  };
}

export function queueConfiguration(owner: NotificationOwner, queue: WantedQueue): QueueConfiguration {
  return {
    Id: notificationId(owner, queue.table),
    QueueArn: queue.queueArn,
    Events: [SNOWPIPE_EVENT],
    Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: queue.prefix }] } },
  };
}

export function mergeNotifications(
  existing: NotificationConfiguration,
  wanted: WantedNotifications,
): MergeResult {
  const mismatched = (existing.QueueConfigurations ?? []).filter((q) => ownership(q, wanted) === 'mismatch');
  if (mismatched.length > 0)
    return { ok: false, message: mismatchMessage(wanted, mismatched), conflicts: [] };
  const conflicts = findConflicts(existing, wanted);
  if (conflicts.length > 0) return { ok: false, message: conflictMessage(wanted, conflicts), conflicts };

  const desired = new Map(wanted.queues.map((q) => [notificationId(wanted, q.table), q]));
  const queues: QueueConfiguration[] = [];
  const changes: NotificationChange[] = [];
  const placed = new Set<string>();
  for (const current of existing.QueueConfigurations ?? []) {
    const id = current.Id;
    const relation = ownership(current, wanted);
    if (id === undefined || relation === 'foreign') {
      queues.push(current);
      continue;
    }
    const want = relation === 'ours' ? desired.get(id) : undefined;
    if (want === undefined || placed.has(id)) {
      // a table that is gone, a duplicate of ours, or an unkeyed Id of ours (re-added below under the keyed Id)
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
    queues.push(same ? current : queueConfiguration(wanted, want));
    changes.push({ kind: same ? 'unchanged' : 'updated', id, prefix: want.prefix, queueArn: want.queueArn });
  }
  for (const [id, want] of desired) {
    if (placed.has(id)) continue;
    queues.push(queueConfiguration(wanted, want));
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
  let configuration = withQueues(existing, queues);
  if (wanted.eventBridge === true) {
    const on = existing.EventBridgeConfiguration !== undefined;
    if (!on) configuration = { ...configuration, EventBridgeConfiguration: {} };
    changes.push({ kind: on ? 'unchanged' : 'added', ...EVENTBRIDGE_CHANGE });
  }
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
  wanted: WantedNotifications,
): ForeignConfiguration[] {
  const queues = (existing.QueueConfigurations ?? [])
    .filter((q) => ownership(q, wanted) === 'foreign')
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
  for (const other of foreignConfigurations(existing, wanted)) {
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

function mismatchMessage(wanted: WantedNotifications, mismatched: readonly QueueConfiguration[]): string {
  const lines = mismatched.map(
    (q) =>
      `  queue configuration "${q.Id}" filters prefix "${filterValue(q.Filter, 'prefix')}" (to ${q.QueueArn ?? 'unknown'})`,
  );
  return [
    `cannot update the S3 event notifications of pipeline ${wanted.pipeline} (prefix "${wanted.pipelinePrefix}"): ` +
      `these configurations carry its Id but filter keys outside "${dataRoot(wanted)}":`,
    ...lines,
    'Nothing was changed. snowstage does not rewrite a configuration it cannot prove is its own; check who made ' +
      'it, then remove or rename it.',
  ].join('\n');
}

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
