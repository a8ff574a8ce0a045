/**
 * `snowstage introspect` against real MariaDB: every type of the type map, keys (composite, none, unique index
 * only), drift after ALTER TABLE, a declared key MySQL does not keep unique, and the bookstore round trip
 * (introspect --write over the committed example changes nothing, and generate --check stays clean).
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../cli/run.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { ROOT } from '../support/pipeline.js';

let db: TestDatabase;
let work: string;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase('introspect');
  await db.runSqlFile(`${ROOT}test/fixtures/bookstore.sql`);
  env = {
    MYSQL_HOST: db.target.host,
    MYSQL_PORT: String(db.target.port),
    MYSQL_USER: db.target.user,
    MYSQL_PASSWORD: db.target.password,
    MYSQL_DATABASE: db.database,
  };
});

afterAll(async () => {
  await db?.drop();
});

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'snowstage-introspect-'));
  // nothing but pipeline.yaml, as a newcomer starts
  await mkdir(join(work, 'metadata'), { recursive: true });
  await cp(join(ROOT, 'metadata', 'pipeline.yaml'), join(work, 'metadata', 'pipeline.yaml'));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const introspect = (...args: string[]) => runCli(['introspect', ...args], { cwd: work, env });

/** The printed YAML documents as plain values. */
function printed(stdout: string): Record<string, unknown>[] {
  return parseAllDocuments(stdout).map((d) => d.toJS() as Record<string, unknown>);
}

describe('every type of the type map', () => {
  beforeAll(async () => {
    await db.query(`CREATE TABLE every_type (
      id BIGINT UNSIGNED NOT NULL PRIMARY KEY, changed_at DATETIME(6) NOT NULL ON UPDATE CURRENT_TIMESTAMP(6),
      t_tiny TINYINT, t_bool TINYINT(1), t_small SMALLINT, t_medium MEDIUMINT UNSIGNED, t_int INT,
      t_int_zf INT(5) UNSIGNED ZEROFILL, t_big_u BIGINT UNSIGNED, t_dec DECIMAL(38,10), t_dec_wide DECIMAL(65,30),
      t_float FLOAT, t_double DOUBLE, t_year YEAR, t_bit1 BIT(1), t_bit BIT(12), t_date DATE, t_dt DATETIME,
      t_ts TIMESTAMP(6) NULL, t_time TIME(6), t_char CHAR(5), t_varchar VARCHAR(100), t_tinytext TINYTEXT,
      t_text TEXT, t_mediumtext MEDIUMTEXT, t_longtext LONGTEXT, t_enum ENUM('a','b"c','d,e','é'),
      t_set SET('x','y','z'), t_binary BINARY(4), t_varbinary VARBINARY(20), t_tinyblob TINYBLOB, t_blob BLOB,
      t_mediumblob MEDIUMBLOB, t_longblob LONGBLOB, t_json JSON, t_point POINT, t_geometry GEOMETRY,
      KEY changed (changed_at, id)) CHARACTER SET utf8mb4`);
  });

  it('prints every column with its exact type and nullability, the mapping notes and the needed override', async () => {
    const run = await introspect('--table', 'every_type');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [doc] = printed(run.stdout);
    expect(doc?.primary_key).toEqual(['id']);
    expect(doc?.cursor).toEqual({ column: 'changed_at' });
    expect(doc?.columns).toEqual([
      { name: 'id', type: 'bigint unsigned', nullable: false },
      { name: 'changed_at', type: 'datetime(6)', nullable: false },
      { name: 't_tiny', type: 'tinyint' },
      { name: 't_bool', type: 'tinyint(1)' },
      { name: 't_small', type: 'smallint' },
      { name: 't_medium', type: 'mediumint unsigned' },
      { name: 't_int', type: 'int' },
      { name: 't_int_zf', type: 'int(5) unsigned zerofill' },
      { name: 't_big_u', type: 'bigint unsigned' },
      { name: 't_dec', type: 'decimal(38,10)' },
      { name: 't_dec_wide', type: 'decimal(65,30)' },
      { name: 't_float', type: 'float' },
      { name: 't_double', type: 'double' },
      { name: 't_year', type: 'year(4)' },
      { name: 't_bit1', type: 'bit(1)' },
      { name: 't_bit', type: 'bit(12)' },
      { name: 't_date', type: 'date' },
      { name: 't_dt', type: 'datetime' },
      { name: 't_ts', type: 'timestamp(6)' },
      { name: 't_time', type: 'time(6)' },
      { name: 't_char', type: 'char(5)' },
      { name: 't_varchar', type: 'varchar(100)' },
      { name: 't_tinytext', type: 'tinytext' },
      { name: 't_text', type: 'text' },
      { name: 't_mediumtext', type: 'mediumtext' },
      { name: 't_longtext', type: 'longtext' },
      { name: 't_enum', type: `enum('a','b"c','d,e','é')` },
      { name: 't_set', type: `set('x','y','z')` },
      { name: 't_binary', type: 'binary(4)' },
      { name: 't_varbinary', type: 'varbinary(20)' },
      { name: 't_tinyblob', type: 'tinyblob' },
      { name: 't_blob', type: 'blob' },
      { name: 't_mediumblob', type: 'mediumblob' },
      { name: 't_longblob', type: 'longblob' },
      // MariaDB: LONGTEXT with CHECK (json_valid(t_json)), recognised as json
      { name: 't_json', type: 'json' },
      { name: 't_point', type: 'point', snowflake_type: 'VARCHAR' },
      { name: 't_geometry', type: 'geometry', snowflake_type: 'VARCHAR' },
    ]);
    expect(run.stdout).toContain('# t_bool: → NUMBER(3,0); snowflake_type: BOOLEAN if it only holds 0 and 1');
    expect(run.stdout).toContain('# t_bit1: → NUMBER(1,0); snowflake_type: BOOLEAN if it only holds 0 and 1');
    expect(run.stdout).toContain('# t_dec_wide: → VARCHAR(67) (exact text');
    expect(run.stdout).toContain('# t_time: → NUMBER(13,6) seconds (MySQL TIME is a duration)');
    expect(run.stdout).toContain('# t_point: no Snowflake type holds point as is: loaded as WKT text');
    expect(run.stdout).toContain(
      '# datetime(6), kept current by ON UPDATE CURRENT_TIMESTAMP; an index on (changed_at, id) serves the (cursor, key) order',
    );
  });

  it('--write creates a file that snowstage validate accepts', async () => {
    const run = await introspect('--table', 'every_type', '--write');
    expect(run.stderr).toBe('metadata/tables/every_type.yaml: created\n');
    expect(run.code).toBe(0);
    const valid = await runCli(['validate'], { cwd: work, env });
    expect(valid.stderr).toBe('');
    expect(valid.code).toBe(0);
  });
});

