import { execFile } from 'node:child_process';
import { generateKeyPairSync, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSnowflake,
  driverOptions,
  type SnowflakeConnectionOptions,
  SnowflakeError,
  type SqlClient,
  toSnowflakeError,
} from '../../src/snowflake/client.js';
import { snowflakeOptionsFromEnv } from '../../src/snowflake/env.js';
import { closedPort } from '../support/closed-port.js';
import { type FakeSnowflake, LOGIN_FAILED, startFakeSnowflake } from '../support/fake-snowflake.js';

const PASSWORD = 'pw-Secret-4711!';
const PASSPHRASE = 'pass-Phrase-0815';
const execFileAsync = promisify(execFile);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let workDir: string;
let keyPath: string;
let encryptedKeyPath: string;
let privateKeyPem: string;
let encryptedKeyPem: string;
let publicKeyPem: string;

beforeAll(async () => {
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  privateKeyPem = keys.privateKey;
  publicKeyPem = keys.publicKey;
  encryptedKeyPem = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE },
  }).privateKey;
  workDir = await mkdtemp(join(tmpdir(), 'snowstage-client-'));
  keyPath = join(workDir, 'rsa_key.p8');
  encryptedKeyPath = join(workDir, 'rsa_key_encrypted.p8');
  await writeFile(keyPath, privateKeyPem, { mode: 0o600 });
  await writeFile(encryptedKeyPath, encryptedKeyPem, { mode: 0o600 });
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const fakes: FakeSnowflake[] = [];
const clients: SqlClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function fake(options: Parameters<typeof startFakeSnowflake>[0] = {}): Promise<FakeSnowflake> {
  const started = await startFakeSnowflake(options);
  fakes.push(started);
  return started;
}

function options(
  server: FakeSnowflake,
  auth: SnowflakeConnectionOptions['auth'],
): SnowflakeConnectionOptions {
  // An accessUrl without a dot yields no account, so the driver needs it explicitly (reference section 11).
  return {
    account: 'testacct',
    username: 'loader',
    role: 'LOADER_ROLE',
    warehouse: 'ETL_WH',
    accessUrl: server.accessUrl,
    auth,
  };
}

async function connect(server: FakeSnowflake, auth: SnowflakeConnectionOptions['auth']): Promise<SqlClient> {
  const client = await connectSnowflake(options(server, auth));
  clients.push(client);
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<SnowflakeError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SnowflakeError);
  return error as SnowflakeError;
}

/** Every string a SnowflakeError could show when printed or serialized. */
function visibleText(error: SnowflakeError): string {
  return `${error.message}\n${error.stack ?? ''}\n${JSON.stringify(error)}\n${String(error.cause ?? '')}`;
}

function loginData(body: unknown): Record<string, unknown> {
  expect(body).toMatchObject({ data: expect.any(Object) });
  return (body as { data: Record<string, unknown> }).data;
}

