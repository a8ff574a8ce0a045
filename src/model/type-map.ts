/**
 * MySQL → Snowflake type mapping, lossless by default (reference §10). Every row of this table is documented
 * in the README and tested in test/unit/type-map.test.ts.
 */
import type { Encoding, MysqlType } from './types.js';

export interface MappedType {
  readonly snowflakeType: string;
  readonly encoding: Encoding;
  readonly rawType: string;
  readonly fsp: number;
}

/** Landing columns hold text; values that can pass 16 MB characters need the 128 MB maximum (reference §2). */
const RAW_DEFAULT = 'VARCHAR';
const RAW_LARGE = 'VARCHAR(134217728)';
/** Snowflake's BINARY maximum; its 8 MB default is too small for MEDIUMBLOB and cannot be altered later. */
const BINARY_MAX = 67108864;
const VARCHAR_MAX = 134217728;

const INTEGER_DIGITS: Record<string, [signed: number, unsigned: number]> = {
  TINYINT: [3, 3],
  SMALLINT: [5, 5],
  MEDIUMINT: [7, 8],
  INT: [10, 10],
  BIGINT: [19, 20],
};

const TEXT_LENGTHS: Record<string, number> = {
  TINYTEXT: 255,
  TEXT: 65535,
  MEDIUMTEXT: 16777215,
  LONGTEXT: VARCHAR_MAX,
};

const BLOB_LENGTHS: Record<string, number> = {
  TINYBLOB: 255,
  BLOB: 65535,
  MEDIUMBLOB: 16777215,
  LONGBLOB: BINARY_MAX,
};

const SPATIAL = new Set([
  'GEOMETRY',
  'POINT',
  'LINESTRING',
  'POLYGON',
  'MULTIPOINT',
  'MULTILINESTRING',
  'MULTIPOLYGON',
  'GEOMETRYCOLLECTION',
]);

type Result = MappedType | { error: string };

function mapped(
  snowflakeType: string,
  encoding: Encoding,
  options: { large?: boolean; fsp?: number } = {},
): MappedType {
  return { snowflakeType, encoding, rawType: options.large ? RAW_LARGE : RAW_DEFAULT, fsp: options.fsp ?? 0 };
}

/** The lossless default for a MySQL type. */
export function defaultMapping(type: MysqlType): Result {
  const { base, args } = type;
  const digits = INTEGER_DIGITS[base];
  if (digits) return mapped(`NUMBER(${type.unsigned ? digits[1] : digits[0]},0)`, 'integer');
  if (base === 'DECIMAL') return mapDecimal(args[0] ?? 10, args[1] ?? 0);
  if (base === 'FLOAT' || base === 'DOUBLE') return mapped('FLOAT', 'float');
  if (base === 'YEAR') return mapped('NUMBER(4,0)', 'integer');
  if (base === 'BIT') return mapBit(args[0] ?? 1);
  if (base === 'DATE') return mapped('DATE', 'date');
  if (base === 'DATETIME') return mapFsp('TIMESTAMP_NTZ', 'datetime', args[0]);
  if (base === 'TIMESTAMP') return mapFsp('TIMESTAMP_TZ', 'timestamp_utc', args[0]);
  if (base === 'TIME') return mapTime(args[0] ?? 0);
  if (base === 'CHAR' || base === 'VARCHAR') return mapped(`VARCHAR(${Math.max(args[0] ?? 1, 1)})`, 'text');
  const textLength = TEXT_LENGTHS[base];
  if (textLength) return mapped(`VARCHAR(${textLength})`, 'text', { large: textLength > 16777216 });
  if (base === 'ENUM') return mapped(`VARCHAR(${Math.max(1, ...type.values.map(charLength))})`, 'text');
  if (base === 'SET') return mapped(`VARCHAR(${setLength(type.values)})`, 'text');
  if (base === 'BINARY' || base === 'VARBINARY')
    return mapped(`BINARY(${Math.max(args[0] ?? 1, 1)})`, 'base64');
  const blobLength = BLOB_LENGTHS[base];
  if (blobLength) return mapped(`BINARY(${blobLength})`, 'base64', { large: blobLength > 12582912 });
  if (base === 'JSON') return mapped('VARIANT', 'json', { large: true });
  if (SPATIAL.has(base)) {
    return {
      error: `MySQL type ${type.text} needs an explicit choice, expected snowflake_type: VARCHAR (loaded as WKT text)`,
    };
  }
  return {
    error: `unknown MySQL type "${type.text}", expected a MySQL column type (int, decimal(p,s), varchar(n), datetime(6), json, ...)`,
  };
}