describe('keys', () => {
  beforeAll(async () => {
    await db.query(
      'CREATE TABLE order_lines (order_id INT NOT NULL, line_no SMALLINT NOT NULL, qty INT, modified_at TIMESTAMP(3) NOT NULL, PRIMARY KEY (order_id, line_no), KEY (modified_at))',
    );
    await db.query(
      'CREATE TABLE tagged (tag_code VARCHAR(20) NOT NULL, label VARCHAR(50) NULL, alt_code VARCHAR(20) NULL, updated_at DATETIME NOT NULL, UNIQUE KEY alt (alt_code), UNIQUE KEY code (tag_code))',
    );
    await db.query(
      'CREATE TABLE heap (a INT NOT NULL, b INT NULL, updated_at DATETIME NOT NULL, KEY (a), UNIQUE KEY b_unique (b))',
    );
  });

  it('a composite PRIMARY KEY is the key; an index starting with the cursor serves it', async () => {
    const run = await introspect('--table', 'order_lines');
    expect(run.code).toBe(0);
    const [doc] = printed(run.stdout);
    expect(doc?.primary_key).toEqual(['order_id', 'line_no']);
    expect(doc?.cursor).toEqual({ column: 'modified_at' });
    expect(run.stdout).toContain(
      '# timestamp(3), named like an update time; an index starts with it (one on (modified_at, order_id, line_no) would serve the (cursor, key) order best)',
    );
  });

  it('without a PRIMARY KEY, a UNIQUE index on NOT NULL columns; a cursor without an index warns', async () => {
    const run = await introspect('--table', 'tagged');
    expect(run.code).toBe(0);
    const [doc] = printed(run.stdout);
    expect(doc?.primary_key).toEqual(['tag_code']);
    expect(run.stdout).toContain(
      '# UNIQUE index code on NOT NULL columns (the table has no usable PRIMARY KEY)',
    );
    expect(run.stdout).toContain(
      '# warning: cursor updated_at is not the first column of any index, so every run scans the whole table; add an index on (updated_at, tag_code)',
    );
  });

  it('no PRIMARY KEY and no UNIQUE index on NOT NULL columns: a keyless mode: snapshot with the reason, valid', async () => {
    const run = await introspect('--table', 'heap');
    expect(run.code).toBe(0);
    const [doc] = printed(run.stdout);
    expect(doc?.mode).toBe('snapshot');
    expect(doc?.primary_key).toBeUndefined();
    expect(doc?.cursor).toBeUndefined();
    const reason =
      'no PRIMARY KEY and no UNIQUE index on NOT NULL columns, so rows can be neither paged nor merged by key: every run copies the whole table and the target is replaced by the latest complete snapshot (or add a PRIMARY KEY or UNIQUE index in MySQL and use mode: incremental)';
    expect(run.stdout).toContain(`# ${reason}\nmode: snapshot\n`);
    expect(run.stderr).toBe(`MySQL table heap: mode: snapshot suggested: ${reason}\n`);
    const write = await introspect('--table', 'heap', '--write');
    expect(write.code, write.stderr).toBe(0);
    expect(write.stderr).toContain('metadata/tables/heap.yaml: created');
    const valid = await runCli(['validate'], { cwd: work, env });
    expect(valid.stderr).toBe('');
    expect(valid.code).toBe(0);
    // the written keyless file is checked again without a key complaint
    const check = await introspect('--table', 'heap', '--check');
    expect(check.code, check.stderr).toBe(0);
    await rm(join(work, 'metadata', 'tables', 'heap.yaml'));
  });

  it('a key but no update-time column: a keyed mode: snapshot with the reason', async () => {
    await db.query('CREATE TABLE codes (code CHAR(3) NOT NULL PRIMARY KEY, label VARCHAR(40))');
    const run = await introspect('--table', 'codes');
    expect(run.code).toBe(0);
    const [doc] = printed(run.stdout);
    expect(doc?.mode).toBe('snapshot');
    expect(doc?.primary_key).toEqual(['code']);
    expect(doc?.cursor).toBeUndefined();
    expect(run.stderr).toContain(
      'MySQL table codes: mode: snapshot suggested: no DATETIME or TIMESTAMP column looks like an update time (ON UPDATE CURRENT_TIMESTAMP, or named like updated_at / modified_at): every run copies the whole table in key order',
    );
  });

  it('a table file whose primary_key MySQL does not keep unique is refused, naming the key to use', async () => {
    await mkdir(join(work, 'metadata', 'tables'));
    await cp(
      join(ROOT, 'metadata', 'tables', 'book_reviews.yaml'),
      join(work, 'metadata', 'tables', 'r.yaml'),
    );
    const path = join(work, 'metadata', 'tables', 'r.yaml');
    await writeFile(
      path,
      (await readFile(path, 'utf8')).replace('primary_key: [review_id]', 'primary_key: [book_id]'),
    );
    const run = await introspect('--check');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'metadata/tables/r.yaml: primary_key [book_id] is not enforced as unique by MySQL table book_reviews: no PRIMARY KEY or UNIQUE index of MySQL covers only these columns; extract refuses it. Use [review_id] (UNIQUE index review_id on NOT NULL columns',
    );
  });
});

