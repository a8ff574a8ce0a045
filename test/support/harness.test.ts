/**
 * Proves the test harness itself against the real services: a throwaway MySQL database with the
 * bookstore fixture, the in-process S3 with its conditional-write shim and paging fix, and the
 * standalone S3 process. If these fail, every integration suite built on them would fail obscurely.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from './closed-port.js';
import { createTestDatabase, type MysqlTarget, mysqlTargetFromEnv, type TestDatabase } from './mysql.js';
import { createTestS3Client, startTestS3, type TestS3 } from './s3.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = join(repoRoot, 'test/fixtures/bookstore.sql');
const serverMain = join(repoRoot, 'test/support/s3-server-main.ts');

describe('mysqlTargetFromEnv', () => {
  it('defaults to root@127.0.0.1:3306 with an empty password', () => {
    expect(mysqlTargetFromEnv({})).toEqual({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  });

  it('reads the TEST_MYSQL_* overrides', () => {
    const env = {
      TEST_MYSQL_HOST: 'db',
      TEST_MYSQL_PORT: '3307',
      TEST_MYSQL_USER: 'u',
      TEST_MYSQL_PASSWORD: 'p',
    };
    expect(mysqlTargetFromEnv(env)).toEqual({ host: 'db', port: 3307, user: 'u', password: 'p' });
  });
});

describe('createTestDatabase', () => {
  let db: TestDatabase;
  let dropped = false;

  beforeAll(async () => {
    db = await createTestDatabase('harness');
    await db.runSqlFile(fixture);
  });

  afterAll(async () => {
    // normally dropped by the last test; this only cleans up after a failure
    if (!dropped) await db?.drop();
  });

  it('names the database uniquely and within MySQL limits', () => {
    expect(db.database).toMatch(/^snowstage_test_harness_\d+_[0-9a-f]{8}$/);
    expect(db.database.length).toBeLessThanOrEqual(64);
  });

  it('loads the whole bookstore fixture', async () => {
    expect(await db.query('SELECT COUNT(*) AS n FROM books')).toEqual([{ n: 20 }]);
    expect(await db.query('SELECT COUNT(*) AS n FROM book_reviews')).toEqual([{ n: 40 }]);
  });

  it('round-trips 4-byte UTF-8, control characters and NULL vs empty exactly', async () => {
    const rows = await db.query(
      'SELECT book_id, isbn13, title, author FROM books WHERE book_id IN (3, 4, 5, 6, 7) ORDER BY book_id',
    );
    expect(rows).toEqual([
      { book_id: 3, isbn13: null, title: 'The "Quoted" Title: It\'s Tricky', author: "O'Brien, Flann" },
      { book_id: 4, isbn13: '', title: 'Empty ISBN, Empty Author', author: '' },
      { book_id: 5, isbn13: '9781234567897', title: 'Dragons 🐉 & Books 📚', author: 'Zoë Ñúñez 😀' },
      { book_id: 6, isbn13: '9780000000006', title: 'Line One\nLine Two', author: 'Tab\tSeparated' },
      { book_id: 7, isbn13: '9780000000007', title: 'C:\\Windows\\Path', author: '\\N' },
    ]);
  });

  it('round-trips BLOB bytes including 0x00', async () => {
    const rows = await db.query(
      'SELECT book_id, cover_thumbnail FROM books WHERE book_id IN (1, 3, 10) ORDER BY book_id',
    );
    expect(rows).toEqual([
      { book_id: 1, cover_thumbnail: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') },
      { book_id: 3, cover_thumbnail: Buffer.alloc(0) },
      { book_id: 10, cover_thumbnail: Buffer.from([0, 0, 0]) },
    ]);
  });

  it('keeps exact DECIMAL, BIGINT UNSIGNED and microsecond values', async () => {
    expect(
      await db.query('SELECT price, rating, stock_count FROM books WHERE book_id IN (8, 9) ORDER BY book_id'),
    ).toEqual([
      { price: '99999999.99', rating: '9.99', stock_count: 2147483647 },
      { price: '-99999999.99', rating: '-9.99', stock_count: -2147483648 },
    ]);
    expect(
      await db.query(
        'SELECT helpful_votes, updated_at FROM book_reviews WHERE review_id IN (9, 33) ORDER BY review_id',
      ),
    ).toEqual([
      { helpful_votes: '18446744073709551615', updated_at: '2024-03-05 08:00:00.000000' },
      { helpful_votes: 0, updated_at: '2038-01-19 03:14:07.999999' },
    ]);
  });

  it('has the JSON, SET, soft-delete and cursor-tie rows the tests rely on', async () => {
    const [book7] = (await db.query('SELECT metadata FROM books WHERE book_id = 7')) as {
      metadata: unknown;
    }[];
    const metadata = typeof book7?.metadata === 'string' ? JSON.parse(book7.metadata) : book7?.metadata;
    expect(metadata).toEqual({ quote: 'She said "hi"', path: 'C:\\tmp' });
    expect(await db.query("SELECT book_id FROM books WHERE tags = ''")).toEqual([{ book_id: 3 }]);
    expect(await db.query('SELECT book_id FROM books WHERE deleted_at IS NOT NULL')).toEqual([
      { book_id: 18 },
    ]);
    expect(await db.query('SELECT review_id FROM book_reviews WHERE is_deleted = 1')).toEqual([
      { review_id: 40 },
    ]);
    expect(
      await db.query("SELECT COUNT(*) AS n FROM books WHERE updated_at = '2024-03-15 12:00:00'"),
    ).toEqual([{ n: 5 }]);
  });

  it('loads identically through the mariadb CLI', async (context) => {
    if (!hasCommand('mariadb')) {
      context.skip();
      return;
    }
    const viaCli = await createTestDatabase('harness_cli');
    try {
      loadWithCli(viaCli.target, viaCli.database);
      for (const table of ['books', 'book_reviews']) {
        const sql = `SELECT * FROM ${table} ORDER BY 1`;
        expect(await viaCli.query(sql)).toEqual(await db.query(sql));
      }
    } finally {
      await viaCli.drop();
    }
  });

  it('drop() removes the database', async () => {
    const { database } = db;
    const admin = await createTestDatabase('harness_admin');
    try {
      await db.drop();
      dropped = true;
      expect(
        await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
          database,
        ]),
      ).toEqual([]);
    } finally {
      await admin.drop();
    }
  });
});

describe('createTestDatabase without a server', () => {
  it('fails with a hint naming host:port, the package the private MariaDB needs and the env overrides', async () => {
    const target: MysqlTarget = { host: '127.0.0.1', port: await closedPort(), user: 'root', password: '' };
    const error = await createTestDatabase('nothing', { target }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`127.0.0.1:${target.port}`);
    expect(message).toContain('apt-get install -y mariadb-server');
    expect(message).toContain('starts a private MariaDB itself');
    expect(message).toContain('TEST_MYSQL_HOST');
    expect((error as Error).stack).toBe(`MysqlUnavailableError: ${message}`);
  });
});

describe('startTestS3', () => {
  let s3: TestS3;

  beforeAll(async () => {
    s3 = await startTestS3();
  });

  afterAll(async () => {
    await s3?.close();
  });

  it('serves a fresh, validly named bucket', () => {
    expect(s3.bucket).toMatch(/^snowstage-test-[0-9a-f]{12}$/);
    expect(s3.endpoint).toBe(`http://127.0.0.1:${s3.port}`);
  });

  it('puts and gets an object byte for byte', async () => {
    const body = Buffer.from('id,name\n1,"Zoë 🐉"\n\u0000end', 'utf8');
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'dir/a b+c.csv', Body: body }));
    const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'dir/a b+c.csv' }));
    expect(await bodyBytes(got)).toEqual(body);
  });

  it('answers 412 PreconditionFailed to a second If-None-Match: * put', async () => {
    const put = () =>
      s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'lease', Body: 'a', IfNoneMatch: '*' }));
    await put();
    await expectS3Error(put(), 'PreconditionFailed', 412);
    const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'lease' }));
    expect((await bodyBytes(got)).toString('utf8')).toBe('a');
  });

  it('lets exactly one of several racing If-None-Match: * puts win', async () => {
    const attempts = Array.from({ length: 8 }, (_, index) =>
      s3.client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: 'race', Body: `writer ${index}`, IfNoneMatch: '*' }),
      ),
    );
    const results = await Promise.allSettled(attempts);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(statusOf(result.reason)).toBe(412);
    }
  });

  it('checks If-Match against the current ETag', async () => {
    const first = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'cas', Body: 'v1' }));
    const second = await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'cas', Body: 'v2', IfMatch: first.ETag }),
    );
    expect(second.ETag).not.toBe(first.ETag);
    // the stale ETag no longer matches
    await expectS3Error(
      s3.client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: 'cas', Body: 'v3', IfMatch: first.ETag }),
      ),
      'PreconditionFailed',
      412,
    );
    await expectS3Error(
      s3.client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: 'missing', Body: 'x', IfMatch: first.ETag }),
      ),
      'PreconditionFailed',
      412,
    );
    await expectS3Error(
      s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'cas', IfMatch: first.ETag })),
      'PreconditionFailed',
      412,
    );
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'cas', IfMatch: second.ETag }));
  });

  it('pages ListObjectsV2 with MaxKeys and continuation tokens', async () => {
    const keys = Array.from({ length: 7 }, (_, index) => `paging/object-${index}.csv`);
    await Promise.all(
      keys.map((Key) => s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: Key }))),
    );
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.client.send(
        new ListObjectsV2Command({
          Bucket: s3.bucket,
          Prefix: 'paging/',
          MaxKeys: 3,
          ContinuationToken: token,
        }),
      );
      pages.push((page.Contents ?? []).map((object) => object.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token !== undefined);
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(keys);
  });
});

describe('s3-server-main.ts', () => {
  let child: ChildProcess | undefined;
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'snowstage-s3-main-'));
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
  });

  it('starts as a child process, serves PutObject and stops on SIGTERM', async () => {
    const bucket = 'snowstage-child-bucket';
    child = spawn(
      process.execPath,
      ['--import', 'tsx', serverMain, '--port', '0', '--dir', directory, '--bucket', bucket],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    const ready = JSON.parse(await firstLine(child)) as { endpoint: string; bucket: string };
    expect(ready.bucket).toBe(bucket);
    expect(ready.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const client = createTestS3Client(ready.endpoint);
    try {
      const put = () =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'hello', IfNoneMatch: '*' }));
      await put();
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
      expect((await bodyBytes(got)).toString('utf8')).toBe('hello');
      await expectS3Error(put(), 'PreconditionFailed', 412);
    } finally {
      client.destroy();
    }

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
  });
});

// --- helpers ---------------------------------------------------------------------------------------

async function expectS3Error(promise: Promise<unknown>, name: string, status: number): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(S3ServiceException);
  expect((error as S3ServiceException).name).toBe(name);
  expect(statusOf(error)).toBe(status);
}

async function bodyBytes(response: GetObjectCommandOutput): Promise<Buffer> {
  if (response.Body === undefined) throw new Error('GetObject returned no body');
  return Buffer.from(await response.Body.transformToByteArray());
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

function hasCommand(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

function loadWithCli(target: MysqlTarget, database: string): void {
  const result = spawnSync(
    'mariadb',
    [
      `--host=${target.host}`,
      `--port=${target.port}`,
      `--user=${target.user}`,
      '--default-character-set=utf8mb4',
      database,
    ],
    // MYSQL_PWD keeps the password off the command line
    {
      input: readFileSync(fixture, 'utf8'),
      env: { ...process.env, MYSQL_PWD: target.password },
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`mariadb CLI failed: ${result.stderr}`);
}

async function firstLine(child: ChildProcess): Promise<string> {
  if (child.stdout === null) throw new Error('child has no stdout');
  const lines = createInterface({ input: child.stdout });
  const exit = once(child, 'exit').then(([code]) => {
    throw new Error(`s3-server-main exited with ${String(code)} before it was ready`);
  });
  exit.catch(() => undefined); // it loses the race on success and must not become an unhandled rejection
  try {
    const [line] = (await Promise.race([once(lines, 'line'), exit])) as [string];
    return line;
  } finally {
    lines.close();
  }
}
