/**
 * A cursor set back to NULL, seen within one run. With `null_cursor: oldest` the NULL-cursor rows are re-read
 * every run, but the MERGE ranks a NULL cursor as the oldest version: a row the target already holds with a cursor
 * keeps that version for good. The extractor cannot see the target; what it can see cheaply is a key it read in
 * this run's window with a cursor and then again, with a NULL cursor, in the same run's NULL pass (the cursor was
 * cleared while the run read). Keys read with a cursor are remembered up to MAX_REMEMBERED, and only by runs of
 * tables with `null_cursor: oldest`, so memory stays bounded and other tables pay nothing. A cursor cleared
 * between runs is not detected (see README, cursor contract).
 */
import { cursorOf, type TableModel } from '../model/types.js';
import type { RowPosition } from './file-sink.js';

/** At most this many keys are remembered per run (a few MB); rows past it are not compared. */
export const MAX_REMEMBERED = 100_000;
/** keys named in the warning */
const SHOWN = 5;

export class NulledCursors {
  readonly #seen = new Set<string>();
  readonly #found: string[] = [];
  #count = 0;

  constructor(private readonly positionOf: (row: unknown[]) => RowPosition) {}

  /** a row read in the window, with a cursor */
  readonly remember = (row: unknown[]): void => {
    if (this.#seen.size < MAX_REMEMBERED) this.#seen.add(keyText(this.positionOf(row).key));
  };

  /** a row read in the NULL pass */
  readonly check = (row: unknown[]): void => {
    if (this.#seen.size === 0) return;
    const key = this.positionOf(row).key;
    if (!this.#seen.has(keyText(key))) return;
    this.#count++;
    if (this.#found.length < SHOWN) this.#found.push(`(${key.join(', ')})`);
  };

  warning(table: TableModel): string | undefined {
    if (this.#count === 0) return undefined;
    const more = this.#count > this.#found.length ? ', …' : '';
    return `${this.#count} rows of ${table.sourceTable} had ${cursorOf(table).source} set to NULL while this run read them (keys ${this.#found.join(', ')}${more}): the MERGE ranks a NULL cursor below any other, so the target keeps the version with a cursor for good. The cursor must not be set back to NULL (cursor contract); set it to the time of the change instead`;
  }
}

function keyText(key: readonly string[]): string {
  return key.join('\u0000');
}