describe('drift', () => {
  it('ALTER TABLE ADD / MODIFY / DROP COLUMN: --check exits 1 naming each; --write updates only the columns', async () => {
    await db.query(
      'CREATE TABLE drifting (id INT NOT NULL PRIMARY KEY, note VARCHAR(20), gone INT, amount DECIMAL(8,2) NOT NULL, updated_at DATETIME(6) NOT NULL, KEY (updated_at, id))',
    );
    expect((await introspect('--table', 'drifting', '--write')).code).toBe(0);
    const path = join(work, 'metadata', 'tables', 'drifting.yaml');
    // What a person adds by hand: a comment, an override, a target name, a schedule.
    const edited = (await readFile(path, 'utf8'))
      .replace(
        'source_table: drifting\n',
        'source_table: drifting\ntarget_table: DRIFT\nmerge_schedule:\n  interval_minutes: 15\n',
      )
      .replace(
        '  - { name: note, type: varchar(20) }',
        '  # free text\n  - { name: note, type: varchar(20), snowflake_type: VARCHAR(10) }',
      );
    await writeFile(path, edited);
    expect((await introspect('--check')).code).toBe(0);

    await db.query(
      'ALTER TABLE drifting ADD COLUMN added_flag TINYINT(1) NOT NULL DEFAULT 0 AFTER note, MODIFY COLUMN amount DECIMAL(12,2) NULL, DROP COLUMN gone, MODIFY note VARCHAR(40)',
    );
    const check = await introspect('--check');
    expect(check.code).toBe(1);
    expect(check.stderr).toBe(
      [
        'metadata/tables/drifting.yaml: drift: column note is varchar(40) in MySQL, varchar(20) in the metadata',
        'metadata/tables/drifting.yaml: drift: column gone was dropped in MySQL',
        'metadata/tables/drifting.yaml: drift: column amount is decimal(12,2) in MySQL, decimal(8,2) in the metadata',
        'metadata/tables/drifting.yaml: drift: column amount is NULL-able in MySQL',
        'metadata/tables/drifting.yaml: drift: column added_flag (tinyint(1)) was added in MySQL',
        '',
      ].join('\n'),
    );
    expect(await readFile(path, 'utf8')).toBe(edited);

    const write = await introspect('--write', '--table', 'drifting');
    expect(write.code).toBe(0);
    expect(write.stderr).toContain('metadata/tables/drifting.yaml: updated');
    expect(await readFile(path, 'utf8')).toBe(
      edited
        .replace('type: varchar(20), snowflake_type', 'type: varchar(40), snowflake_type')
        .replace(
          '  - { name: gone, type: int }\n',
          '  # added_flag: → NUMBER(3,0); snowflake_type: BOOLEAN if it only holds 0 and 1\n  - { name: added_flag, type: tinyint(1), nullable: false }\n',
        )
        .replace(
          '{ name: amount, type: "decimal(8,2)", nullable: false }',
          '{ name: amount, type: "decimal(12,2)" }',
        ),
    );
    expect((await introspect('--check')).code).toBe(0);
  });
  it('a table dropped in MySQL, and with --table one without a file, are drift too', async () => {
    await db.query(
      'CREATE TABLE short_lived (id INT NOT NULL PRIMARY KEY, updated_at DATETIME NOT NULL, KEY (updated_at, id))',
    );
    expect((await introspect('--table', 'short_lived', '--write')).code).toBe(0);
    await db.query('DROP TABLE short_lived');
    const check = await introspect('--check');
    expect(check.stderr).toBe('metadata/tables/short_lived.yaml: MySQL table short_lived no longer exists\n');
    expect(check.code).toBe(1);
    const missing = await introspect('--check', '--table', 'order_lines');
    expect(missing.stderr).toBe(
      'metadata/tables/order_lines.yaml: missing (MySQL table order_lines has no table file)\n',
    );
    expect(missing.code).toBe(1);
  });
});

