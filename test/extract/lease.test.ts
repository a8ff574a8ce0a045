import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireLease,
  type Lease,
  LeaseCorruptError,
  LeaseHeldError,
  LeaseLostError,
  MAX_LEASE_TTL_MS,
} from '../../src/extract/lease.js';
import { LocalObjectStore } from '../../src/extract/local-store.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import type { ObjectStore } from '../../src/extract/store.js';
import { S3RVER_CREDENTIALS, startTestS3 } from '../support/s3.js';

interface Backend {
  store: ObjectStore;
  close(): Promise<void>;
}

async function openS3(): Promise<Backend> {
  const s3 = await startTestS3();
  // s3rver rewrites an object in place, so a GET racing a PUT of the same key can stall mid-body (S3 itself
  // replaces objects atomically). A short socket timeout lets the store's re-read recover in 1 s, not 6 s.
  const client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { socketTimeout: 1000 },
  });
  const close = async (): Promise<void> => {
    client.destroy();
    await s3.close();
  };
  return { store: new S3ObjectStore(client, s3.bucket), close };
}

async function openLocal(): Promise<Backend> {
  const root = await mkdtemp(join(tmpdir(), 'snowstage-lease-'));
  return { store: new LocalObjectStore(root), close: () => rm(root, { recursive: true, force: true }) };
}

const backends = [
  { name: 's3', open: openS3 },
  { name: 'local', open: openLocal },
] as const;

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const TTL = 60_000;
/** a clock fixed `offsetMs` after T0 */
const at = (offsetMs: number) => () => new Date(T0 + offsetMs);

describe.each(backends)('lease on the $name store', ({ open }) => {
  let backend: Backend;
  let store: ObjectStore;
  beforeAll(async () => {
    backend = await open();
    store = backend.store;
  });
  afterAll(async () => {
    await backend?.close();
  });

  const freshKey = (): string => `tables/t-${randomUUID()}/lease.json`;
  const acquire = (key: string, owner: string, offsetMs = 0): Promise<Lease> =>
    acquireLease(store, key, { owner, runId: `run-${owner}`, ttlMs: TTL, now: at(offsetMs) });

  it('writes { owner, runId, acquiredAt, expiresAt }', async () => {
    const key = freshKey();
    const lease = await acquire(key, 'a');
    expect([lease.owner, lease.runId]).toEqual(['a', 'run-a']);
    const stored = await store.getText(key);
    expect(JSON.parse(stored?.body ?? '')).toEqual({
      owner: 'a',
      runId: 'run-a',
      acquiredAt: '2025-03-01T12:00:00.000Z',
      expiresAt: '2025-03-01T12:01:00.000Z',
    });
    await lease.assertHeld();
  });

  it('treats a lease expiring further ahead than the longest ttl as corrupt, not held', async () => {
    const key = freshKey();
    const far = {
      owner: 'x',
      runId: 'run-x',
      acquiredAt: '2025-03-01T12:00:00.000Z',
      expiresAt: '2026-03-01T12:00:00.000Z',
    };
    await store.putText(key, JSON.stringify(far));
    const error = await acquire(key, 'a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseCorruptError);
    expect((error as Error).message).toContain(
      'further ahead than the longest lease an extractor takes (60 minutes)',
    );
    expect((error as Error).message).toContain(key);
  });

  it('treats a lease acquired after it expires as corrupt', async () => {
    const key = freshKey();
    const reversed = {
      owner: 'x',
      runId: 'run-x',
      acquiredAt: '2025-03-01T12:00:30.000Z',
      expiresAt: '2025-03-01T12:00:10.000Z',
    };
    await store.putText(key, JSON.stringify(reversed));
    await expect(acquire(key, 'a')).rejects.toBeInstanceOf(LeaseCorruptError);
  });

  it('still reports a lease at the longest ttl as held', async () => {
    const key = freshKey();
    await acquireLease(store, key, { owner: 'b', runId: 'run-b', ttlMs: MAX_LEASE_TTL_MS, now: at(0) });
    await expect(acquire(key, 'a', 1000)).rejects.toBeInstanceOf(LeaseHeldError);
  });

  it('refuses a ttl longer than the longest lease', async () => {
    await expect(
      acquireLease(store, freshKey(), { owner: 'a', runId: 'r', ttlMs: MAX_LEASE_TTL_MS + 1, now: at(0) }),
    ).rejects.toThrow(/up to 3600000/);
  });

  it('lets exactly one of 8 concurrent acquirers win', async () => {
    const key = freshKey();
    const owners = Array.from({ length: 8 }, (_, index) => `w${index}`);
    const results = await Promise.allSettled(owners.map((owner) => acquire(key, owner)));
    const winners = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    expect(winners).toHaveLength(1);
    const losers = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(losers).toHaveLength(7);
    for (const error of losers) {
      expect(error).toBeInstanceOf(LeaseHeldError);
      expect(error).toMatchObject({ owner: winners[0]?.owner, expiresAt: '2025-03-01T12:01:00.000Z' });
    }
  });

  it('is taken over once expired; the old holder then cannot renew, assert or release it', async () => {
    const key = freshKey();
    const a = await acquire(key, 'a');
    const early = acquire(key, 'b', TTL / 2);
    await expect(early).rejects.toBeInstanceOf(LeaseHeldError);
    await expect(early).rejects.toThrow('held by a until 2025-03-01T12:01:00.000Z');

    const b = await acquire(key, 'b', TTL + 1);
    await expect(a.renew()).rejects.toBeInstanceOf(LeaseLostError);
    await expect(a.renew()).rejects.toThrow(/^lease lost: .* taken over by b \(run run-b\)/);
    await expect(a.assertHeld()).rejects.toBeInstanceOf(LeaseLostError);
    await a.release(); // must not delete b's lease
    await b.assertHeld();
    expect(JSON.parse((await store.getText(key))?.body ?? '')).toMatchObject({ owner: 'b' });
  });

  it('lets exactly one of 8 contenders take over an expired lease', async () => {
    const key = freshKey();
    await acquire(key, 'old');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, index) => acquire(key, `w${index}`, TTL + 1)),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(LeaseHeldError);
    }
  });

  it('renewal pushes the expiry out', async () => {
    const key = freshKey();
    let now = T0;
    const a = await acquireLease(store, key, {
      owner: 'a',
      runId: 'r',
      ttlMs: TTL,
      now: () => new Date(now),
    });
    now = T0 + 50_000;
    await a.renew();
    expect(JSON.parse((await store.getText(key))?.body ?? '')).toMatchObject({
      acquiredAt: '2025-03-01T12:00:00.000Z',
      expiresAt: '2025-03-01T12:01:50.000Z',
    });
    await expect(acquire(key, 'b', TTL + 1)).rejects.toBeInstanceOf(LeaseHeldError);
    now = T0 + TTL + 1;
    await a.assertHeld(); // renewed, so still ours
    now = T0 + 110_000;
    await expect(a.assertHeld()).rejects.toThrow('expired at 2025-03-01T12:01:50.000Z without being renewed');
  });

  it('can be acquired again at once after release', async () => {
    const key = freshKey();
    const a = await acquire(key, 'a');
    await a.release();
    expect(await store.exists(key)).toBe(false);
    await a.release(); // idempotent
    await expect(a.renew()).rejects.toThrow('released by this run');
    const b = await acquire(key, 'b');
    await b.assertHeld();
  });

  it('reports a lease deleted under its holder as lost', async () => {
    const key = freshKey();
    const a = await acquire(key, 'a');
    await store.delete(key);
    await expect(a.assertHeld()).rejects.toThrow('was deleted by someone else');
    await expect(a.renew()).rejects.toThrow('was deleted by someone else');
    await a.release(); // nothing to do
  });

  it('refuses to take over something that is not a lease', async () => {
    const key = freshKey();
    await store.putText(key, '{"owner": 42}');
    await expect(acquire(key, 'a')).rejects.toThrow('is not a snowstage lease');
    await expect(acquireLease(store, freshKey(), { owner: 'a', runId: 'r', ttlMs: 0 })).rejects.toThrow(
      'positive number',
    );
  });
});

