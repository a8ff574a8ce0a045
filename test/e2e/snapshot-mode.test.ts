/**
 * Issue 10, tables without an update cursor or a key: `mode: snapshot`. A keyed table (currencies) and a keyless
 * one (zones, rows may repeat) are copied whole by every run; rows are deleted, re-inserted and updated in MySQL
 * between runs; snapshot files are loaded in random orders and batches, the generated snapshot task runs between
 * batches, and the live target must equal MySQL once a snapshot is complete and loaded, and never show an
 * incomplete one.
 * - A run SIGKILLed in the middle of a snapshot (its first data file stored, no marker) changes nothing; the next
 *   run resumes the keyed snapshot (same id) and starts the keyless one again (new id).
 * - Applying the same snapshot twice changes nothing; older snapshots' landing rows are pruned.
 */
import { afterEach, expect, it } from 'vitest';
import { qualified } from '../../src/sql/quote.js';
import { E2eHarness } from './harness.js';
import { Random } from './workload.js';

let harness: E2eHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const TABLES = ['currencies', 'zones'];
const DATA_FILE = /\/(currencies|zones)\/[^/]+\/[^/]+-\d{6}\.csv\.gz$/;

const CURRENCIES_YAML = `name: currencies
source_table: currencies
mode: snapshot
primary_key: [code]
columns:
  - { name: code, type: char(3), nullable: false }
  - { name: name, type: varchar(64), nullable: false }
  - { name: rate, type: "decimal(18,6)" }
`;

const ZONES_YAML = `name: zones
source_table: zones
mode: snapshot
columns:
  - { name: country, type: varchar(2) }
  - { name: zone, type: varchar(16) }
`;

async function setUp(h: E2eHarness, random: Random): Promise<void> {
  await h.sql(
    'CREATE TABLE currencies (code CHAR(3) NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, rate DECIMAL(18,6))',
  );
  await h.sql('CREATE TABLE zones (country VARCHAR(2), zone VARCHAR(16))');
  for (let i = 0; i < 120; i++) await insertCurrency(h, i, random);
  for (let i = 0; i < 80; i++) await h.sql('INSERT INTO zones VALUES (?, ?)', [country(i % 50), `z${i % 7}`]);
  await h.writeMetadata('tables/currencies.yaml', CURRENCIES_YAML);
  await h.writeMetadata('tables/zones.yaml', ZONES_YAML);
  await h.regenerate();
}

function code(i: number): string {
  return `X${country(i)}`;
}

function country(i: number): string {
  return String.fromCharCode(65 + (Math.floor(i / 26) % 26), 65 + (i % 26));
}

async function insertCurrency(h: E2eHarness, i: number, random: Random): Promise<void> {
  const rate = random.int(0, 10) === 0 ? null : (random.int(1, 10_000_000) / 1000).toFixed(3);
  await h.sql('INSERT INTO currencies VALUES (?, ?, ?)', [code(i), `currency ${i}`, rate]);
}

/** Deletes, re-inserts and updates in both tables (the zones table has repeated rows, and no key). */
async function churn(h: E2eHarness, random: Random, round: number): Promise<void> {
  const codes = ((await h.sql('SELECT code FROM currencies ORDER BY code')) as { code: string }[]).map(
    (r) => r.code,
  );
  const gone = random.sample(0, codes.length - 1, 10).map((i) => codes[i] as string);
  await h.sql('DELETE FROM currencies WHERE code IN (?)', [gone]);
  for (const i of random.sample(0, 119, 8)) {
    await h.sql('INSERT IGNORE INTO currencies VALUES (?, ?, NULL)', [code(i), `back ${round}`]);
  }
  await h.sql('UPDATE currencies SET rate = rate + 1, name = CONCAT(name, ?) WHERE code IN (?)', [
    `/${round}`,
    random.sample(0, 119, 10).map(code),
  ]);
  await h.sql('DELETE FROM zones WHERE zone = ? LIMIT 3', [`z${round % 7}`]);
  await h.sql('INSERT INTO zones VALUES (?, ?), (?, ?), (NULL, ?)', ['AA', 'z1', 'AA', 'z1', `n${round}`]);
  await h.sql('UPDATE zones SET zone = ? WHERE country = ?', [`u${round}`, country(random.int(0, 49))]);
}

function shuffle<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Loads the pending snapshot files of a table in a random order, in batches, running the task after each. */
async function loadInBatches(h: E2eHarness, random: Random, table: string): Promise<void> {
  const pending = shuffle(random, await h.pendingFiles(table));
  while (pending.length > 0) {
    const batch = pending.splice(0, random.int(1, 3));
    await h.load(table, { keys: batch });
    await h.applySnapshot(table);
    if (pending.length > 0) await expectUnchangedOrEqual(h, table);
  }
  await h.applySnapshot(table);
  await h.assertEqual(table);
  // applied again, the same snapshot changes nothing
  const before = await targetRows(h, table);
  await h.applySnapshot(table);
  expect(await targetRows(h, table)).toEqual(before);
}