function mapDecimal(precision: number, scale: number): Result {
  // Snowflake NUMBER holds at most 38 digits; wider DECIMALs stay exact as text unless overridden.
  if (precision > 38) return mapped('VARCHAR(67)', 'decimal');
  return mapped(`NUMBER(${precision},${scale})`, 'decimal');
}

function mapBit(width: number): Result {
  const digits = (2n ** BigInt(width) - 1n).toString().length;
  return mapped(`NUMBER(${digits},0)`, 'bit');
}

function mapFsp(snowflakeBase: string, encoding: Encoding, fsp: number | undefined): Result {
  const digits = fsp ?? 0;
  return mapped(`${snowflakeBase}(${digits})`, encoding, { fsp: digits });
}

/** MySQL TIME is a duration (−838:59:59..838:59:59); Snowflake TIME only holds one day, so use seconds. */
function mapTime(fsp: number): Result {
  return mapped(`NUMBER(${7 + fsp},${fsp})`, 'time_seconds', { fsp });
}

function charLength(value: string): number {
  return [...value].length;
}

function setLength(values: readonly string[]): number {
  return Math.max(1, values.reduce((sum, v) => sum + charLength(v), 0) + Math.max(0, values.length - 1));
}

/** Types with no default mapping that an override makes loadable: spatial values as WKT text (ST_AsText). */
export function overrideUnmapped(type: MysqlType, override: string): MappedType | undefined {
  if (!SPATIAL.has(type.base) || override.trim().toUpperCase() !== 'VARCHAR') return undefined;
  return mapped('VARCHAR', 'wkt', { large: true });
}

/**
 * Overrides a user may ask for, per source type. Anything may become VARCHAR (the extractor's canonical
 * text); the rest are narrower types that are only lossless when the data fits, which the user vouches for.
 */
export function applyOverride(type: MysqlType, fallback: MappedType, override: string): Result {
  const wanted = override.trim().toUpperCase().replace(/\s+/g, '');
  const allowed = allowedOverrides(type, fallback);
  const chosen = allowed.find(
    (a) => (a.snowflakeType.replace(/\s+/g, '') === wanted || a.match?.test(wanted)) && fitsLimits(wanted),
  );
  if (!chosen) {
    const names = allowed.map((a) => a.label ?? a.snowflakeType).join(', ');
    return { error: `found snowflake_type "${override}" for ${type.text}, expected one of: ${names}` };
  }
  const snowflakeType = chosen.match ? wanted : chosen.snowflakeType;
  return { ...fallback, snowflakeType, encoding: chosen.encoding };
}

/** Snowflake's maximum VARCHAR length (reference §2). */
function fitsLimits(wanted: string): boolean {
  const length = /^VARCHAR\((\d+)\)$/.exec(wanted);
  return !length || Number(length[1]) <= VARCHAR_MAX;
}

interface OverrideOption {
  readonly snowflakeType: string;
  readonly encoding: Encoding;
  readonly match?: RegExp;
  readonly label?: string;
}

function allowedOverrides(type: MysqlType, fallback: MappedType): OverrideOption[] {
  const options: OverrideOption[] = [];
  const { base, args } = type;
  const fsp = fallback.fsp;
  if ((base === 'TINYINT' && args[0] === 1) || (base === 'BIT' && (args[0] ?? 1) === 1)) {
    options.push({ snowflakeType: 'BOOLEAN', encoding: 'boolean' });
  }
  if (base === 'TIME') options.push({ snowflakeType: `TIME(${fsp})`, encoding: 'time_of_day' });
  if (base === 'TIMESTAMP') {
    options.push({ snowflakeType: `TIMESTAMP_NTZ(${fsp})`, encoding: 'timestamp_utc' });
    options.push({ snowflakeType: `TIMESTAMP_LTZ(${fsp})`, encoding: 'timestamp_utc' });
  }
  if (base === 'DECIMAL' && (args[0] ?? 10) > 38) {
    options.push({
      snowflakeType: `NUMBER(38,${Math.min(args[1] ?? 0, 37)})`,
      encoding: 'decimal',
      match: /^NUMBER\(38,([0-9]|[12][0-9]|3[0-7])\)$/,
      label: 'NUMBER(38,s)',
    });
  }
  options.push({
    snowflakeType: 'VARCHAR',
    encoding: fallback.encoding,
    match: /^VARCHAR(\([1-9]\d{0,8}\))?$/,
    label: 'VARCHAR',
  });
  return options;
}
