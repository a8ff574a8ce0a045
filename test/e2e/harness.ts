/**
 * The end-to-end harness: MySQL (a throwaway database) → `snowstage extract` (child process) → s3rver →
 * DuckDB landing table (the pipe's COPY) → the generated MERGE → DuckDB target, compared with MySQL.
 *
 * Each scenario starts its own harness: database, bucket, metadata copy and warehouse are never shared.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { leaseKey, stateKey } from '../../src/extract/naming.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import { snapshotObjects } from '../../src/model/snapshot-objects.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { loadTemplates, type RenderedFile, render } from '../../src/render/render.js';
import { qualified } from '../../src/sql/quote.js';
import { readCsvGz } from '../support/csv.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import {
  createTestS3Client,
  onS3rverEvent,
  randomBucketName,
  type S3Event,
  S3RVER_CREDENTIALS,
  type S3Server,
  startS3Server,
} from '../support/s3.js';
import { compareTable, type Difference, describeDifferences } from './compare.js';
import {
  assertCliBuilt,
  describeRun,
  type ExtractOptions,
  type ExtractResult,
  ROOT,
  runExtract,
} from './extractor.js';
import { Warehouse } from './warehouse.js';

export const BOOKSTORE_METADATA = join(ROOT, 'metadata');
export const E2E_METADATA = join(ROOT, 'test/e2e/metadata');

export interface HarnessOptions {
  /** database label */
  readonly label: string;
  /** metadata directory to copy (default: the repo's example) */
  readonly metadata?: string;
  /** MySQL fixture files run before anything else (default: the bookstore fixture) */
  readonly fixtures?: readonly string[];
  /** pipeline defaults to override in the copy (the example's 60 s lag would make every round wait a minute) */
  readonly commitLagSeconds?: number;
  readonly lookbackSeconds?: number;
}

export class E2eHarness {
  readonly #loaded = new Set<string>();
  readonly #eventListeners = new Set<(event: S3Event) => void>();
  readonly #templates = loadTemplates();
  #model: PipelineModel;
  #warehouse: Warehouse;

