/**
 * The ObjectStore on a local directory, for development: same conditional-write semantics as S3 within one
 * machine (per-key lock files and an in-process mutex), writes through a temporary file and a rename.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type Dirent, type Stats } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import {
  compareEntries,
  etagsEqual,
  Meter,
  type ObjectStore,
  PreconditionFailedError,
  type PutTextOptions,
  type StoredText,
  sha256Etag,
  sleep,
  type UploadOptions,
} from './store.js';

/** temp files live inside the root so the final rename stays on one filesystem (and so is atomic) */
const TEMP_DIR = '.snowstage-tmp';
const LOCK_DIR = '.snowstage-locks';
const RESERVED_ROOT_NAMES = new Set([TEMP_DIR, LOCK_DIR]);
/** how long a write waits for another process's lock before giving up */
const LOCK_WAIT_MS = 10_000;
/** a lock file still empty after this long was left by a process that died while creating it */
const EMPTY_LOCK_STALE_MS = 5_000;

/**
 * Keys map to files under the root ("a/b.csv.gz" → root/a/b.csv.gz). Writes go to a temp file first and are
 * renamed into place, so readers never see half a file. Conditional writes are safe between processes on
 * one machine: every write to a key holds a per-key lock (an in-process mutex plus an O_EXCL lock file
 * holding the pid), and creations use link(2), which fails if the key appeared meanwhile. ETags are the
 * quoted sha256 of the content. Not for network filesystems (lock files and links are not reliable there);
 * content type/encoding are not stored; directories left empty by deletes are not removed (listing ignores
 * them). A key cannot be both an object and a "folder" of other keys, which S3 allows but files do not.
 */
export class LocalObjectStore implements ObjectStore {
  readonly description: string;
  readonly #root: string;

  constructor(rootDir: string) {
    this.#root = resolve(rootDir);
    this.description = pathToFileURL(this.#root).href;
  }

  async getText(key: string): Promise<StoredText | undefined> {
    const content = await readFileIfPresent(this.#path(key));
    return content === undefined ? undefined : { body: content.toString('utf8'), etag: sha256Etag(content) };
  }

  async putText(key: string, body: string, options: PutTextOptions = {}): Promise<{ etag: string }> {
    const target = this.#path(key);
    const content = Buffer.from(body, 'utf8');
    const temp = await this.#tempPath();
    try {
      await writeFile(temp, content, { flag: 'wx' });
      await this.#locked(key, () => this.#commitText(key, target, temp, content, options));
      return { etag: sha256Etag(content) };
    } finally {
      await rm(temp, { force: true });
    }
  }

  async delete(key: string, options: { ifMatch?: string } = {}): Promise<void> {
    const target = this.#path(key);
    await this.#locked(key, async () => {
      const ifMatch = options.ifMatch;
      if (ifMatch !== undefined) {
        const current = await readFileIfPresent(target);
        if (current === undefined || !etagsEqual(ifMatch, sha256Etag(current))) {
          throw new PreconditionFailedError(`${this.#url(key)} changed or vanished; not deleted`);
        }
      }
      await unlinkIfPresent(target);
    });
  }

  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    // walk only the deepest folder the prefix names in full; S3 prefixes may end mid-name ("books/2024-0")
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const directory = folder === '' ? this.#root : this.#path(folder.slice(0, -1));
    const entries: { key: string; size: number }[] = [];
    await this.#walk(directory, folder, prefix.slice(folder.length), entries);
    return entries.sort(compareEntries);
  }

  async exists(key: string): Promise<boolean> {
    return (await statIfPresent(this.#path(key)))?.isFile() === true;
  }

  async upload(
    key: string,
    body: Readable,
    options: UploadOptions = {},
  ): Promise<{ etag: string; bytes: number }> {
    const target = this.#path(key);
    const temp = await this.#tempPath();
    const meter = new Meter(true);
    try {
      const signal = options.signal === undefined ? {} : { signal: options.signal };
      await pipelineAsync(body, meter, createWriteStream(temp, { flags: 'wx' }), signal);
      await this.#locked(key, async () => {
        await mkdir(dirname(target), { recursive: true });
        await linkNew(temp, target, this.#url(key));
      });
      return { etag: meter.etag(), bytes: meter.bytes };
    } catch (error) {
      body.destroy();
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Runs inside the key's lock: checks the precondition against what is on disk, then moves `temp` in. */
  async #commitText(
    key: string,
    target: string,
    temp: string,
    content: Buffer,
    options: PutTextOptions,
  ): Promise<void> {
    const current = await readFileIfPresent(target);
    if (!preconditionHolds(current, options)) {
      if (current?.equals(content) === true) return; // our body is already there: see the module comment
      throw new PreconditionFailedError(
        `conditional write to ${this.#url(key)} lost: it was changed by another writer`,
      );
    }
    await mkdir(dirname(target), { recursive: true });
    if (options.ifNoneMatch === undefined) {
      await rename(temp, target);
      return;
    }
    await linkNew(temp, target, this.#url(key));
  }

  async #walk(
    directory: string,
    keyPrefix: string,
    namePrefix: string,
    out: { key: string; size: number }[],
  ): Promise<void> {
    const children = await readDirIfPresent(directory);
    for (const child of children) {
      if (!child.name.startsWith(namePrefix)) continue;
      if (keyPrefix === '' && RESERVED_ROOT_NAMES.has(child.name)) continue;
      const path = join(directory, child.name);
      const key = `${keyPrefix}${child.name}`;
      if (child.isDirectory()) {
        await this.#walk(path, `${key}/`, '', out);
      } else if (child.isFile()) {
        const info = await statIfPresent(path);
        if (info !== undefined) out.push({ key, size: info.size }); // deleted meanwhile: skip
      }
    }
  }

  /** Serialises writes to one key across this process (mutex) and other processes (lock file). */
  async #locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const lockPath = join(this.#root, LOCK_DIR, `${createHash('sha256').update(key).digest('hex')}.lock`);
    const release = await IN_PROCESS_LOCKS.acquire(lockPath);
    try {
      await acquireLockFile(lockPath);
      try {
        return await work();
      } finally {
        await rm(lockPath, { force: true });
      }
    } finally {
      release();
    }
  }

  async #tempPath(): Promise<string> {
    const directory = join(this.#root, TEMP_DIR);
    await mkdir(directory, { recursive: true });
    return join(directory, `${randomUUID()}.tmp`);
  }

  #path(key: string): string {
    return join(this.#root, ...localKeySegments(key));
  }

  #url(key: string): string {
    return `${this.description}/${key}`;
  }
}

