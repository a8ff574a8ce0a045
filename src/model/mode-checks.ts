/** What a table file must and must not have in each mode (`mode: incremental`, the default, or `snapshot`). */
import type { TableDoc } from '../metadata/documents.js';
import type { TableMode } from './types.js';

/**
 * incremental needs a key and a cursor; snapshot reads the whole table, so a cursor would be ignored (refused
 * instead, so nobody believes it is followed), and delete detection is what a snapshot already does.
 */
export function checkModeFields(
  doc: TableDoc,
  mode: TableMode,
  report: (pointer: string, message: string) => void,
): void {
  if (mode === 'incremental') {
    if (doc.primary_key === undefined)
      report(
        '',
        'found no primary_key, expected primary_key (the MERGE key) in mode: incremental, or mode: snapshot for a table without a unique key',
      );
    if (doc.cursor === undefined)
      report(
        '',
        'found no cursor, expected cursor (a column that grows on every insert and update) in mode: incremental, or mode: snapshot for a table without one',
      );
    return;
  }
  if (doc.cursor !== undefined)
    report(
      '/cursor',
      'found cursor in mode: snapshot, expected none (every run reads the whole table; remove cursor, or use mode: incremental)',
    );
  if (doc.delete_detection !== undefined)
    report(
      '/delete_detection',
      'found delete_detection in mode: snapshot, expected none (each complete snapshot already removes the rows that disappeared)',
    );
  if (doc.soft_delete !== undefined)
    report(
      '/soft_delete',
      'found soft_delete in mode: snapshot, expected none (a snapshot copies the rows as they are; filter the column in queries)',
    );
}
