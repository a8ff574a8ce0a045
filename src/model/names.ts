/** Snowflake name rules for names written in metadata (reference §8, "Identifiers"). */

/**
 * A name as Snowflake would resolve it: a double-quoted name keeps its exact case (with `""` for `"`),
 * anything else is upper-cased as an unquoted identifier would be.
 */
export function resolveSnowflakeName(written: string): string {
  const quoted = /^"((?:[^"]|"")+)"$/s.exec(written);
  if (quoted) return (quoted[1] as string).replaceAll('""', '"');
  return written.toUpperCase();
}

/** MySQL column names are case-insensitive; the Snowflake column is the upper-cased name. */
export function snowflakeColumnName(mysqlName: string): string {
  return mysqlName.toUpperCase();
}

/** Columns snowstage adds to landing and target tables; the prefix keeps them apart from source columns. */
export const META = {
  /** 'U' upsert or 'D' hard delete, written by the extractor */
  op: '_SNOWSTAGE_OP',
  /** METADATA$FILENAME: the file a row came from (names sort by extraction time) */
  file: '_SNOWSTAGE_FILE',
  /** METADATA$FILE_ROW_NUMBER */
  fileRow: '_SNOWSTAGE_FILE_ROW',
  /** METADATA$START_SCAN_TIME in the landing table; merge time in the target */
  loadedAt: '_SNOWSTAGE_LOADED_AT',
  mergedAt: '_SNOWSTAGE_MERGED_AT',
  /** in the MERGE's source only: when the run that read the version started (src/render/views.ts readTimeOf) */
  readAt: '_SNOWSTAGE_READ_AT',
  /** TRUE: the key's newest version is a delete (a tombstone the MERGE keeps so older versions cannot return) */
  deleted: '_SNOWSTAGE_DELETED',
} as const;

export function isReservedColumn(snowflakeName: string): boolean {
  return snowflakeName.startsWith('_SNOWSTAGE_');
}