describe('the connection', () => {
  it('a port out of range is named with its file before any connection is tried', async () => {
    const run = await runCli(['introspect'], { cwd: work, env: { ...env, MYSQL_PORT: '70000' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('70000');
    expect(run.stderr).toContain('expected a TCP port number 1-65535');
  });
});

describe('table files it cannot use', () => {
  it("a table file over the loader's 1 MB cap stops the command before anything is read or written", async () => {
    await mkdir(join(work, 'metadata', 'tables'));
    await writeFile(join(work, 'metadata', 'tables', 'huge.yaml'), `# ${'x'.repeat(1024 * 1024)}\n`);
    const run = await introspect('--write');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/huge\.yaml is larger than 1048576 bytes; nothing was read or written\n$/);
    expect(run.stdout).toBe('');
  });

  it('a file that is not valid YAML is left alone: its name is taken, nothing overwrites it', async () => {
    await mkdir(join(work, 'metadata', 'tables'));
    const path = join(work, 'metadata', 'tables', 'books.yaml');
    await writeFile(path, 'name: [unclosed\n');
    const run = await introspect('--write', '--table', 'books');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'metadata/tables/books.yaml exists but is not the file of MySQL table books (it names another source_table, or is not valid YAML); nothing written\n',
    );
    expect(await readFile(path, 'utf8')).toBe('name: [unclosed\n');
  });
});

describe('the bookstore example', () => {
  it('introspect --write over the committed metadata changes nothing, and generate --check stays clean', async () => {
    await cp(join(ROOT, 'metadata'), join(work, 'metadata'), { recursive: true });
    await cp(join(ROOT, 'generated'), join(work, 'generated'), { recursive: true });
    const run = await introspect('--write', '--table', 'books', 'book_reviews');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const name of ['books', 'book_reviews']) {
      const file = join('metadata', 'tables', `${name}.yaml`);
      expect(await readFile(join(work, file), 'utf8')).toBe(await readFile(join(ROOT, file), 'utf8'));
    }
    const generate = await runCli(['generate', '--check'], { cwd: work, env });
    expect(generate.stdout + generate.stderr).not.toContain('---');
    expect(generate.code).toBe(0);
  });

  it('from nothing but pipeline.yaml, --write writes the example table files but for hand-written choices', async () => {
    const run = await introspect('--write', '--table', 'books', 'book_reviews');
    expect(run.code).toBe(0);
    // The example's only hand-written differences: descriptions, an override and a schedule.
    for (const name of ['books', 'book_reviews']) {
      const file = join('metadata', 'tables', `${name}.yaml`);
      const [committed] = printed(await readFile(join(ROOT, file), 'utf8'));
      const [written] = printed(await readFile(join(work, file), 'utf8'));
      if (!committed || !written) throw new Error('no document');
      const { description: _d, merge_schedule: _s, ...chosen } = committed;
      const columns = chosen.columns as Record<string, unknown>[];
      expect(written, name).toEqual({ ...chosen, columns: columns.map(({ snowflake_type: _, ...c }) => c) });
    }
  });
});