describe('lease on a local store shared by several processes', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'snowstage-lease-procs-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const leaseModule = fileURLToPath(new URL('../../src/extract/lease.ts', import.meta.url));
  const storeModule = fileURLToPath(new URL('../../src/extract/local-store.ts', import.meta.url));
  // each child says "ready", waits for the go file so that all contend at once, then reports its outcome
  const childScript = `
    import { existsSync } from 'node:fs';
    const { acquireLease } = await import(${JSON.stringify(leaseModule)});
    const { LocalObjectStore } = await import(${JSON.stringify(storeModule)});
    const [root, key, owner, go] = process.argv.slice(1);
    console.log('ready');
    while (!existsSync(go)) await new Promise((resolve) => setTimeout(resolve, 1));
    try {
      await acquireLease(new LocalObjectStore(root), key, { owner, runId: owner, ttlMs: 60000 });
      console.log('won');
    } catch (error) {
      console.log(error.name);
    }`;

  async function race(key: string, processes: number): Promise<string[]> {
    const go = join(root, `go-${randomUUID()}`);
    const children = Array.from({ length: processes }, (_, index) =>
      spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', childScript, root, key, `p${index}`, go],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      ),
    );
    const lines = children.map((child) => createInterface({ input: child.stdout })[Symbol.asyncIterator]());
    for (const line of lines) expect((await line.next()).value).toBe('ready');
    await writeFile(go, '');
    return Promise.all(lines.map(async (line) => String((await line.next()).value)));
  }

  it('lets exactly one process create the lease', async () => {
    const outcomes = await race('t/create/lease.json', 6);
    expect(outcomes.filter((outcome) => outcome === 'won')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'LeaseHeldError')).toHaveLength(5);
  });

  it('lets exactly one process take over an expired lease', async () => {
    const store = new LocalObjectStore(root);
    const key = 't/takeover/lease.json';
    await acquireLease(store, key, { owner: 'old', runId: 'old', ttlMs: 1, now: () => new Date(0) });
    const outcomes = await race(key, 6);
    expect(outcomes.filter((outcome) => outcome === 'won')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'LeaseHeldError')).toHaveLength(5);
  });
});
