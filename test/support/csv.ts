/**
 * A strict reader for the CSV the extractor writes (every value enclosed in ", "" for a quote, NULL an
 * unenclosed empty field, LF records). Anything else is an error, so a writer bug cannot hide here.
 */
import { gunzipSync } from 'node:zlib';

export type CsvRow = (string | null)[];

export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let row: CsvRow = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) throw new Error('unterminated quoted field');
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      row.push(value);
    } else {
      if (text[i] !== ',' && text[i] !== '\n')
        throw new Error(`unenclosed value at ${i}: ${text.slice(i, i + 20)}`);
      row.push(null);
    }
    const separator = text[i];
    if (separator === ',') {
      i++;
      if (i === text.length || text[i] === '\n') row.push(null);
      if (text[i] === '\n') {
        rows.push(row);
        row = [];
        i++;
      }
    } else if (separator === '\n') {
      rows.push(row);
      row = [];
      i++;
    } else if (i < text.length) {
      throw new Error(`expected , or newline at ${i}`);
    }
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

/** Header and records of one .csv.gz file, as objects keyed by header name. */
export function readCsvGz(bytes: Uint8Array): { header: string[]; records: Record<string, string | null>[] } {
  const [header, ...rows] = parseCsv(gunzipSync(bytes).toString('utf8'));
  if (!header || header.some((h) => h === null)) throw new Error('missing header');
  const names = header as string[];
  return {
    header: names,
    records: rows.map((r) => {
      if (r.length !== names.length) throw new Error(`row has ${r.length} fields, header ${names.length}`);
      return Object.fromEntries(names.map((n, i) => [n, r[i] ?? null]));
    }),
  };
}