  private constructor(
    readonly db: TestDatabase,
    readonly s3: S3Server,
    readonly s3Client: S3Client,
    readonly bucket: string,
    readonly metadataDir: string,
    readonly workDir: string,
    warehouse: Warehouse,
    model: PipelineModel,
  ) {
    this.#model = model;
    this.#warehouse = warehouse;
    onS3rverEvent(s3, (event) => {
      for (const listener of this.#eventListeners) listener(event);
    });
  }

  static async start(options: HarnessOptions): Promise<E2eHarness> {
    await assertCliBuilt();
    const workDir = await mkdtemp(join(tmpdir(), 'snowstage-e2e-'));
    const db = await createTestDatabase(`e2e_${options.label}`);
    const bucket = randomBucketName();
    let s3: S3Server | undefined;
    try {
      for (const fixture of options.fixtures ?? [join(ROOT, 'test/fixtures/bookstore.sql')]) {
        await db.runSqlFile(fixture);
      }
      s3 = await startS3Server({ directory: join(workDir, 's3'), buckets: [bucket] });
      const metadataDir = join(workDir, 'metadata');
      await cp(options.metadata ?? BOOKSTORE_METADATA, metadataDir, { recursive: true });
      await patchDefaults(metadataDir, options);
      const model = await loadModel(metadataDir, harnessEnv(db, bucket, s3.endpoint));
      const warehouse = await Warehouse.open(model);
      const files = render(model, loadTemplates());
      await writeGenerated(workDir, model, files);
      await warehouse.apply(model, files);
      const client = createTestS3Client(s3.endpoint);
      return new E2eHarness(db, s3, client, bucket, metadataDir, workDir, warehouse, model);
    } catch (error) {
      await s3?.close();
      await db.drop();
      await rm(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  async close(): Promise<void> {
    this.warehouse.close();
    this.s3Client.destroy();
    await this.s3.close();
    await this.db.drop();
    await rm(this.workDir, { recursive: true, force: true });
  }

  get model(): PipelineModel {
    return this.#model;
  }

  get warehouse(): Warehouse {
    return this.#warehouse;
  }

  /**
   * Swaps in an empty warehouse with the current generated SQL applied and forgets what was loaded, so the same
   * extracted files can be delivered again from scratch (in another order).
   */
  async resetWarehouse(): Promise<void> {
    const fresh = await Warehouse.open(this.#model);
    try {
      await fresh.apply(this.#model, render(this.#model, this.#templates));
    } catch (error) {
      fresh.close();
      throw error;
    }
    this.#warehouse.close();
    this.#warehouse = fresh;
    this.#loaded.clear();
  }

  table(name: string): TableModel {
    const found = this.#model.tables.find((t) => t.name === name);
    if (!found) throw new Error(`no table ${name} in pipeline ${this.#model.name}`);
    return found;
  }

  /** What the extractor child process (and loadPipeline) sees. */
  env(): Record<string, string> {
    return harnessEnv(this.db, this.bucket, this.s3.endpoint);
  }

  /** MySQL statement on the inspection pool (UTC session). */
  async sql(statement: string, params: unknown[] = []): Promise<unknown> {
    return this.db.query(statement, params);
  }

  // --- metadata -------------------------------------------------------------------------------------

  async editMetadata(relativePath: string, edit: (text: string) => string): Promise<void> {
    const path = join(this.metadataDir, relativePath);
    await writeFile(path, edit(await readFile(path, 'utf8')));
  }

  async writeMetadata(relativePath: string, text: string): Promise<void> {
    await writeFile(join(this.metadataDir, relativePath), text);
  }

  /** Re-reads the metadata copy, renders it, and applies the generated SQL to the warehouse. */
  async regenerate(): Promise<readonly RenderedFile[]> {
    this.#model = await loadModel(this.metadataDir, this.env());
    const files = render(this.#model, this.#templates);
    await writeGenerated(this.workDir, this.#model, files);
    await this.warehouse.apply(this.#model, files);
    return files;
  }

  // --- extraction -----------------------------------------------------------------------------------

  extract(options: ExtractOptions = {}): Promise<ExtractResult> {
    return runExtract(this.metadataDir, this.env(), {
      leaseTtlSeconds: 5,
      generatedDir: join(this.workDir, 'generated'),
      ...options,
    });
  }

  /** An extraction that must succeed for every table it ran. */
  async extractOk(options: ExtractOptions = {}): Promise<ExtractResult> {
    const result = await this.extract(options);
    const failed = result.summaries.filter((s) => s.status !== 'ok');
    if (result.code !== 0 || failed.length > 0 || result.summaries.length === 0) {
      throw new Error(`extraction failed\n${describeRun(result)}`);
    }
    return result;
  }

  /** Calls `listener` for every object S3 stores or deletes until the returned function is called. */
  onS3Event(listener: (event: S3Event) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /** After a kill the lease stays until it expires (no other way in, as in production); wait for that. */
  async waitForLeaseExpiry(): Promise<void> {
    for (const table of this.#model.tables) {
      const lease = await this.#getText(leaseKey(table));
      if (lease === undefined) continue;
      const expiresAt = Date.parse((JSON.parse(lease) as { expiresAt: string }).expiresAt);
      const wait = expiresAt - Date.now() + 100;
      if (wait > 0) await sleep(wait);
    }
  }

  /** The extractor state of a table in one line (watermark and backfill progress), for failure reports. */
  async stateSummary(tableName: string): Promise<string> {
    const text = await this.#getText(stateKey(this.table(tableName)));
    if (text === undefined) return 'no state';
    const state = JSON.parse(text) as { watermark: unknown; backfill: unknown };
    return `watermark ${JSON.stringify(state.watermark)} backfill ${JSON.stringify(state.backfill)}`;
  }

  /** Waits out the longest commit lag, so rows written before now are inside the next run's window. */
  async waitForCommitLag(): Promise<void> {
    const lag = Math.max(0, ...this.#model.tables.map((t) => t.commitLagSeconds));
    // On MySQL's clock (the one cursors are stamped with), polled: a fixed sleep is only a proxy for it.
    const [[start]] = (await this.db.pool.query('SELECT NOW(6) AS now')) as unknown as [[{ now: string }]];
    for (;;) {
      const [[row]] = (await this.db.pool.query('SELECT NOW(6) - INTERVAL ? SECOND > ? AS ok', [
        lag,
        start.now,
      ])) as unknown as [[{ ok: number }]];
      if (Number(row.ok) === 1) return;
      await sleep(50);
    }
  }

  // --- loading (the pipe) ---------------------------------------------------------------------------

  /** Data files of a table in S3 that have not been loaded yet, in key order. */
  async pendingFiles(tableName: string): Promise<string[]> {
    const table = this.table(tableName);
    return (await this.#list(table.dataKeyPrefix)).filter(
      (k) => k.endsWith('.csv.gz') && !this.#loaded.has(k),
    );
  }

  /**
   * Loads files into the landing table (and stream) like the pipe: by default every pending file once, in key
   * order. `keys` chooses files and order; `redeliver` loads them even when already loaded (a replay that
   * Snowpipe's load history would normally prevent).
   */
  async load(
    tableName: string,
    options: { keys?: readonly string[]; redeliver?: boolean } = {},
  ): Promise<number> {
    const table = this.table(tableName);
    const keys = options.keys ?? (await this.pendingFiles(tableName));
    let rows = 0;
    for (const key of keys) {
      if (this.#loaded.has(key) && !options.redeliver) continue;
      // a snapshot table's folder also holds its completion markers, which its markers pipe loads
      rows +=
        table.mode === 'snapshot' && key.endsWith('/complete.csv.gz')
          ? await this.#loadMarker(table, key)
          : await this.#loadOne(table, key);
      this.#loaded.add(key);
    }
    return rows;
  }

  async #loadMarker(table: TableModel, key: string): Promise<number> {
    const stagePrefix = `${this.#model.s3.prefix}data/`;
    const path = join(this.workDir, `marker-${this.#loaded.size}-${Date.now()}.csv.gz`);
    await writeFile(path, await this.#getBytes(key));
    try {
      const markers = qualified(snapshotObjects(table).markers);
      return await this.warehouse.loadKeyFile(markers, key.slice(stagePrefix.length), path);
    } finally {
      await rm(path, { force: true });
    }
  }

  async #loadOne(table: TableModel, key: string): Promise<number> {
    const stagePrefix = `${this.#model.s3.prefix}data/`;
    if (!key.startsWith(stagePrefix)) throw new Error(`${key} is outside the stage ${stagePrefix}`);
    const bytes = await this.#getBytes(key);
    const path = join(this.workDir, `load-${this.#loaded.size}-${Date.now()}.csv.gz`);
    await writeFile(path, bytes);
    try {
      const loaded = await this.warehouse.loadFile(table, key.slice(stagePrefix.length), path);
      // DuckDB's reading must equal a strict reader's: same rows, same order, NULL vs '' kept apart
      const strict = readCsvGz(bytes);
      const expected = strict.records.map((r) =>
        Object.fromEntries(Object.keys(loaded.rows[0] ?? r).map((name) => [name, r[name] ?? null])),
      );
      if (JSON.stringify(loaded.rows) !== JSON.stringify(expected)) {
        throw new Error(`DuckDB read ${key} differently from the strict CSV reader`);
      }
      if (loaded.ignored.length > 0) {
        throw new Error(
          `${key}: columns ${loaded.ignored.join(', ')} have no landing column (values dropped)`,
        );
      }
      return loaded.rows.length;
    } finally {
      await rm(path, { force: true });
    }
  }

  /** Key-snapshot files (key files and completion markers) of a table in S3 not loaded yet, in key order. */
  async pendingKeyFiles(tableName: string): Promise<string[]> {
    const table = this.table(tableName);
    return (await this.#list(table.keysKeyPrefix)).filter((k) => !this.#loaded.has(k));
  }

  /**
   * Loads key-snapshot files like the two delete-detection pipes (markers into <TARGET>_KEY_SNAPSHOTS, key files
   * into <TARGET>_KEYS): by default every pending one once, in key order; `keys` chooses files and order.
   */
  async loadKeySnapshots(tableName: string, options: { keys?: readonly string[] } = {}): Promise<number> {
    const table = this.table(tableName);
    const stagePrefix = `${this.#model.s3.prefix}data/`;
    const raw = (suffix: string) =>
      qualified({ ...table.rawTable, name: `${table.targetTable.name}${suffix}` });
    let rows = 0;
    for (const key of options.keys ?? (await this.pendingKeyFiles(tableName))) {
      if (this.#loaded.has(key)) continue;
      const relation = key.endsWith('/complete.csv.gz') ? raw('_KEY_SNAPSHOTS') : raw('_KEYS');
      const path = join(this.workDir, `keys-${this.#loaded.size}-${Date.now()}.csv.gz`);
      await writeFile(path, await this.#getBytes(key));
      try {
        rows += await this.warehouse.loadKeyFile(relation, key.slice(stagePrefix.length), path);
      } finally {
        await rm(path, { force: true });
      }
      this.#loaded.add(key);
    }
    return rows;
  }

  /** One run of the generated delete-detection task and its prune task. */
  detectDeletes(tableName: string): Promise<void> {
    return this.warehouse.detectDeletes(this.table(tableName));
  }

  // --- MERGE and comparison -------------------------------------------------------------------------

  merge(tableName: string) {
    return this.warehouse.merge(this.table(tableName));
  }

  /** One run of a snapshot table's task and its prune task (mode: snapshot). */
  applySnapshot(tableName: string): Promise<void> {
    return this.warehouse.applySnapshot(this.table(tableName));
  }

  compare(tableName: string): Promise<Difference[]> {
    return compareTable(this.db.pool, this.warehouse, this.table(tableName));
  }

  async assertEqual(tableName: string): Promise<void> {
    const differences = await this.compare(tableName);
    if (differences.length > 0) throw new Error(describeDifferences(tableName, differences));
  }

  /** Loads every pending file of each table and runs its MERGE (what Snowpipe and the task do between runs). */
  async loadAndMerge(tableNames?: readonly string[]): Promise<void> {
    for (const name of tableNames ?? this.allTableNames()) {
      await this.load(name);
      if (this.table(name).mode === 'snapshot') await this.applySnapshot(name);
      else await this.merge(name);
    }
  }

  /** `loadAndMerge`, then every table must equal MySQL. */
  async loadMergeCompare(tableNames?: readonly string[]): Promise<void> {
    await this.loadAndMerge(tableNames);
    for (const name of tableNames ?? this.allTableNames()) await this.assertEqual(name);
  }

  allTableNames(): string[] {
    return this.#model.tables.map((t) => t.name);
  }

  /** Extract (after waiting out the commit lag), load, MERGE, compare. */
  async round(options: ExtractOptions = {}): Promise<ExtractResult> {
    await this.waitForCommitLag();
    const result = await this.extractOk(options);
    await this.loadMergeCompare(options.tables ?? this.allTableNames());
    return result;
  }

  async targetCount(tableName: string): Promise<number> {
    const table = this.table(tableName);
    const [row] = await this.warehouse.rows(`SELECT count(*) AS n FROM ${qualified(table.targetTable)}`);
    return Number(row?.n ?? 0);
  }

  // --- S3 -------------------------------------------------------------------------------------------

  async #list(prefix: string): Promise<string[]> {
    const store = new S3ObjectStore(this.s3Client, this.bucket);
    return (await store.list(prefix)).map((o) => o.key);
  }

  async #getBytes(key: string): Promise<Uint8Array> {
    const object = await this.s3Client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!object.Body) throw new Error(`empty body for ${key}`);
    return object.Body.transformToByteArray();
  }

  async #getText(key: string): Promise<string | undefined> {
    try {
      return new TextDecoder().decode(await this.#getBytes(key));
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}

/** generated/<pipeline>/ as `generate` writes it (extract checks it is current for what it extracts). */
async function writeGenerated(
  workDir: string,
  model: PipelineModel,
  files: readonly RenderedFile[],
): Promise<void> {
  const dir = join(workDir, 'generated', model.name);
  await rm(dir, { recursive: true, force: true });
  for (const file of files) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), file.content);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function harnessEnv(db: TestDatabase, bucket: string, endpoint: string): Record<string, string> {
  return {
    MYSQL_HOST: db.target.host,
    MYSQL_PORT: String(db.target.port),
    MYSQL_USER: db.target.user,
    MYSQL_PASSWORD: db.target.password,
    MYSQL_DATABASE: db.database,
    S3_BUCKET: bucket,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
}

async function loadModel(dir: string, env: Record<string, string>): Promise<PipelineModel> {
  const loaded = await loadPipeline({ dir, env, cwd: dir });
  if (!loaded.model) throw new Error(`invalid e2e metadata in ${dir}: ${JSON.stringify(loaded.diagnostics)}`);
  return loaded.model;
}

/** Rewrites `commit_lag_seconds:` / `lookback_seconds:` under `defaults:` in the copied pipeline.yaml. */
async function patchDefaults(dir: string, options: HarnessOptions): Promise<void> {
  const path = join(dir, 'pipeline.yaml');
  let text = await readFile(path, 'utf8');
  const settings: [string, number | undefined][] = [
    ['commit_lag_seconds', options.commitLagSeconds],
    ['lookback_seconds', options.lookbackSeconds],
  ];
  for (const [name, value] of settings) {
    if (value === undefined) continue;
    const pattern = new RegExp(`^(\\s+${name}:)\\s*\\d+\\s*$`, 'm');
    if (!pattern.test(text)) throw new Error(`${path} has no ${name} default to override`);
    text = text.replace(pattern, `$1 ${value}`);
  }
  await writeFile(path, text);
}
