/**
 * A tiny S3 stand-in for the two bucket-notification calls, which s3rver answers with 501 (test-infra.md §1):
 * `GET /<bucket>?notification` returns the stored XML, `PUT /<bucket>?notification` records the body and stores
 * it, so the next GET sees what was written (as on S3). Anything else is 501, so an unexpected call fails loudly.
 * Path-style only: point the real SDK at it with `forcePathStyle` and `endpoint`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';

export interface RecordedS3Request {
  method: string;
  bucket: string;
  /** query string without the leading `?` */
  query: string;
}

export interface RecordingS3 {
  endpoint: string;
  requests: RecordedS3Request[];
  /** bodies of PutBucketNotificationConfiguration, in order */
  puts: string[];
  /** the stored configuration document, per bucket */
  configurations: Map<string, string>;
  close(): Promise<void>;
}

export const EMPTY_NOTIFICATION_XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></NotificationConfiguration>';

export async function startRecordingS3(initial: Record<string, string> = {}): Promise<RecordingS3> {
  const requests: RecordedS3Request[] = [];
  const puts: string[] = [];
  const configurations = new Map(Object.entries(initial));
  const server = createServer((req, res) => {
    handle(req, res, { requests, puts, configurations }).catch((error: unknown) => {
      send(res, 500, errorXml('InternalError', String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    puts,
    configurations,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  state: Pick<RecordingS3, 'requests' | 'puts' | 'configurations'>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://s3.local');
  const bucket = decodeURIComponent(url.pathname.replace(/^\/|\/$/g, ''));
  const method = req.method ?? 'GET';
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  state.requests.push({ method, bucket, query: url.search.replace(/^\?/, '') });
  if (!url.searchParams.has('notification') || bucket.includes('/')) {
    send(res, 501, errorXml('NotImplemented', `recording S3 does not implement ${method} ${url.pathname}`));
    return;
  }
  if (method === 'GET') {
    send(res, 200, state.configurations.get(bucket) ?? EMPTY_NOTIFICATION_XML);
    return;
  }
  if (method === 'PUT') {
    const body = Buffer.concat(chunks).toString('utf8');
    state.puts.push(body);
    state.configurations.set(bucket, body);
    send(res, 200, '');
    return;
  }
  send(res, 405, errorXml('MethodNotAllowed', method));
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/** The real SDK, pointed at the endpoint; the endpoint checks no signature, so any key works. */
export function recordingS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test-key', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  });
}

/** A stored configuration as S3 returns it: flattened lists, `Queue`/`Topic`/`CloudFunction`, `Prefix` capitalised. */
export function notificationXml(parts: {
  queues?: { id?: string; arn: string; events: string[]; prefix?: string; suffix?: string }[];
  topics?: { id?: string; arn: string; events: string[]; prefix?: string; suffix?: string }[];
  lambdas?: { id?: string; arn: string; events: string[]; prefix?: string; suffix?: string }[];
  eventBridge?: boolean;
}): string {
  const element = (
    tag: string,
    destination: string,
    c: { id?: string; arn: string; events: string[]; prefix?: string; suffix?: string },
  ) => {
    const rules = [
      ...(c.prefix === undefined
        ? []
        : [`<FilterRule><Name>Prefix</Name><Value>${c.prefix}</Value></FilterRule>`]),
      ...(c.suffix === undefined
        ? []
        : [`<FilterRule><Name>Suffix</Name><Value>${c.suffix}</Value></FilterRule>`]),
    ];
    const filter = rules.length === 0 ? '' : `<Filter><S3Key>${rules.join('')}</S3Key></Filter>`;
    const id = c.id === undefined ? '' : `<Id>${c.id}</Id>`;
    const events = c.events.map((e) => `<Event>${e}</Event>`).join('');
    return `<${tag}>${id}<${destination}>${c.arn}</${destination}>${events}${filter}</${tag}>`;
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    ...(parts.topics ?? []).map((c) => element('TopicConfiguration', 'Topic', c)),
    ...(parts.queues ?? []).map((c) => element('QueueConfiguration', 'Queue', c)),
    ...(parts.lambdas ?? []).map((c) => element('CloudFunctionConfiguration', 'CloudFunction', c)),
    ...(parts.eventBridge ? ['<EventBridgeConfiguration></EventBridgeConfiguration>'] : []),
    '</NotificationConfiguration>',
  ].join('');
}
