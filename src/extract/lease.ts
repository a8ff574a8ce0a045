/**
 * One writer per table. Two extractors copying the same table at once would race on its state and could
 * move the watermark past rows neither uploaded, so each run holds a lease: a small JSON object in the
 * store, created and replaced only with conditional writes, so that exactly one of any number of
 * contenders wins.
 *
 * Clocks: expiry compares the `expiresAt` the holder wrote (by its clock) with the contender's clock, so it
 * relies on loosely synchronised clocks (NTP). A skew of s shortens or stretches the lease by s. Choose
 * `ttlMs` several times the renew interval (e.g. renew every 30 s, ttl 3 min): then a slow renewal, a GC
 * pause or a modest skew never lets a second writer in while the first is still working. The writes
 * themselves stay safe regardless: a holder that was taken over finds out on its next renew/assertHeld,
 * because its ETag no longer matches.
 */
import { etagsEqual, type ObjectStore, PreconditionFailedError } from './store.js';

/**
 * The longest lease a snowstage extractor takes (`--lease-ttl-seconds` is capped here). A lease expiring
 * further ahead than this (plus the clock skew allowed below) was not written by a working extractor: it would
 * lock the table out for that long, so it is reported as corrupt instead of "locked".
 */
export const MAX_LEASE_TTL_MS = 60 * 60 * 1000;
/** how far the holder's clock may run ahead of ours before its lease counts as corrupt */
export const LEASE_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Someone else holds an unexpired lease. */
export class LeaseHeldError extends Error {
  override name = 'LeaseHeldError';
  readonly owner: string;
  readonly expiresAt: string;
  /** when the holder took the lease: a renewing holder keeps it, so this is how long it has been running */
  readonly acquiredAt: string;

  constructor(where: string, holder: { owner: string; expiresAt: string; acquiredAt: string }) {
    super(`lease ${where} is held by ${holder.owner} until ${holder.expiresAt}`);
    this.owner = holder.owner;
    this.expiresAt = holder.expiresAt;
    this.acquiredAt = holder.acquiredAt;
  }
}

/** The lease object is not one a working extractor writes; someone must look at it (and delete it). */
export class LeaseCorruptError extends Error {
  override name = 'LeaseCorruptError';
}

/** We held the lease but no longer do: it was taken over, deleted, released, or it expired. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

export interface Lease {
  readonly owner: string;
  readonly runId: string;
  /** pushes expiry to now + ttl; throws LeaseLostError if someone else took the lease */
  renew(): Promise<void>;
  /** deletes the lease if it is still ours; a lease already gone or taken over is left alone */
  release(): Promise<void>;
  /** re-reads the lease: throws LeaseLostError unless it is still ours and unexpired */
  assertHeld(): Promise<void>;
}

export interface AcquireLeaseOptions {
  /** who holds it, for humans: e.g. "host:pid" */
  owner: string;
  runId: string;
  ttlMs: number;
  /** injectable clock for tests */
  now?: () => Date;
}

/** The stored JSON. */
export interface LeaseRecord {
  owner: string;
  runId: string;
  acquiredAt: string;
  expiresAt: string;
}

/** Rounds of create / read / take over; each lost round means another writer acted in between. */
const ACQUIRE_ROUNDS = 5;

export async function acquireLease(
  store: ObjectStore,
  key: string,
  options: AcquireLeaseOptions,
): Promise<Lease> {
  if (!Number.isFinite(options.ttlMs) || options.ttlMs <= 0 || options.ttlMs > MAX_LEASE_TTL_MS) {
    throw new Error(
      `lease ttl must be a positive number of milliseconds up to ${MAX_LEASE_TTL_MS}, got ${options.ttlMs}`,
    );
  }
  const clock = options.now ?? (() => new Date());
  const where = `${store.description}/${key}`;
  for (let round = 0; round < ACQUIRE_ROUNDS; round += 1) {
    const acquiredAt = clock();
    const record: LeaseRecord = {
      owner: options.owner,
      runId: options.runId,
      acquiredAt: acquiredAt.toISOString(),
      expiresAt: new Date(acquiredAt.getTime() + options.ttlMs).toISOString(),
    };
    const body = serialise(record);
    const created = await putUnlessLost(store, key, body, { ifNoneMatch: '*' });
    if (created !== undefined) return new HeldLease(store, key, record, created, options.ttlMs, clock);

    const current = await store.getText(key);
    if (current === undefined) continue; // released between our write and read: create again
    const holder = parseLease(current.body, where, clock());
    if (!isExpired(holder, clock())) throw new LeaseHeldError(where, holder);
    // expired: replace exactly the version we saw, so of several contenders only one takes over
    const takenOver = await putUnlessLost(store, key, body, { ifMatch: current.etag });
    if (takenOver !== undefined) return new HeldLease(store, key, record, takenOver, options.ttlMs, clock);
  }
  throw new Error(
    `could not acquire lease ${where}: it changed hands ${ACQUIRE_ROUNDS} times while we tried`,
  );
}

class HeldLease implements Lease {
  readonly owner: string;
  readonly runId: string;
  readonly #store: ObjectStore;
  readonly #key: string;
  readonly #ttlMs: number;
  readonly #clock: () => Date;
  #record: LeaseRecord;
  #etag: string;
  #released = false;

  constructor(
    store: ObjectStore,
    key: string,
    record: LeaseRecord,
    etag: string,
    ttlMs: number,
    clock: () => Date,
  ) {
    this.owner = record.owner;
    this.runId = record.runId;
    this.#store = store;
    this.#key = key;
    this.#record = record;
    this.#etag = etag;
    this.#ttlMs = ttlMs;
    this.#clock = clock;
  }

