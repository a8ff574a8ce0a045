/**
 * Snowflake data types in one canonical spelling, so a type written in generated SQL (`VARCHAR`, `INT`,
 * `TIMESTAMP_NTZ(6)`) compares with the one an account reports (SHOW COLUMNS `data_type` JSON, DESC TABLE `type`).
 * Rules: reference/snowflake-catalog.md §1 "Type comparison" (D:sql-reference/data-types-numeric, -text, -datetime).
 */

const VARCHAR_DEFAULT = 16777216;
const BINARY_DEFAULT = 8388608;
const FRACTION_DEFAULT = 9;

const NUMBER_NAMES = new Set(['NUMBER', 'DECIMAL', 'DEC', 'NUMERIC']);
const INTEGER_NAMES = new Set(['INT', 'INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'BYTEINT']);
const FLOAT_NAMES = new Set(['FLOAT', 'FLOAT4', 'FLOAT8', 'DOUBLE', 'DOUBLE PRECISION', 'REAL']);
const VARCHAR_NAMES = new Set([
  'VARCHAR',
  'STRING',
  'TEXT',
  'NVARCHAR',
  'NVARCHAR2',
  'VARCHAR2',
  'CHAR VARYING',
  'NCHAR VARYING',
]);
const CHAR_NAMES = new Set(['CHAR', 'CHARACTER', 'NCHAR']);
const BINARY_NAMES = new Set(['BINARY', 'VARBINARY']);
/** Bare TIMESTAMP follows TIMESTAMP_TYPE_MAPPING (NTZ by default); snowstage always writes the explicit kind. */
const TIMESTAMP_NAMES: Readonly<Record<string, string>> = {
  TIMESTAMP: 'TIMESTAMP_NTZ',
  TIMESTAMP_NTZ: 'TIMESTAMP_NTZ',
  TIMESTAMPNTZ: 'TIMESTAMP_NTZ',
  DATETIME: 'TIMESTAMP_NTZ',
  'TIMESTAMP WITHOUT TIME ZONE': 'TIMESTAMP_NTZ',
  TIMESTAMP_LTZ: 'TIMESTAMP_LTZ',
  TIMESTAMPLTZ: 'TIMESTAMP_LTZ',
  'TIMESTAMP WITH LOCAL TIME ZONE': 'TIMESTAMP_LTZ',
  TIMESTAMP_TZ: 'TIMESTAMP_TZ',
  TIMESTAMPTZ: 'TIMESTAMP_TZ',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP_TZ',
};

/**
 * Where a column definition's constraints start (`BOOLEAN DEFAULT FALSE`, `NUMBER(10,0) NOT NULL`): none of these
 * words is part of a type name (`TIMESTAMP WITH TIME ZONE` is, so WITH is not here).
 */
const CONSTRAINT_START =
  /\s+(?:DEFAULT|NOT\s+NULL|NULL|COMMENT|AUTOINCREMENT|IDENTITY|PRIMARY\s+KEY|UNIQUE|CONSTRAINT|REFERENCES)\b.*$/i;

/**
 * `varchar` → `VARCHAR(16777216)`, `int` → `NUMBER(38,0)`, `datetime` → `TIMESTAMP_NTZ(9)`, `DOUBLE` → `FLOAT`;
 * a collation is kept as a suffix (`VARCHAR(10) COLLATE 'en-ci'`), a default or constraint after the type is left
 * out (plan compares types only). Unknown names are returned upper-cased.
 */
export function canonicalType(written: string): string {
  const collapsed = written.trim().replace(/\s+/g, ' ').replace(CONSTRAINT_START, '');
  const collate = /\s+COLLATE\s+('.*')$/i.exec(collapsed);
  const body = collate ? collapsed.slice(0, collate.index) : collapsed;
  const suffix = collate ? ` COLLATE ${collate[1]}` : '';
  const parsed = /^([A-Za-z_][A-Za-z0-9_ ]*?)\s*(?:\(\s*([^)]*)\))?$/.exec(body);
  if (!parsed) return `${body.toUpperCase()}${suffix}`;
  const name = (parsed[1] ?? '').toUpperCase();
  const args = (parsed[2] ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  return `${canonicalBody(name, args)}${suffix}`;
}

function canonicalBody(name: string, args: readonly string[]): string {
  const n = (i: number, fallback: number) => (args[i] === undefined ? fallback : Number(args[i]));
  if (NUMBER_NAMES.has(name)) return `NUMBER(${n(0, 38)},${n(1, 0)})`;
  if (INTEGER_NAMES.has(name)) return 'NUMBER(38,0)';
  if (FLOAT_NAMES.has(name)) return 'FLOAT';
  if (VARCHAR_NAMES.has(name)) return `VARCHAR(${n(0, VARCHAR_DEFAULT)})`;
  if (CHAR_NAMES.has(name)) return `VARCHAR(${n(0, 1)})`;
  if (BINARY_NAMES.has(name)) return `BINARY(${n(0, BINARY_DEFAULT)})`;
  const timestamp = TIMESTAMP_NAMES[name];
  if (timestamp !== undefined) return `${timestamp}(${n(0, FRACTION_DEFAULT)})`;
  if (name === 'TIME') return `TIME(${n(0, FRACTION_DEFAULT)})`;
  return args.length === 0 ? name : `${name}(${args.join(',')})`;
}

/**
 * SHOW COLUMNS reports `data_type` as JSON: `{"type":"FIXED","precision":10,"scale":2}`, `{"type":"TEXT",
 * "length":200}`, `{"type":"REAL"}`, `{"type":"TIMESTAMP_NTZ","precision":0,"scale":6}` (scale = fraction digits).
 * Returns the canonical spelling, or undefined when the text is not such a document.
 */
export function typeFromShowColumns(dataType: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(dataType);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const doc = parsed as Record<string, unknown>;
  if (typeof doc.type !== 'string') return undefined;
  const num = (key: string, fallback: number) =>
    typeof doc[key] === 'number' ? (doc[key] as number) : fallback;
  const type = doc.type.toUpperCase();
  switch (type) {
    case 'FIXED':
      return `NUMBER(${num('precision', 38)},${num('scale', 0)})`;
    case 'REAL':
      return 'FLOAT';
    case 'TEXT':
      return `VARCHAR(${num('length', VARCHAR_DEFAULT)})`;
    case 'BINARY':
      return `BINARY(${num('length', BINARY_DEFAULT)})`;
    case 'TIME':
    case 'TIMESTAMP_NTZ':
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP_TZ':
      return `${type}(${num('scale', FRACTION_DEFAULT)})`;
    default:
      return type;
  }
}

// Whether a canonical type can be altered in place into another: isInPlace (src/generated/model-diff.ts), the
// classifier generate's migrations use, so plan and the migration it points at agree.
