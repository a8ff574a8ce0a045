/**
 * Random but reproducible changes to the bookstore tables, the way an application makes them: inserts,
 * updates that bump `updated_at`, soft deletes and un-deletes. Values include the awkward characters the
 * CSV path must survive. Every change sets the cursor to NOW(6), so one statement makes many cursor ties.
 * Rows whose cursor lies in the future (the fixture's review 33, 2038-01-19) are left alone: NOW(6) would move
 * their cursor backwards, which breaks the cursor contract (see bugs.test.ts).
 */
import type { TestDatabase } from '../support/mysql.js';

/** mulberry32: small, seedable, good enough to pick rows and values. */
export class Random {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** `count` distinct integers from [min, max] (fewer when the range is smaller) */
  sample(min: number, max: number, count: number): number[] {
    const chosen = new Set<number>();
    const wanted = Math.min(count, max - min + 1);
    while (chosen.size < wanted) chosen.add(this.int(min, max));
    return [...chosen];
  }

  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.int(0, 255)));
  }
}

/** A seed from the environment (to replay a failure) or a fresh one, printed by the caller. */
export function seedFromEnv(): number {
  const given = Number(process.env.E2E_SEED);
  return Number.isInteger(given) && given > 0 ? given : Math.floor(Math.random() * 2 ** 31) + 1;
}

const AWKWARD_TEXT = [
  '',
  ' ',
  'NULL',
  '\\N',
  '"',
  '""',
  'a,b',
  'line\nbreak',
  'crlf\r\nend',
  'tab\tsep',
  'back\\slash\\',
  '🐉 dragons 📚',
  'Zoë, "the" café',
];

function awkwardText(random: Random, base: string): string {
  return random.next() < 0.3 ? `${base} ${random.pick(AWKWARD_TEXT)}` : base;
}

const FORMATS = ['hardcover', 'paperback', 'ebook', 'audio', null] as const;
const TAGS = ['', 'fiction', 'nonfiction,classic', 'fiction,bestseller', null] as const;

export interface RoundSize {
  readonly insertBooks: number;
  readonly updateBooks: number;
  readonly deleteBooks: number;
  readonly undeleteBooks: number;
  readonly insertReviews: number;
  readonly updateReviews: number;
  readonly deleteReviews: number;
  readonly undeleteReviews: number;
}

export class BookstoreWorkload {
  #round = 0;

  constructor(
    private readonly db: TestDatabase,
    readonly random: Random,
  ) {}

  async round(size: RoundSize): Promise<void> {
    this.#round++;
    await this.insertBooks(size.insertBooks);
    const maxBook = await this.#max('books', 'book_id');
    await this.updateBooks(this.random.sample(1, maxBook, size.updateBooks));
    await this.softDeleteBooks(this.random.sample(1, maxBook, size.deleteBooks));
    await this.undeleteBooks(size.undeleteBooks);
    await this.insertReviews(size.insertReviews, maxBook);
    const maxReview = await this.#max('book_reviews', 'review_id');
    await this.updateReviews(this.random.sample(1, maxReview, size.updateReviews));
    await this.setReviewsDeleted(this.random.sample(1, maxReview, size.deleteReviews), 1);
    await this.setReviewsDeleted(this.random.sample(1, maxReview, size.undeleteReviews), 0);
  }

  async insertBooks(count: number): Promise<void> {
    if (count === 0) return;
    const r = this.random;
    const rows = Array.from({ length: count }, (_, i) => [
      String(9_780_000_000_000 + r.int(0, 999_999_999)),
      awkwardText(r, `Book r${this.#round} #${i}`),
      r.next() < 0.1 ? null : awkwardText(r, `Author ${r.int(1, 500)}`),
      r.next() < 0.1 ? null : (r.int(0, 9_999_999) / 100).toFixed(2),
      (r.int(0, 500) / 100).toFixed(2),
      r.int(-5, 1000),
      r.int(0, 1),
      r.pick(FORMATS),
      r.pick(TAGS),
      r.next() < 0.2 ? null : `${r.int(1000, 2024)}-0${r.int(1, 9)}-${r.int(10, 28)}`,
      r.next() < 0.2
        ? null
        : JSON.stringify({ round: this.#round, n: r.int(0, 1e6), s: awkwardText(r, 'x') }),
      r.next() < 0.3 ? null : r.bytes(r.int(0, 40)),
    ]);
    await this.db.query(
      'INSERT INTO books (isbn13, title, author, price, rating, stock_count, in_print, format, tags, published_on, metadata, cover_thumbnail) VALUES ?',
      [rows],
    );
  }

  async updateBooks(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE books SET title = CONCAT(LEFT(title, 400), ?), price = ROUND(RAND() * 100000, 2),
         stock_count = IF(stock_count > -2147483648, stock_count - 1, 0), metadata = JSON_SET(COALESCE(metadata, '{}'), '$.round', ?),
         cover_thumbnail = IF(RAND() < 0.5, UNHEX(SHA2(RAND(), 256)), cover_thumbnail), updated_at = NOW(6)
       WHERE book_id IN (?) AND updated_at <= NOW(6)`,
      [awkwardText(this.random, ` r${this.#round}`), this.#round, ids],
    );
  }

  async softDeleteBooks(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE books SET deleted_at = NOW(6), updated_at = NOW(6)
       WHERE deleted_at IS NULL AND book_id IN (?) AND updated_at <= NOW(6)`,
      [ids],
    );
  }

  /** Brings back some soft-deleted books: the MERGE must insert them again. */
  async undeleteBooks(count: number): Promise<void> {
    if (count === 0) return;
    await this.db.query(
      `UPDATE books SET deleted_at = NULL, updated_at = NOW(6)
       WHERE deleted_at IS NOT NULL AND updated_at <= NOW(6) ORDER BY RAND() LIMIT ?`,
      [count],
    );
  }

  async insertReviews(count: number, maxBook: number): Promise<void> {
    if (count === 0) return;
    const r = this.random;
    const rows = Array.from({ length: count }, (_, i) => [
      r.int(1, maxBook),
      awkwardText(r, `reader${r.int(1, 300)}`),
      r.int(-128, 127),
      r.next() < 0.15 ? null : awkwardText(r, `review r${this.#round} #${i}`),
      r.next() < 0.05 ? '18446744073709551615' : String(r.int(0, 1e9)),
    ]);
    await this.db.query(
      'INSERT INTO book_reviews (book_id, reviewer, rating, review_text, helpful_votes) VALUES ?',
      [rows],
    );
  }

  async updateReviews(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE book_reviews SET helpful_votes = IF(helpful_votes < 18446744073709551615, helpful_votes + 1, 0),
         review_text = IF(RAND() < 0.2, NULL, CONCAT(LEFT(COALESCE(review_text, ''), 200), ?)), updated_at = NOW(6)
       WHERE review_id IN (?) AND updated_at <= NOW(6)`,
      [awkwardText(this.random, ` r${this.#round}`), ids],
    );
  }

  async setReviewsDeleted(ids: readonly number[], deleted: 0 | 1): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE book_reviews SET is_deleted = ?, updated_at = NOW(6)
       WHERE is_deleted <> ? AND review_id IN (?) AND updated_at <= NOW(6)`,
      [deleted, deleted, ids],
    );
  }

  async #max(table: string, column: string): Promise<number> {
    const [row] = (await this.db.query(`SELECT MAX(${column}) AS m FROM ${table}`)) as {
      m: number | string;
    }[];
    return Number(row?.m ?? 0);
  }
}