describe('connectSnowflake', () => {
  it('logs in with a password and sends role and warehouse', async () => {
    const server = await fake();
    await connect(server, { kind: 'password', password: PASSWORD });
    expect(server.loginBodies).toHaveLength(1);
    const data = loginData(server.loginBodies[0]);
    expect(data).toMatchObject({
      ACCOUNT_NAME: 'testacct',
      LOGIN_NAME: 'loader',
      PASSWORD,
      CLIENT_APP_ID: 'JavaScript',
    });
    expect(data).not.toHaveProperty('TOKEN');
    const loginUrl = server.requests.find((r) => r.url.startsWith('/session/v1/login-request'))?.url ?? '';
    expect(new URL(loginUrl, 'http://x').searchParams.get('roleName')).toBe('LOADER_ROLE');
    expect(new URL(loginUrl, 'http://x').searchParams.get('warehouse')).toBe('ETL_WH');
  });

  it('logs in with a key-pair file: the login carries a JWT signed by the key, never the key', async () => {
    const server = await fake();
    await connect(server, { kind: 'keypair', privateKeyPath: keyPath });
    const data = loginData(server.loginBodies[0]);
    expect(data.AUTHENTICATOR).toBe('SNOWFLAKE_JWT');
    expect(data).not.toHaveProperty('PASSWORD');
    expect(typeof data.TOKEN).toBe('string');
    const [header = '', payload = '', signature = ''] = String(data.TOKEN).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims.sub).toBe('TESTACCT.LOADER');
    expect(String(claims.iss)).toMatch(/^TESTACCT\.LOADER\.SHA256:/);
    const signed = Buffer.from(`${header}.${payload}`);
    expect(verify('RSA-SHA256', signed, publicKeyPem, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(JSON.stringify(server.loginBodies)).not.toContain(privateKeyPem.split('\n')[1]);
  });

  it('logs in with PEM text and with an encrypted key plus passphrase', async () => {
    const server = await fake();
    await connect(server, { kind: 'keypair-pem', privateKey: privateKeyPem });
    await connect(server, { kind: 'keypair', privateKeyPath: encryptedKeyPath, passphrase: PASSPHRASE });
    await connect(server, { kind: 'keypair-pem', privateKey: encryptedKeyPem, passphrase: PASSPHRASE });
    expect(server.loginBodies.map((body) => typeof loginData(body).TOKEN)).toEqual([
      'string',
      'string',
      'string',
    ]);
  });

  it('rejects a failed login with kind login and code 390100, without the password', async () => {
    const server = await fake({ loginFailure: LOGIN_FAILED });
    const error = await rejection(
      connectSnowflake(options(server, { kind: 'password', password: PASSWORD })),
    );
    expect(error).toMatchObject({ kind: 'login', code: '390100', message: LOGIN_FAILED.message });
    expect(visibleText(error)).not.toContain(PASSWORD);
    expect(server.statements).toEqual([]);
  });

  it('rejects a failed key-pair login without key material', async () => {
    const server = await fake({ loginFailure: { code: '390144', message: 'JWT token is invalid.' } });
    const auth = { kind: 'keypair-pem', privateKey: privateKeyPem } as const;
    const error = await rejection(connectSnowflake(options(server, auth)));
    expect(error).toMatchObject({ kind: 'login', code: '390144' });
    for (const line of privateKeyPem.split('\n').filter((l) => l.length > 20)) {
      expect(visibleText(error)).not.toContain(line);
    }
  });

  it('reports a wrong passphrase as a login error without the passphrase', async () => {
    const server = await fake();
    const auth = {
      kind: 'keypair',
      privateKeyPath: encryptedKeyPath,
      passphrase: 'wrong-Passphrase-1',
    } as const;
    const error = await rejection(connectSnowflake(options(server, auth)));
    expect(error.kind).toBe('local-key');
    expect(error.message).toBe('the private key could not be decrypted: the passphrase is wrong');
    expect(visibleText(error)).not.toContain('wrong-Passphrase-1');
    expect(server.loginBodies).toEqual([]);
  });

  it('reports an encrypted key without a passphrase as a local key problem, sending nothing', async () => {
    const server = await fake();
    const error = await rejection(
      connectSnowflake(options(server, { kind: 'keypair', privateKeyPath: encryptedKeyPath })),
    );
    expect(error.kind).toBe('local-key');
    expect(error.message).toBe(
      'the private key could not be decrypted: the key is encrypted and no passphrase was given',
    );
    expect(server.requests).toEqual([]);
  });

  it('gives up on a closed port after the connect timeout, not after minutes of driver retries', async () => {
    const closed = await closedPort();
    const started = Date.now();
    const error = await rejection(
      connectSnowflake({
        account: 'testacct',
        username: 'loader',
        accessUrl: `http://127.0.0.1:${closed}`,
        auth: { kind: 'password', password: 'Secret-Pw-1' },
        connectTimeoutMs: 1_000,
      }),
    );
    expect(error).toMatchObject({ kind: 'timeout', code: 'CONNECT_TIMEOUT' });
    expect(error.message).toBe('no answer from Snowflake within 1 s');
    // bounded by the setting, with room for a busy machine; the driver alone takes minutes
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('gives up on an endpoint that accepts the connection and never answers', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const error = await rejection(
        connectSnowflake({
          account: 'testacct',
          username: 'loader',
          accessUrl: `http://127.0.0.1:${port}`,
          auth: { kind: 'password', password: 'Secret-Pw-1' },
          connectTimeoutMs: 1_000,
        }),
      );
      expect(error.kind).toBe('timeout');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reports options the driver refuses (malformed PEM) as a login error without the key text', async () => {
    const server = await fake();
    const bogus = 'not-a-pem-Secret-Material-123456';
    const error = await rejection(
      connectSnowflake(options(server, { kind: 'keypair-pem', privateKey: bogus })),
    );
    expect(error.kind).toBe('login');
    expect(visibleText(error)).not.toContain(bogus);
  });
});

describe('SqlClient', () => {
  it('executes one statement per request and returns rows keyed by column name', async () => {
    const server = await fake({
      rules: [
        {
          match: /^SELECT CURRENT_ROLE/,
          reply: {
            rows: [
              { ROLE: 'LOADER_ROLE', N: '7' },
              { ROLE: null, N: '8' },
            ],
            columns: [{ name: 'ROLE' }, { name: 'N', type: 'fixed' }],
          },
        },
        { match: (sql) => sql.includes('SHOW'), reply: { rows: [{ name: 'STG', type: 'EXTERNAL' }] } },
      ],
    });
    const client = await connect(server, { kind: 'password', password: PASSWORD });
    const selected = await client.execute('SELECT CURRENT_ROLE(), 7');
    expect(selected.rows).toEqual([
      { ROLE: 'LOADER_ROLE', N: 7 },
      { ROLE: null, N: 8 },
    ]);
    expect(selected.queryId).toMatch(UUID);
    expect(selected.durationMs).toBeGreaterThanOrEqual(0);
    expect((await client.execute('SHOW STAGES')).rows).toEqual([{ name: 'STG', type: 'EXTERNAL' }]);
    const ddl = await client.execute('CREATE SCHEMA IF NOT EXISTS S');
    expect(ddl.rows).toEqual([{ status: 'Statement executed successfully.' }]);
    expect(server.statements).toEqual([
      'SELECT CURRENT_ROLE(), 7',
      'SHOW STAGES',
      'CREATE SCHEMA IF NOT EXISTS S',
    ]);
    for (const body of server.queryBodies)
      expect(JSON.stringify(body)).not.toContain('MULTI_STATEMENT_COUNT');
  });

  it('turns a statement error into a SnowflakeError with code, sqlState and queryId', async () => {
    const error = {
      code: '002003',
      sqlState: '42S02',
      message: "SQL compilation error:\nTable 'T' does not exist.",
    };
    const server = await fake({ rules: [{ match: /FROM T\b/, reply: { error } }] });
    const client = await connect(server, { kind: 'password', password: PASSWORD });
    const failed = await rejection(client.execute('SELECT * FROM T'));
    expect(failed).toMatchObject({
      kind: 'statement',
      code: '002003',
      sqlState: '42S02',
      message: error.message,
    });
    expect(failed.queryId).toMatch(UUID);
    expect(failed.driverErrorName).toBe('OperationFailedError');
    expect(failed.cause).toBeUndefined();
    expect(visibleText(failed)).not.toContain(PASSWORD);
    // the session survives a failed statement
    expect((await client.execute('SELECT 1 FROM U')).rows).toHaveLength(1);
  });

  it('rejects an empty statement without sending it', async () => {
    const server = await fake();
    const client = await connect(server, { kind: 'password', password: PASSWORD });
    for (const sql of ['', ' \n\t']) {
      expect(await rejection(client.execute(sql))).toMatchObject({
        kind: 'statement',
        message: 'empty statement',
      });
    }
    expect(server.statements).toEqual([]);
  });

  it('closes the session once, even when close is called twice', async () => {
    const server = await fake();
    const client = await connectSnowflake(options(server, { kind: 'password', password: PASSWORD }));
    await Promise.all([client.close(), client.close()]);
    await client.close();
    expect(server.requests.filter((r) => r.url.startsWith('/session?delete=true'))).toHaveLength(1);
  });

  it('writes nothing to stdout/stderr and no snowflake.log (checked in a child process)', async () => {
    // In-process spies miss the driver's default winston console transport (vitest wraps console), so run a
    // real process: it connects, fails a statement, closes, then fails a login.
    const server = await fake({
      rules: [{ match: /BAD/, reply: { error: { code: '1', sqlState: '2', message: 'x' } } }],
    });
    const refused = await fake({ loginFailure: LOGIN_FAILED });
    const script = join(workDir, 'quiet.mjs');
    const clientModule = pathToFileURL(resolve('src/snowflake/client.ts')).href;
    await writeFile(
      script,
      [
        `process.chdir(${JSON.stringify(workDir)});`,
        `const { connectSnowflake } = await import(${JSON.stringify(clientModule)});`,
        `const auth = { kind: 'password', password: ${JSON.stringify(PASSWORD)} };`,
        `const base = { account: 'testacct', username: 'loader', auth };`,
        `const client = await connectSnowflake({ ...base, accessUrl: ${JSON.stringify(server.accessUrl)} });`,
        `await client.execute('BAD').catch(() => {});`,
        `await client.close();`,
        `await connectSnowflake({ ...base, accessUrl: ${JSON.stringify(refused.accessUrl)} }).catch(() => {});`,
      ].join('\n'),
    );
    const env = { ...process.env };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', script], {
      env,
      timeout: 30_000,
    });
    expect({ stdout, stderr }).toEqual({ stdout: '', stderr: '' });
    expect(server.statements).toEqual(['BAD']);
    expect(refused.loginBodies).toHaveLength(1);
    expect(existsSync(join(workDir, 'snowflake.log'))).toBe(false);
  });
});