/** Runs the extractor for one table and SIGKILLs it once state records its first data file; loads what it wrote. */
async function crashMidSnapshot(h: E2eHarness, table: string): Promise<string[]> {
  await h.waitForLeaseExpiry();
  const killed = await h.extract({
    tables: [table],
    chunkRows: 10,
    fileSizeMb: 0.0001,
    // killed runs take short leases (the next run waits for them); renewed every second, a 2 s lease was lost
    // on a loaded machine before the kill (test/e2e/crash.test.ts), 3 s leaves two seconds for a late renewal
    leaseTtlSeconds: 3,
    killWhen: ({ kill }) => {
      let dataFile: string | undefined;
      return h.onS3Event((event) => {
        if (!event.name.startsWith('ObjectCreated')) return;
        if (DATA_FILE.test(event.key)) dataFile = event.key;
        else if (dataFile && event.key.endsWith('/state.json')) kill(`state saved after ${dataFile}`);
      });
    },
  });
  expect(killed.signal, killed.stderr).toBe('SIGKILL');
  const files = await h.pendingFiles(table);
  expect(files.filter((k) => k.endsWith('/complete.csv.gz'))).toEqual([]);
  expect(files.length).toBeGreaterThan(0);
  await h.load(table);
  await h.applySnapshot(table);
  await h.waitForLeaseExpiry();
  return files;
}

/** Until the snapshot is complete and loaded, the target keeps the previous snapshot's rows. */
const previous = new Map<string, unknown[]>();
async function expectUnchangedOrEqual(h: E2eHarness, table: string): Promise<void> {
  const rows = await targetRows(h, table);
  const equal = (await h.compare(table)).length === 0;
  if (!equal) expect(rows).toEqual(previous.get(table) ?? []);
}

async function targetRows(h: E2eHarness, table: string): Promise<unknown[]> {
  const t = h.table(table);
  const rows = await h.warehouse.rows(
    `SELECT * EXCLUDE ("_SNOWSTAGE_MERGED_AT") FROM ${qualified(t.targetTable)} ORDER BY ALL`,
  );
  return JSON.parse(JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
}

async function remember(h: E2eHarness): Promise<void> {
  for (const table of TABLES) previous.set(table, await targetRows(h, table));
}

it('snapshot tables: the target equals the latest complete snapshot; incomplete ones change nothing', async () => {
  const random = new Random(11);
  harness = await E2eHarness.start({ label: 'snapmode', commitLagSeconds: 0, lookbackSeconds: 0 });
  const h = harness;
  await setUp(h, random);
  previous.clear();

  // a key MySQL does not enforce unique is refused in snapshot mode too (keyset chunks would skip rows): nothing
  // is read; the same table without primary_key (a keyless snapshot) is the way to copy it
  await h.sql('CREATE TABLE zones_by_country (country VARCHAR(2) NOT NULL, zone VARCHAR(16))');
  await h.sql("INSERT INTO zones_by_country VALUES ('AA', 'z1'), ('AA', 'z2')");
  await h.writeMetadata(
    'tables/zones_by_country.yaml',
    'name: zones_by_country\nsource_table: zones_by_country\nmode: snapshot\nprimary_key: [country]\ncolumns:\n' +
      '  - { name: country, type: varchar(2), nullable: false }\n  - { name: zone, type: varchar(16) }\n',
  );
  await h.regenerate();
  const refused = await h.extract({ tables: ['zones_by_country'] });
  expect(refused.code).toBe(1);
  expect(refused.stdout + refused.stderr).toMatch(/primary_key \[country\] .* is not enforced as unique/);
  expect(await h.pendingFiles('zones_by_country')).toEqual([]);

  for (let round = 1; round <= 4; round++) {
    const run = await h.extractOk({ tables: TABLES, chunkRows: 25, fileSizeMb: 0.0001 });
    if (round === 1) {
      expect(run.stdout + run.stderr).toMatch(/currencies: ok snapshot \S+ complete: 120 rows, \d+ files/);
      expect(run.stdout + run.stderr).toMatch(/zones: ok snapshot \S+ complete: 80 rows, \d+ files/);
    }
    for (const table of TABLES) await loadInBatches(h, random, table);
    await remember(h);
    await churn(h, random, round);
  }

  // A crash in the middle of a snapshot: killed once state records the first data file, before the marker. (The
  // churn comes first: rows a resumed snapshot read before the crash show the table as it was then, like any
  // chunked read; the next snapshot brings changes made since.)
  const unfinished = new Map<string, string[]>();
  for (const table of TABLES) {
    unfinished.set(table, await crashMidSnapshot(h, table));
    // nothing changed: the only complete snapshot is the previous one
    expect(await targetRows(h, table)).toEqual(previous.get(table));
    expect((await h.compare(table)).length).toBeGreaterThan(0);
  }
  await h.extractOk({ tables: TABLES, chunkRows: 25, fileSizeMb: 0.0001 });
  const snapshotIds = async (table: string) =>
    (await h.pendingFiles(table))
      .filter((k) => k.endsWith('/complete.csv.gz'))
      .map((k) => k.split('/').at(-2));
  // the keyed snapshot was resumed (same id as the killed run's files); the keyless one started again (new id)
  expect(await snapshotIds('currencies')).toEqual([unfinished.get('currencies')?.[0]?.split('/').at(-2)]);
  const zones = await snapshotIds('zones');
  expect(zones).toHaveLength(1);
  expect(zones[0]).not.toBe(unfinished.get('zones')?.[0]?.split('/').at(-2));
  for (const table of TABLES) await loadInBatches(h, random, table);
  await remember(h);

  // and one more round after the resumed snapshot
  await churn(h, random, 5);
  await h.extractOk({ tables: TABLES, chunkRows: 25, fileSizeMb: 0.0001 });
  for (const table of TABLES) await loadInBatches(h, random, table);

  // older snapshots' landing rows are pruned: only the latest complete one is left
  for (const table of TABLES) {
    const t = h.table(table);
    const [row] = await h.warehouse.rows(
      `SELECT count(DISTINCT split_part("_SNOWSTAGE_FILE", '/', -2)) AS n FROM ${qualified(t.rawTable)}`,
    );
    expect(Number(row?.n)).toBe(1);
  }
});
