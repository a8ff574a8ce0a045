/**
 * MySQL sessions shared by the tables of one extract run. Opening a session costs a connection, a login and three
 * set-up statements (session.ts), about a third of the extractor's CPU for a table with nothing new; a session a
 * table is done with is kept and readied for the next table instead (MysqlSource.refresh: fresh clocks, sql_mode
 * checked again). The connection budget still counts the sessions in use: a table takes a slot first, then an idle
 * session or, when there is none, a new one. A new session is opened only when none is idle, so sessions open
 * (in use + idle) never outnumber the budget. A session that saw any error is ended, never reused.
 */
import type { ConnectionBudget, Release } from './connection-budget.js';
import type { MysqlSource } from './mysql-source.js';

export class SessionPool {
  readonly #idle: MysqlSource[] = [];
  #closed = false;

  constructor(
    private readonly budget: ConnectionBudget,
    private readonly open: () => Promise<MysqlSource>,
  ) {}

  /** A session, waiting for a budget slot (first come first served); an aborted signal stops the wait. */
  async acquire(signal?: AbortSignal): Promise<MysqlSource> {
    return this.#lend(await this.budget.acquire(signal));
  }

  /** A session if a budget slot is free now, else undefined (extra backfill ranges never wait). */
  async tryAcquire(): Promise<MysqlSource | undefined> {
    const slot = this.budget.tryAcquire();
    return slot ? this.#lend(slot) : undefined;
  }

  /** Ends the idle sessions; sessions still lent are ended when handed back. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#idle.splice(0).map((source) => source.end()));
  }

  async #lend(release: Release): Promise<MysqlSource> {
    try {
      const source = (await this.#reused()) ?? (await this.open());
      source.lend((done) => this.#giveBack(done, release));
      return source;
    } catch (error) {
      release();
      throw error;
    }
  }

  /** The most recently used idle session that could be readied; sessions that could not are ended. */
  async #reused(): Promise<MysqlSource | undefined> {
    for (let source = this.#idle.pop(); source !== undefined; source = this.#idle.pop()) {
      try {
        await source.refresh();
        return source;
      } catch {
        await source.end();
      }
    }
    return undefined;
  }

  #giveBack(source: MysqlSource, release: Release): void {
    if (source.reusable && !this.#closed) this.#idle.push(source);
    else void source.end();
    release();
  }
}