describe('driverOptions', () => {
  it('maps auth kinds to driver authenticators and passes only the options that are set', () => {
    const common = { account: 'a', username: 'u' };
    expect(driverOptions({ ...common, schema: 'S', auth: { kind: 'password', password: 'p' } })).toEqual({
      ...common,
      schema: 'S',
      application: 'snowstage',
      rowMode: 'object',
      clientSessionKeepAlive: false,
      authenticator: 'SNOWFLAKE',
      password: 'p',
    });
    expect(
      driverOptions({ ...common, auth: { kind: 'keypair', privateKeyPath: '/k', passphrase: 'x' } }),
    ).toMatchObject({
      authenticator: 'SNOWFLAKE_JWT',
      privateKeyPath: '/k',
      privateKeyPass: 'x',
    });
    const pem = driverOptions({
      ...common,
      application: 'app',
      auth: { kind: 'keypair-pem', privateKey: 'PEM' },
    });
    expect(pem).toMatchObject({ application: 'app', authenticator: 'SNOWFLAKE_JWT', privateKey: 'PEM' });
    expect(pem).not.toHaveProperty('privateKeyPass');
    expect(pem).not.toHaveProperty('password');
  });
});

describe('toSnowflakeError', () => {
  it('classifies transport failures as network and stringifies client error codes', () => {
    const driverError = Object.assign(new Error(`connect ECONNREFUSED (${PASSWORD})`), {
      name: 'NetworkError',
      code: 401001,
      response: { config: { data: { PASSWORD } } },
    });
    const error = toSnowflakeError(driverError, 'login', [PASSWORD]);
    expect(error).toMatchObject({ kind: 'network', code: '401001', driverErrorName: 'NetworkError' });
    expect(visibleText(error)).not.toContain(PASSWORD);
    expect(error.message).toBe('connect ECONNREFUSED (***)');
  });

  it('takes sqlState and queryId from the server data when the top level lacks them', () => {
    const error = toSnowflakeError(
      {
        name: 'OperationFailedError',
        code: '000630',
        message: 'timeout',
        data: { sqlState: '57014', queryId: 'q-1' },
      },
      'statement',
      [],
    );
    expect(error).toMatchObject({ kind: 'statement', code: '000630', sqlState: '57014', queryId: 'q-1' });
  });

  it('survives values that are not errors', () => {
    expect(toSnowflakeError('boom', 'statement', [])).toMatchObject({
      kind: 'statement',
      message: 'Snowflake request failed',
    });
  });
});