  async renew(): Promise<void> {
    this.#assertNotReleased();
    const record = {
      ...this.#record,
      expiresAt: new Date(this.#clock().getTime() + this.#ttlMs).toISOString(),
    };
    const etag = await putUnlessLost(this.#store, this.#key, serialise(record), { ifMatch: this.#etag });
    if (etag === undefined) throw await this.#lost();
    this.#record = record;
    this.#etag = etag;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    try {
      await this.#store.delete(this.#key, { ifMatch: this.#etag });
    } catch (error) {
      // gone (expired and cleaned up) or taken over: either way nothing of ours is left to remove
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
    this.#released = true;
  }

  async assertHeld(): Promise<void> {
    this.#assertNotReleased();
    const current = await this.#store.getText(this.#key);
    if (current === undefined || !etagsEqual(current.etag, this.#etag)) throw this.#lostTo(current?.body);
    // still ours on paper, but any contender may take it over from now on
    if (isExpired(this.#record, this.#clock())) {
      throw new LeaseLostError(
        `lease lost: ${this.#where()} expired at ${this.#record.expiresAt} without being renewed ` +
          '(renew more often or raise the ttl)',
      );
    }
  }

  #assertNotReleased(): void {
    if (this.#released) throw new LeaseLostError(`lease lost: ${this.#where()} was released by this run`);
  }

  async #lost(): Promise<LeaseLostError> {
    return this.#lostTo((await this.#store.getText(this.#key))?.body);
  }

  /** A message naming whoever holds the lease now, when that can be read. */
  #lostTo(currentBody: string | undefined): LeaseLostError {
    const prefix = `lease lost: ${this.#where()} (run ${this.runId})`;
    if (currentBody === undefined) return new LeaseLostError(`${prefix} was deleted by someone else`);
    try {
      const holder = parseLease(currentBody, this.#where(), this.#clock());
      return new LeaseLostError(
        `${prefix} was taken over by ${holder.owner} (run ${holder.runId}) until ${holder.expiresAt}`,
      );
    } catch {
      return new LeaseLostError(`${prefix} was overwritten with something that is not a lease`);
    }
  }

  #where(): string {
    return `${this.#store.description}/${this.#key}`;
  }
}

/** The new ETag, or undefined when the condition was lost to another writer. */
async function putUnlessLost(
  store: ObjectStore,
  key: string,
  body: string,
  condition: { ifNoneMatch: '*' } | { ifMatch: string },
): Promise<string | undefined> {
  try {
    return (await store.putText(key, body, { ...condition, contentType: 'application/json' })).etag;
  } catch (error) {
    if (error instanceof PreconditionFailedError) return undefined;
    throw error;
  }
}

function isExpired(record: LeaseRecord, now: Date): boolean {
  return Date.parse(record.expiresAt) <= now.getTime();
}

function serialise(record: LeaseRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/**
 * The lease as stored, checked: its times must be exact instants, acquired before it expires, and it must not
 * expire further ahead of `now` than any extractor's ttl allows (LeaseCorruptError otherwise).
 */
function parseLease(body: string, where: string, now: Date): LeaseRecord {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    value = undefined;
  }
  const record = asLeaseRecord(value);
  if (record === undefined) {
    throw new LeaseCorruptError(
      `lease ${where} is not a snowstage lease ({ owner, runId, acquiredAt, expiresAt } with ISO times); ${DELETE_HINT}`,
    );
  }
  const problem = leaseProblem(record, now);
  if (problem !== undefined)
    throw new LeaseCorruptError(`lease ${where} is corrupt: ${problem}; ${DELETE_HINT}`);
  return record;
}

const DELETE_HINT = 'if no extractor is running for this table, delete it';

/** Why a well-formed lease cannot have been written by a working extractor, or undefined. */
export function leaseProblem(record: LeaseRecord, now: Date): string | undefined {
  const acquired = Date.parse(record.acquiredAt);
  const expires = Date.parse(record.expiresAt);
  if (acquired > expires)
    return `it expires (${record.expiresAt}) before it was acquired (${record.acquiredAt})`;
  if (expires - now.getTime() > MAX_LEASE_TTL_MS + LEASE_CLOCK_SKEW_MS) {
    return `it expires at ${record.expiresAt}, further ahead than the longest lease an extractor takes (${MAX_LEASE_TTL_MS / 60_000} minutes)`;
  }
  return undefined;
}

/** What the lease object says, for `status`: the holder, or why it cannot be trusted. Undefined when absent. */
export async function readLease(
  store: ObjectStore,
  key: string,
  now: Date,
): Promise<{ record: LeaseRecord; expired: boolean } | { corrupt: string } | undefined> {
  const current = await store.getText(key);
  if (current === undefined) return undefined;
  try {
    const record = parseLease(current.body, `${store.description}/${key}`, now);
    return { record, expired: isExpired(record, now) };
  } catch (error) {
    if (error instanceof LeaseCorruptError) return { corrupt: error.message };
    throw error;
  }
}

function asLeaseRecord(value: unknown): LeaseRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const { owner, runId, acquiredAt, expiresAt } = fields;
  if (typeof owner !== 'string' || typeof runId !== 'string') return undefined;
  if (typeof acquiredAt !== 'string' || typeof expiresAt !== 'string') return undefined;
  if (Number.isNaN(Date.parse(expiresAt)) || Number.isNaN(Date.parse(acquiredAt))) return undefined;
  return { owner, runId, acquiredAt, expiresAt };
}
