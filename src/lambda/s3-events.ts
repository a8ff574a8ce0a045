/**
 * S3 "object created" notifications, delivered directly, through SQS or through EventBridge, read into the objects
 * they name (pure), and each object sorted into a table's new file (and the pipe whose COPY loads it) or something
 * the loader ignores.
 * Shapes: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, …/AmazonS3/latest/userguide/ev-events.html
 */
import { hasPipe, type PipelineModel, type TableModel } from '../model/types.js';
import type { CopyKind } from '../render/copy-files.js';
import { MARKER_FILE_PATTERN, SNAPSHOT_FILE_PATTERN } from '../render/views.js';

export interface NotifiedObject {
  /** the SQS message that carried it (for batchItemFailures); undefined for direct and EventBridge delivery */
  readonly messageId: string | undefined;
  readonly bucket: string;
  readonly key: string;
}

export type ObjectEvent =
  | { readonly kind: 'objects'; readonly objects: readonly NotifiedObject[] }
  | { readonly kind: 'refused'; readonly message: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseObjectEvent(event: unknown): ObjectEvent {
  if (!isObject(event))
    return { kind: 'refused', message: 'expected an S3, SQS or EventBridge event object' };
  // the test message S3 sends when a notification configuration is saved: nothing to load
  if (event.Event === 's3:TestEvent') return { kind: 'objects', objects: [] };
  if (event.source === 'aws.s3') return { kind: 'objects', objects: eventBridgeObjects(event) };
  if (!Array.isArray(event.Records))
    return {
      kind: 'refused',
      message: 'expected Records (S3 or SQS) or an EventBridge "Object Created" event',
    };
  const objects = event.Records.flatMap((record: unknown): NotifiedObject[] => {
    if (!isObject(record)) return [];
    if (record.eventSource === 'aws:sqs') return sqsObjects(record);
    return s3Objects(record, undefined);
  });
  return { kind: 'objects', objects };
}

function s3Objects(record: Json, messageId: string | undefined): NotifiedObject[] {
  if (record.eventSource !== 'aws:s3' || typeof record.eventName !== 'string') return [];
  if (!record.eventName.startsWith('ObjectCreated:')) return [];
  const s3 = isObject(record.s3) ? record.s3 : {};
  const bucket = isObject(s3.bucket) ? s3.bucket.name : undefined;
  const key = isObject(s3.object) ? s3.object.key : undefined;
  if (typeof bucket !== 'string' || typeof key !== 'string') return [];
  // keys arrive form-encoded: a space is "+", everything else percent-encoded
  return [{ messageId, bucket, key: decodeKey(key) }];
}

function sqsObjects(record: Json): NotifiedObject[] {
  const messageId = typeof record.messageId === 'string' ? record.messageId : undefined;
  let body: unknown;
  try {
    body = JSON.parse(String(record.body));
  } catch {
    return []; // not an S3 notification: nothing of ours to load, and redelivering it would not change that
  }
  if (!isObject(body) || !Array.isArray(body.Records)) return [];
  return body.Records.flatMap((r: unknown) => (isObject(r) ? s3Objects(r, messageId) : []));
}

function eventBridgeObjects(event: Json): NotifiedObject[] {
  if (event['detail-type'] !== 'Object Created' || !isObject(event.detail)) return [];
  const { bucket, object } = event.detail;
  const name = isObject(bucket) ? bucket.name : undefined;
  const key = isObject(object) ? object.key : undefined;
  if (typeof name !== 'string' || typeof key !== 'string') return [];
  return [{ messageId: undefined, bucket: name, key }];
}

function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

export type ObjectClass =
  | {
      readonly kind: 'data';
      readonly table: TableModel;
      /** whose pipe's COPY loads it (the pipe the table would have with loader: snowpipe) */
      readonly copy: CopyKind;
      /** relative to that COPY's FROM folder, as FILES takes it */
      readonly file: string;
      /** relative to the stage root, as COPY's result rows end */
      readonly stageFile: string;
    }
  | { readonly kind: 'ignored'; readonly reason: string };

/** The pipes' PATTERNs (views.ts), matched as Snowflake does: against the whole path. */
const SNAPSHOT_FILE = new RegExp(`^${SNAPSHOT_FILE_PATTERN}$`);
const MARKER_FILE = new RegExp(`^${MARKER_FILE_PATTERN}$`);

/**
 * A new file of one of the pipeline's tables and the pipe whose COPY loads it, or why the loader leaves this object
 * alone. The files are those the table's pipes would load with loader: snowpipe: data files (a snapshot table's
 * also its completion markers) and, with delete_detection, key files and key markers under `data/_keys/<table>/`.
 */
export function classifyObject(model: PipelineModel, bucket: string, key: string): ObjectClass {
  if (bucket !== model.s3.bucket)
    return { kind: 'ignored', reason: `bucket ${bucket} is not the pipeline's` };
  if (key.endsWith('/')) return { kind: 'ignored', reason: 'a folder marker' };
  // key folders first: `data/_keys/<table>/` lies inside the data root every data folder shares
  const keysOf = model.tables.find((t) => t.deleteDetection && key.startsWith(t.keysKeyPrefix));
  if (keysOf) return classifyKeyFile(keysOf, key);
  const table = model.tables.find((t) => key.startsWith(t.dataKeyPrefix));
  // state, manifests and leases live under <prefix>_snowstage/, outside every data folder
  if (!table) return { kind: 'ignored', reason: "not under a table's data folder" };
  if (!key.endsWith('.csv.gz')) return { kind: 'ignored', reason: 'not a .csv.gz data file' };
  const ignored = pipeLoaded(table);
  if (ignored) return ignored;
  const file = key.slice(table.dataKeyPrefix.length);
  if (table.mode !== 'snapshot') return loaded(table, 'data', file);
  // a snapshot table's folder holds data files and completion markers, told apart as its two pipes' PATTERNs do
  if (MARKER_FILE.test(key)) return loaded(table, 'snapshot_marker', file);
  if (SNAPSHOT_FILE.test(key)) return loaded(table, 'data', file);
  return { kind: 'ignored', reason: 'neither a snapshot data file nor a completion marker' };
}

function classifyKeyFile(table: TableModel, key: string): ObjectClass {
  const ignored = pipeLoaded(table);
  if (ignored) return ignored;
  const file = key.slice(table.keysKeyPrefix.length);
  if (MARKER_FILE.test(key)) return loaded(table, 'key_marker', file);
  if (SNAPSHOT_FILE.test(key)) return loaded(table, 'key_file', file);
  return { kind: 'ignored', reason: 'neither a key file nor a key-snapshot completion marker' };
}

/** A file is loaded by one loader only: a pipe and a COPY would each load it (separate load histories). */
function pipeLoaded(table: TableModel): ObjectClass | undefined {
  if (!hasPipe(table)) return undefined;
  return { kind: 'ignored', reason: `table ${table.name} is loaded by its pipe (loader: snowpipe)` };
}

function loaded(table: TableModel, copy: CopyKind, file: string): ObjectClass {
  const root = table.dataKeyPrefix.slice(0, table.dataKeyPrefix.length - table.stagePath.length);
  const folder = copy === 'key_file' || copy === 'key_marker' ? table.keysKeyPrefix : table.dataKeyPrefix;
  return { kind: 'data', table, copy, file, stageFile: `${folder.slice(root.length)}${file}` };
}