describe('snowflakeOptionsFromEnv', () => {
  const base = { SNOWFLAKE_ACCOUNT: 'myorg-acct', SNOWFLAKE_USER: 'LOADER' };

  it('reports a missing account, user and credentials all at once', () => {
    const result = snowflakeOptionsFromEnv({}, {});
    expect(result.options).toBeUndefined();
    expect(result.problems).toHaveLength(3);
    expect(result.problems.join('\n')).toMatch(
      /SNOWFLAKE_ACCOUNT[\s\S]*SNOWFLAKE_USER[\s\S]*SNOWFLAKE_PASSWORD/,
    );
  });

  it('uses defaults when variables are unset or empty, and variables over defaults', () => {
    const defaults = { account: 'dflt-acct', username: 'DFLT', role: 'R', warehouse: 'WH', database: 'DB' };
    const fromDefaults = snowflakeOptionsFromEnv(
      { SNOWFLAKE_ACCOUNT: '', SNOWFLAKE_PASSWORD: 'p' },
      defaults,
    );
    expect(fromDefaults).toEqual({
      options: {
        account: 'dflt-acct',
        username: 'DFLT',
        role: 'R',
        warehouse: 'WH',
        database: 'DB',
        auth: { kind: 'password', password: 'p' },
      },
      problems: [],
    });
    const env = {
      ...base,
      SNOWFLAKE_ROLE: 'R2',
      SNOWFLAKE_WAREHOUSE: 'WH2',
      SNOWFLAKE_DATABASE: 'DB2',
      SNOWFLAKE_PASSWORD: 'p',
    };
    expect(
      snowflakeOptionsFromEnv({ ...env, SNOWFLAKE_ACCESS_URL: 'http://127.0.0.1:1' }, defaults).options,
    ).toEqual({
      account: 'myorg-acct',
      username: 'LOADER',
      role: 'R2',
      warehouse: 'WH2',
      database: 'DB2',
      accessUrl: 'http://127.0.0.1:1',
      auth: { kind: 'password', password: 'p' },
    });
  });

  it('prefers a key pair over a password', () => {
    const env = {
      ...base,
      SNOWFLAKE_PASSWORD: 'p',
      SNOWFLAKE_PRIVATE_KEY_PATH: '/k.p8',
      SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'pp',
    };
    expect(snowflakeOptionsFromEnv(env, {}).options?.auth).toEqual({
      kind: 'keypair',
      privateKeyPath: '/k.p8',
      passphrase: 'pp',
    });
    const pem = {
      ...base,
      SNOWFLAKE_PASSWORD: 'p',
      SNOWFLAKE_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nAAA\\n-----END PRIVATE KEY-----',
    };
    expect(snowflakeOptionsFromEnv(pem, {}).options?.auth).toEqual({
      kind: 'keypair-pem',
      privateKey: '-----BEGIN PRIVATE KEY-----\nAAA\n-----END PRIVATE KEY-----',
    });
  });

  it('refuses two private keys and keeps passwords verbatim', () => {
    const both = { ...base, SNOWFLAKE_PRIVATE_KEY_PATH: '/k.p8', SNOWFLAKE_PRIVATE_KEY: 'pem' };
    expect(snowflakeOptionsFromEnv(both, {})).toEqual({
      problems: ['set only one of SNOWFLAKE_PRIVATE_KEY_PATH and SNOWFLAKE_PRIVATE_KEY'],
    });
    expect(snowflakeOptionsFromEnv({ ...base, SNOWFLAKE_PASSWORD: ' p ' }, {}).options?.auth).toEqual({
      kind: 'password',
      password: ' p ',
    });
  });

  it('explains an account given as a host name, and never echoes secrets in problems', () => {
    const env = {
      SNOWFLAKE_ACCOUNT: 'xy123.snowflakecomputing.com',
      SNOWFLAKE_USER: 'U',
      SNOWFLAKE_PASSWORD: PASSWORD,
    };
    const result = snowflakeOptionsFromEnv(env, {});
    expect(result.options).toBeUndefined();
    expect(result.problems).toEqual([expect.stringMatching(/account identifier/)]);
    expect(snowflakeOptionsFromEnv({ ...env, SNOWFLAKE_ACCOUNT: 'bad account!' }, {}).problems).toHaveLength(
      1,
    );
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });
});
