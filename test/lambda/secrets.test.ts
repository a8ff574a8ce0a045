/**
 * Secrets from Secrets Manager for the Lambda functions (`SNOWSTAGE_SECRET_<NAME>`), read through the real
 * @aws-sdk/client-secrets-manager from a local endpoint that speaks its JSON protocol (GetSecretValue only, as the
 * API reference documents it): the loader logs in to the local Snowflake endpoint with the password from a secret,
 * a JSON secret's field is taken, values are cached for five minutes, and failures name the variable and the secret
 * but never a value.
 */
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLoader } from '../../src/lambda/loader.js';
import { clearSecretCache, withSecrets } from '../../src/lambda/secrets.js';
import { type FakeSnowflake, startFakeSnowflake } from '../support/fake-snowflake.js';
import { ROOT } from '../support/pipeline.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:snowstage/loader-AbCdEf';
const JSON_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds/shop-GhIjKl';
const PASSWORD = 'Secret-From-Secrets-Manager-4711';
const SECRETS: Record<string, string> = {
  [ARN]: PASSWORD,
  [JSON_ARN]: JSON.stringify({ username: 'extractor', password: 'rds-managed-pw', port: 3306 }),
};

let server: Server;
let endpoint: string;
const requests: { target: string | undefined; body: Record<string, unknown> }[] = [];
let fake: FakeSnowflake;
let work: string;

/** Secrets Manager's JSON 1.1 protocol: POST /, X-Amz-Target secretsmanager.<Operation>, JSON in and out. */
function secretsManager(): Server {
  return createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    req.on('end', () => {
      const body = JSON.parse(text || '{}') as { SecretId?: string };
      requests.push({ target: req.headers['x-amz-target'] as string | undefined, body });
      const value = SECRETS[body.SecretId ?? ''];
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || value === undefined) {
        res.statusCode = 400;
        res.end(
          JSON.stringify({
            __type: 'ResourceNotFoundException',
            Message: "Secrets Manager can't find the specified secret.",
          }),
        );
        return;
      }
      res.end(
        JSON.stringify({
          ARN: body.SecretId,
          Name: String(body.SecretId).split(':').at(-1),
          SecretString: value,
          VersionId: 'v1',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 1764486000,
        }),
      );
    });
  });
}

const baseEnv = () => ({
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
});

beforeAll(async () => {
  server = secretsManager();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake = await startFakeSnowflake();
  work = await mkdtemp(join(tmpdir(), 'snowstage-secrets-'));
  await cp(join(ROOT, 'metadata'), join(work, 'metadata'), { recursive: true });
  await appendFile(join(work, 'metadata/tables/books.yaml'), 'loader: lambda\n');
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await fake?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

beforeEach(() => {
  requests.length = 0;
  clearSecretCache();
  // the SDK's default credential chain; the local endpoint does not check signatures
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLOCAL');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  return () => vi.unstubAllEnvs();
});

describe('secrets from Secrets Manager', () => {
  it('the loader logs in to Snowflake with the password read from a secret', async () => {
    const loader = createLoader({
      env: {
        ...baseEnv(),
        S3_BUCKET: 'snowstage-bookstore',
        SNOWSTAGE_METADATA_DIR: join(work, 'metadata'),
        SNOWFLAKE_ACCOUNT: 'testacct',
        SNOWFLAKE_USER: 'loader',
        SNOWFLAKE_ACCESS_URL: fake.accessUrl,
        SNOWSTAGE_SECRET_SNOWFLAKE_PASSWORD: ARN,
      },
    });
    const key = 'bookstore/data/books/2026/11/30/x.csv.gz';
    const summary = await loader({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'snowstage-bookstore' }, object: { key } },
        },
      ],
    });
    expect(summary.objects).toHaveLength(1);
    expect(requests).toEqual([{ target: 'secretsmanager.GetSecretValue', body: { SecretId: ARN } }]);
    const login = fake.loginBodies.at(-1) as { data: { LOGIN_NAME: string; PASSWORD: string } };
    expect(login.data.LOGIN_NAME).toBe('loader');
    expect(login.data.PASSWORD).toBe(PASSWORD);
  });

  it('takes one field of a JSON secret, and caches values for five minutes', async () => {
    let now = 1_000_000;
    const env = { ...baseEnv(), SNOWSTAGE_SECRET_MYSQL_PASSWORD: `${JSON_ARN}#password` };
    expect((await withSecrets(env, () => now)).MYSQL_PASSWORD).toBe('rds-managed-pw');
    now += 4 * 60_000;
    expect((await withSecrets(env, () => now)).MYSQL_PASSWORD).toBe('rds-managed-pw');
    expect(requests).toHaveLength(1);
    now += 2 * 60_000;
    await withSecrets(env, () => now);
    expect(requests).toHaveLength(2);
    // no reference: the environment is returned as it is, nothing asked
    const plain = { MYSQL_PASSWORD: 'x' };
    expect(await withSecrets(plain)).toBe(plain);
    expect(requests).toHaveLength(2);
  });

  it('fails naming the variable and the secret, never a value', async () => {
    const missing = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-000000';
    const attempt = withSecrets({ ...baseEnv(), SNOWSTAGE_SECRET_SNOWFLAKE_PRIVATE_KEY: missing });
    await expect(attempt).rejects.toThrow(
      `snowstage: could not read secret ${missing} for SNOWFLAKE_PRIVATE_KEY: ResourceNotFoundException`,
    );
    await expect(
      withSecrets({ ...baseEnv(), SNOWSTAGE_SECRET_MYSQL_PASSWORD: `${JSON_ARN}#token` }),
    ).rejects.toThrow(/has no text field token$/);
    await expect(
      withSecrets({ ...baseEnv(), SNOWSTAGE_SECRET_MYSQL_PASSWORD: `${ARN}#password` }),
    ).rejects.toThrow(/is not JSON, so it has no field password$/);
    // set twice: refused before anything is asked
    requests.length = 0;
    await expect(
      withSecrets({ ...baseEnv(), MYSQL_PASSWORD: 'direct', SNOWSTAGE_SECRET_MYSQL_PASSWORD: ARN }),
    ).rejects.toThrow('MYSQL_PASSWORD set both directly and as SNOWSTAGE_SECRET_<name>');
    expect(requests).toEqual([]);
  });
});