/** Moves `temp` to `target` only if `target` does not exist: atomic create-if-absent even if a lock was wrongly broken. */
async function linkNew(temp: string, target: string, url: string): Promise<void> {
  try {
    await link(temp, target);
  } catch (error) {
    if (errorCode(error) === 'EEXIST')
      throw new PreconditionFailedError(`${url} already exists`, { cause: error });
    throw error;
  }
}

/** Keys must be plain relative paths: anything else could escape the root or alias another key. */
function localKeySegments(key: string): string[] {
  const segments = key.split('/');
  const invalid =
    key.includes('\0') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..') ||
    RESERVED_ROOT_NAMES.has(segments[0] ?? '');
  if (invalid) {
    throw new Error(
      `object key ${JSON.stringify(key)} cannot be stored in a local directory: use non-empty "/"-separated ` +
        `names other than "." and ".." (and not starting with ${TEMP_DIR} or ${LOCK_DIR})`,
    );
  }
  return segments;
}

function preconditionHolds(current: Buffer | undefined, options: PutTextOptions): boolean {
  if (options.ifNoneMatch === '*' && current !== undefined) return false;
  if (options.ifMatch === undefined) return true;
  return current !== undefined && etagsEqual(options.ifMatch, sha256Etag(current));
}

/** Creates the lock file or waits for it; a lock whose holder process is gone is removed. */
async function acquireLockFile(lockPath: string): Promise<void> {
  await mkdir(dirname(lockPath), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await writeFile(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    if (await removeIfAbandoned(lockPath)) continue;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${LOCK_WAIT_MS} ms waiting for ${lockPath}; if no snowstage process is using this ` +
          'directory, delete the file',
      );
    }
    await sleep(2 + Math.random() * 8);
  }
}

/**
 * A holder that died inside its (millisecond-long) critical section leaves its lock behind. Removing it is
 * racy if two waiters notice at the same moment; that needs a crash plus two contenders on one key, which a
 * development store can live with.
 */
async function removeIfAbandoned(lockPath: string): Promise<boolean> {
  const content = await readFileIfPresent(lockPath);
  if (content === undefined) return true; // released meanwhile: try again at once
  const pid = Number.parseInt(content.toString('utf8'), 10);
  let abandoned: boolean;
  if (Number.isSafeInteger(pid) && pid > 0) {
    abandoned = pid !== process.pid && !processIsAlive(pid);
  } else {
    const info = await statIfPresent(lockPath);
    abandoned = info !== undefined && Date.now() - info.mtimeMs > EMPTY_LOCK_STALE_MS;
  }
  if (abandoned) await rm(lockPath, { force: true });
  return abandoned;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM'; // exists, but belongs to someone else
  }
}

/** One-at-a-time per key; waiters run in arrival order. */
class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    this.#tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}

/** module-wide, so two store objects on one directory in one process also take turns without polling */
const IN_PROCESS_LOCKS = new KeyedMutex();

// --- shared helpers ------------------------------------------------------------------------------

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** ENOENT, or ENOTDIR when a "folder" of the key is a file: the key does not exist */
function isAbsent(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readFileIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isAbsent(error) || errorCode(error) === 'EISDIR') return undefined; // a folder is not an object
    throw error;
  }
}

async function statIfPresent(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}

async function readDirIfPresent(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    if (isAbsent(error)) return [];
    throw error;
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  if ((await statIfPresent(path))?.isFile() !== true) return; // a folder is not an object
  try {
    await unlink(path);
  } catch (error) {
    if (!isAbsent(error)) throw error;
  }
}
