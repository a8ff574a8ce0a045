/** Snowflake answers and expectations shared by the apply tests. */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { FakeRule } from '../support/fake-snowflake.js';

export const IAM_USER_ARN = 'arn:aws:iam::123456789001:user/abc1-b-self1234';
/** the example metadata pins this external id */
export const EXTERNAL_ID = 'snowstage-bookstore-7f3a9c';
export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789001:sf-snowpipe-AIDAEXAMPLE-abc';
export const OTHER_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789001:sf-snowpipe-AIDAEXAMPLE-def';

/** DESC INTEGRATION as Snowflake answers it: one row per property (reference §1). */
export function describeIntegrationRule(): FakeRule {
  const row = (property: string, type: string, value: string, fallback = '') => ({
    property,
    property_type: type,
    property_value: value,
    property_default: fallback,
  });
  return {
    match: /^DESC INTEGRATION "SNOWSTAGE_BOOKSTORE_S3"$/,
    reply: {
      rows: [
        row('ENABLED', 'Boolean', 'true', 'false'),
        row('STORAGE_PROVIDER', 'String', 'S3'),
        row('STORAGE_ALLOWED_LOCATIONS', 'List', 's3://snowstage-bookstore/bookstore/'),
        row('STORAGE_BLOCKED_LOCATIONS', 'List', ''),
        row('STORAGE_AWS_IAM_USER_ARN', 'String', IAM_USER_ARN),
        row('STORAGE_AWS_ROLE_ARN', 'String', 'arn:aws:iam::123456789012:role/snowstage-bookstore'),
        row('STORAGE_AWS_EXTERNAL_ID', 'String', EXTERNAL_ID),
        row('COMMENT', 'String', 'snowstage: S3 access for pipeline bookstore'),
      ],
    },
  };
}

/** DESC PIPE with the SHOW PIPES columns (reference §4); `channel` null for a pipe without auto-ingest. */
export function describePipeRule(pipe: string, channel: string | null): FakeRule {
  return {
    match: (sql) => sql === `DESC PIPE "ANALYTICS"."BOOKSTORE_RAW"."${pipe}"`,
    reply: {
      rows: [
        {
          created_on: '2025-01-01 00:00:00.000 +0000',
          name: pipe,
          database_name: 'ANALYTICS',
          schema_name: 'BOOKSTORE_RAW',
          definition: 'COPY INTO ...',
          owner: 'SNOWSTAGE_LOADER',
          notification_channel: channel,
          comment: '',
          integration: null,
          pattern: null,
          error_integration: null,
          owner_role_type: 'ROLE',
          invalid_reason: null,
          kind: 'STAGE',
        },
      ],
    },
  };
}

export function postApplyRules(
  channels: { books?: string | null; book_reviews?: string | null } = {},
): FakeRule[] {
  return [
    describeIntegrationRule(),
    describePipeRule('BOOKS_PIPE', channels.books === undefined ? QUEUE_ARN : channels.books),
    describePipeRule(
      'BOOK_REVIEWS_PIPE',
      channels.book_reviews === undefined ? QUEUE_ARN : channels.book_reviews,
    ),
  ];
}

export interface ExpectedStatement {
  file: string;
  line: number;
  text: string;
}

/**
 * The statements of the generated files as a reviewer would read them, found without the project's splitter:
 * generated statements start on a line of their own after comments/blank lines and end with `;` at a line end.
 */
export async function expectedStatements(
  generatedDir: string,
  applied: RegExp = /^(1_pipeline|2_tables|3_monitoring)\/.*\.sql$/,
): Promise<ExpectedStatement[]> {
  const files = (await listFiles(generatedDir))
    .filter((f) => applied.test(f))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const statements: ExpectedStatement[] = [];
  for (const file of files) {
    const lines = (await readFile(join(generatedDir, file), 'utf8')).split('\n');
    let current: { line: number; lines: string[] } | undefined;
    // a `$$` block (an alert's EXECUTE IMMEDIATE action) spans lines ending in `;` that do not end the statement
    let inDollarBlock = false;
    lines.forEach((text, i) => {
      if (current === undefined) {
        if (text.trim() === '' || text.trimStart().startsWith('--')) return;
        current = { line: i + 1, lines: [] };
      }
      current.lines.push(text);
      if ((text.split('$$').length - 1) % 2 === 1) inDollarBlock = !inDollarBlock;
      if (!inDollarBlock && /;\s*$/.test(text)) {
        statements.push({ file, line: current.line, text: current.lines.join('\n').replace(/\s*;\s*$/, '') });
        current = undefined;
      }
    });
    if (current !== undefined) throw new Error(`${file}: statement at line ${current.line} never ends`);
  }
  return statements;
}

export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  await walk(root);
  return out;
}
