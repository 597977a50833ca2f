import { type AnyColumn, type SQL, sql, type Table } from 'drizzle-orm';
import * as v from 'valibot';
import type { Database } from '../../db/client';
import { ApiError } from './problem';

/** Query fields every list route takes: keyset pagination over `(sort column, id)`. */
export function pageQueryFields<const TSort extends readonly [string, ...string[]]>(sorts: TSort) {
  return {
    limit: v.pipe(
      v.optional(v.string(), '50'),
      v.regex(/^\d+$/, 'must be a whole number'),
      v.transform(Number),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(100, 'must be at most 100'),
    ),
    cursor: v.optional(v.pipe(v.string(), v.maxLength(512))),
    sort: v.optional(v.picklist(sorts), sorts[0]),
    order: v.optional(v.picklist(['asc', 'desc']), 'asc'),
  };
}

export interface PageRequest {
  limit: number;
  cursor?: string;
  order: 'asc' | 'desc';
}

const cursorError = () =>
  new ApiError({
    code: 'VALIDATION_FAILED',
    detail: 'The request query is invalid',
    errors: [{ field: 'query.cursor', message: 'is not a cursor this API issued to your organisation' }],
  });

/** The cursor is opaque to clients: base64url of the id of the last row returned. */
function decodeCursor(cursor: string): string {
  let id = '';
  try {
    id = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
  } catch {
    throw cursorError();
  }
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw cursorError();
  return id;
}

function encodeCursor(id: string): string {
  return btoa(id).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** What a list pages over: the table, its sort and id columns, and the organisation column that scopes it. */
export interface KeysetColumns {
  table: Table;
  sort: AnyColumn;
  id: AnyColumn;
  org: AnyColumn;
}

/**
 * WHERE and ORDER BY for one page after the cursor. The sort value of the cursor row is read back from the
 * table itself, so timestamps compare at full precision and the cursor leaks nothing but an id. A cursor whose row
 * is not in the caller's organisation (another organisation's id, or a row gone since) is refused: it would
 * otherwise order the caller's rows after a row they cannot see, or end the list early with no error.
 */
export async function keyset(
  db: Pick<Database, 'execute'>,
  { table, sort, id, org }: KeysetColumns,
  orgId: string,
  page: PageRequest,
): Promise<{ after?: SQL; orderBy: SQL[] }> {
  const direction = page.order === 'desc' ? sql`desc` : sql`asc`;
  const orderBy = [sql`${sort} ${direction}`, sql`${id} ${direction}`];
  if (!page.cursor) return { orderBy };
  const cursorId = decodeCursor(page.cursor);
  const owned = await db.execute(sql`select 1 from ${table} where ${id} = ${cursorId} and ${org} = ${orgId}`);
  if (owned.length === 0) throw cursorError();
  const cursorRow = sql`(select ${sort}, ${id} from ${table} where ${id} = ${cursorId})`;
  const after = page.order === 'desc' ? sql`(${sort}, ${id}) < ${cursorRow}` : sql`(${sort}, ${id}) > ${cursorRow}`;
  return { after, orderBy };
}

/** One page of a list, as every list route answers it. */
export interface Page<Row> {
  items: Row[];
  nextCursor: string | null;
}

/** Cuts the one extra row fetched to learn whether another page exists. */
export function toPage<Row extends { id: string }>(rows: Row[], limit: number): Page<Row> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  if (rows.length <= limit || !last) return { items, nextCursor: null };
  return { items, nextCursor: encodeCursor(last.id) };
}

/** Where one page starts and how it is ordered; `limit` asks for one row more than the page holds. */
export interface PageWindow {
  after?: SQL;
  orderBy: SQL[];
  limit: number;
}

/**
 * One page after the cursor: `load` runs the list's own query with the window's condition, order and limit (it
 * must add its filters and the caller's scope), and the extra row it fetched becomes the next cursor.
 */
export async function listPage<Row extends { id: string }>(
  db: Pick<Database, 'execute'>,
  columns: KeysetColumns,
  orgId: string,
  page: PageRequest,
  load: (window: PageWindow) => Promise<Row[]>,
): Promise<Page<Row>> {
  const { after, orderBy } = await keyset(db, columns, orgId, page);
  return toPage(await load({ after, orderBy, limit: page.limit + 1 }), page.limit);
}

/** The page with each item turned into its response shape. */
export function mapPage<Row, Item>(page: Page<Row>, toItem: (row: Row) => Item): Page<Item> {
  return { items: page.items.map(toItem), nextCursor: page.nextCursor };
}

/** Response schema of a page of items. */
export function pageSchema<TItem extends v.GenericSchema>(item: TItem, ref: string) {
  return v.pipe(
    v.object({ items: v.array(item), nextCursor: v.nullable(v.string()) }),
    v.metadata({ ref, description: 'One page; pass nextCursor as `cursor` for the next (null = last page)' }),
  );
}
