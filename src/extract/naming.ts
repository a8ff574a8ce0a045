/**
 * Object keys. Data file names are immutable and unique (Snowpipe never reloads a name it has seen) and sort by
 * extraction time, which the MERGE relies on: among versions with the same cursor, the later file wins, and a
 * version's cursor counts no later than its run's start, read from the run id (src/render/views.ts readTimeOf).
 */
import { randomBytes } from 'node:crypto';
import type { TableModel } from '../model/types.js';

/** e.g. 20261125T153012345Z-a1b2c3: UTC start time to the millisecond, then randomness against collisions. */
export function newRunId(now: Date, random: string = randomBytes(3).toString('hex')): string {
  const iso = now.toISOString(); // 2026-11-25T15:30:12.345Z
  return `${iso.slice(0, 10).replaceAll('-', '')}T${iso.slice(11, 23).replaceAll(':', '').replace('.', '')}Z-${random}`;
}

/** The run's start date, from the run id, so every file of a run lands in one date folder. */
function datePath(runId: string): string {
  return `${runId.slice(0, 4)}/${runId.slice(4, 6)}/${runId.slice(6, 8)}`;
}

export function dataFileKey(table: TableModel, runId: string, sequence: number): string {
  return `${table.dataKeyPrefix}${datePath(runId)}/${runId}-${String(sequence).padStart(6, '0')}.csv.gz`;
}

export function manifestKey(table: TableModel, runId: string): string {
  return `${table.stateKeyPrefix}manifests/${datePath(runId)}/${runId}.json`;
}

export function stateKey(table: TableModel): string {
  return `${table.stateKeyPrefix}state.json`;
}

export function leaseKey(table: TableModel): string {
  return `${table.stateKeyPrefix}lease.json`;
}
