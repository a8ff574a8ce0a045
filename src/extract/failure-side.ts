/**
 * Which side of the extractor a failure came from, for the one line an operator reads: MySQL (host:port), S3
 * (bucket and endpoint), or the local state directory. Told apart by the shape the client libraries give their
 * errors, so no adapter has to wrap every call.
 */

import { SourceError } from './mysql-source.js';

export interface FailureSides {
  /** e.g. `MySQL at db.internal:3306 (database shop)` */
  readonly mysql: string;
  /** e.g. `S3 bucket acme-lake at https://s3.amazonaws.com (region eu-west-1)` */
  readonly s3: string;
}

export function describeSides(
  source: { readonly host: string; readonly port: number; readonly database: string },
  s3: { readonly bucket: string; readonly region: string },
  env: Readonly<Record<string, string | undefined>>,
): FailureSides {
  const endpoint =
    nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL) ?? 'the AWS S3 endpoint';
  const region = nonEmpty(env.AWS_REGION) ?? s3.region;
  return {
    mysql: `MySQL at ${source.host}:${source.port} (database ${source.database})`,
    s3: `S3 bucket ${s3.bucket} at ${endpoint} (region ${region})`,
  };
}

/** The error's message, prefixed with the side it came from when that can be told. */
export function explainFailure(error: unknown, sides: FailureSides | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  if (sides === undefined) return message;
  if (isAwsError(error)) {
    const status = error.$metadata.httpStatusCode;
    if (error.name === 'NoSuchBucket') return `${sides.s3}: the bucket does not exist`;
    return `${sides.s3}: ${error.name}${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`;
  }
  // the MySQL adapter already says "MySQL: …" (SourceError); name the server instead
  if (error instanceof SourceError) return `${sides.mysql}: ${message.replace(/^MySQL: /, '')}`;
  if (isMysqlError(error)) return `${sides.mysql}: ${message}`;
  if (isFileError(error)) return `local state directory: ${message}`;
  return message;
}

/** AWS SDK v3 errors (service and network alike) carry `$metadata` with the attempts made. */
function isAwsError(error: unknown): error is Error & { $metadata: { httpStatusCode?: number } } {
  return error instanceof Error && typeof (error as { $metadata?: unknown }).$metadata === 'object';
}

/** mysql2 marks server errors with `sqlState` and connection-level ones with `fatal`. */
function isMysqlError(error: unknown): boolean {
  return error instanceof Error && ('sqlState' in error || 'fatal' in error);
}

/** Node's fs errors name the path they failed on. */
function isFileError(error: unknown): boolean {
  return error instanceof Error && 'syscall' in error && 'path' in error;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
