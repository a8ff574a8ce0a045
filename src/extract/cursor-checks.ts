/**
 * Checks of the cursor contract that cost one query per run (or nothing per row) and only warn: the run itself is
 * still correct for what it reads, but rows will reach the target late or not at all.
 */
import { cursorOf, type TableModel } from '../model/types.js';
import type { MysqlSource } from './mysql-source.js';
import * as queries from './queries.js';
import { datetimeNow, FUTURE_TOLERANCE_SECONDS, futureBound } from './window.js';

/**
 * Rows whose time cursor lies in the future beyond the commit lag: read only once the clock passes them, so they
 * reach the target hours late (a wrong `cursor.time_zone`: the application writes in a zone ahead of the one
 * named) or much later (a client clock that was ahead; a placeholder far in the future). A later update stamped
 * with the real time moves the cursor backwards; the MERGE applies it all the same when it can tell that the old
 * cursor lay after the time it was read (src/render/views.ts versionCursor), which for a DATETIME cursor without
 * `cursor.time_zone`, or a DATE cursor, means more than 14 hours ahead of UTC. The opposite mistake (a zone
 * behind) cannot be counted: those rows look old and fall below the watermark.
 */
export async function futureRowsWarning(table: TableModel, source: MysqlSource): Promise<string | undefined> {
  const bound = futureBound(table, source.clock);
  if (bound === null) return undefined;
  const statement = queries.countCursorsAfter(table, bound);
  const [row] = await source.query<{ n: string | number }>(statement.sql, statement.values);
  const count = Number(row?.n ?? 0);
  if (count === 0) return undefined;
  const slack = Math.max(table.commitLagSeconds, FUTURE_TOLERANCE_SECONDS);
  const now =
    cursorOf(table).encoding === 'timestamp_utc'
      ? `${source.clock.utcNow} UTC`
      : cursorOf(table).encoding === 'datetime'
        ? `${datetimeNow(table, source.clock)} ${table.cursorTimeZone ?? "in the server's time zone"}`
        : `${source.clock.localNow} in the server's time zone`;
  const zone =
    cursorOf(table).encoding === 'datetime'
      ? `the application writes ${cursorOf(table).source} in a time zone ahead of ${table.cursorTimeZone ?? "the server's"} (set cursor.time_zone in ${table.file})`
      : `the application writes ${cursorOf(table).source} in a time zone ahead of the server's`;
  return `${count} rows of ${table.sourceTable} have ${cursorOf(table).source} later than ${bound} (now is ${now}, plus ${slack} seconds): they are read only once the clock passes them. Likely causes: ${zone}, or a client clock ahead of the server's, or a placeholder date in the future; an update that then stamps the real time moves the cursor backwards, which the MERGE follows only for a cursor it can tell lay in the future when it was read (README, cursor contract)`;
}
