import { and, eq, inArray, type SQL } from 'drizzle-orm';
import type { PgColumn, PgInsertValue, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { StaffIdentity } from '../../core/auth/access-token';
import type { Database } from '../../db/client';
import { residentReadableBy } from '../../db/queries/resident-access';
import { alerts, residents } from '../../db/schema';
import type { AppContext } from './context';
import { assertInOrg } from './org-references';
import { type KeysetColumns, listPage, type Page, type PageRequest, type PageWindow } from './pagination';
import { isUniqueViolation } from './postgres-errors';
import { ApiError } from './problem';

/** A table whose every row belongs to one organisation. */
export type OrgTable = PgTable & { id: PgColumn; orgId: PgColumn };

/** What the API's data access runs on: the pooled database or a transaction of it. */
export type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

/** The 404 every resource answers for a row that is missing or in another organisation (they look the same). */
export const notFound = (what: string) => new ApiError({ code: 'NOT_FOUND', detail: `No such ${what}` });

/**
 * The caller's view of the data, built from their identity: every query through it carries their organisation,
 * so a handler cannot forget the scope (or take it from anywhere but the verified token).
 */
export class OrgScope {
  constructor(
    readonly db: Executor,
    readonly identity: StaffIdentity,
  ) {}

  get orgId(): string {
    return this.identity.orgId;
  }

  /** The organisation condition on `table`, and the given ones. */
  where(table: { orgId: PgColumn }, ...conditions: (SQL | undefined)[]): SQL {
    return and(eq(table.orgId, this.orgId), ...conditions) as SQL;
  }

  /** Rows of `table` as `what` ("hub", "staff member"): get/update/remove answer 404 "No such {what}". */
  table<T extends OrgTable>(table: T, what: string): ScopedTable<T> {
    return new ScopedTable(this, table, what);
  }

  /** Residents the caller may read (caregivers: those assigned to them), as `table` scopes to the organisation. */
  readableResidents(): ScopedTable<typeof residents> {
    return new ScopedTable(this, residents, 'resident', residentReadableBy(this.identity));
  }

  /** Alerts of residents the caller may read: the resident read rule, applied through the alert's resident. */
  readableAlerts(): ScopedTable<typeof alerts> {
    const readable = this.db.select({ id: residents.id }).from(residents).where(residentReadableBy(this.identity));
    return new ScopedTable(this, alerts, 'alert', this.where(alerts, inArray(alerts.residentId, readable)));
  }

  /** A 422 on `body.{field}` unless `id` names a row of `table` in the caller's organisation. */
  assertOwns(table: OrgTable, id: string, field: string): Promise<void> {
    return assertInOrg(this.db, table, id, this.orgId, field);
  }
}

/** The caller's scope over the app's database, or over `db` (a transaction). */
export function orgScope(c: AppContext, db: Executor = c.env.services.db): OrgScope {
  return new OrgScope(db, c.get('identity'));
}

type Row<T extends OrgTable> = T['$inferSelect'] & { id: string };

/** One table through an `OrgScope`: list, get-or-404, insert, update-or-404 and remove-or-404. */
export class ScopedTable<T extends OrgTable> {
  /** Which rows the caller may see: the organisation's, or those of a read rule within it. */
  private readonly visible: SQL;

  /** `rule` narrows the organisation to what the caller may read; it is built from the same identity, by OrgScope. */
  constructor(
    readonly scope: OrgScope,
    readonly table: T,
    readonly what: string,
    rule?: SQL,
  ) {
    this.visible = rule ?? eq(table.orgId, scope.orgId);
  }

  /** The rows the caller may see that match `conditions`. */
  where(...conditions: (SQL | undefined)[]): SQL {
    return and(this.visible, ...conditions) as SQL;
  }

  /** One keyset page of the rows matching `filters`, by `sort` then id. */
  page(query: PageRequest, sort: KeysetColumns['sort'], filters: (SQL | undefined)[] = []): Promise<Page<Row<T>>> {
    const { db } = this.scope;
    return this.pageWith(query, sort, ({ after, orderBy, limit }) =>
      this.rows(
        db
          .select()
          .from(this.table as PgTable)
          .where(this.where(...filters, after))
          .orderBy(...orderBy)
          .limit(limit),
      ),
    );
  }

  /** One keyset page read by `load`, for lists that select their own columns (through `where`, so still scoped). */
  pageWith<Item extends { id: string }>(
    query: PageRequest,
    sort: KeysetColumns['sort'],
    load: (window: PageWindow) => Promise<Item[]>,
  ): Promise<Page<Item>> {
    const { table } = this;
    return listPage(this.scope.db, { table, sort, id: table.id, org: table.orgId }, this.scope.orgId, query, load);
  }

  /** The row, or undefined when it is missing or another organisation's. */
  async find(id: string, options: { where?: SQL; forUpdate?: boolean } = {}): Promise<Row<T> | undefined> {
    const query = this.scope.db
      .select()
      .from(this.table as PgTable)
      .where(this.byId(id, options.where));
    const [row] = await this.rows(options.forUpdate ? query.for('update') : query);
    return row;
  }

  /** The row, or 404. `forUpdate` locks it for the rest of the transaction. */
  async get(id: string, options: { where?: SQL; forUpdate?: boolean } = {}): Promise<Row<T>> {
    const row = await this.find(id, options);
    if (!row) throw notFound(this.what);
    return row;
  }

  /** Inserts one row into the caller's organisation; with `conflict`, a unique violation is a 409 saying so. */
  async insert(values: Omit<T['$inferInsert'], 'orgId'>, options: { conflict?: string } = {}): Promise<Row<T>> {
    const insert = this.scope.db
      .insert(this.table)
      .values({ ...values, orgId: this.scope.orgId } as PgInsertValue<T>)
      .returning();
    const [row] = await this.rows(insert).catch((error: unknown) => {
      if (options.conflict && isUniqueViolation(error))
        throw new ApiError({ code: 'CONFLICT', detail: options.conflict });
      throw error;
    });
    if (!row) throw new Error(`${this.what} insert returned nothing`);
    return row;
  }

  /** Changes the row, or 404. */
  async update(id: string, changes: PgUpdateSetSource<T>): Promise<Row<T>> {
    const [row] = await this.rows(this.scope.db.update(this.table).set(changes).where(this.byId(id)).returning());
    if (!row) throw notFound(this.what);
    return row;
  }

  /** Deletes the row, or 404; answers the row as it was. */
  async remove(id: string): Promise<Row<T>> {
    const [row] = await this.rows(this.scope.db.delete(this.table).where(this.byId(id)).returning());
    if (!row) throw notFound(this.what);
    return row;
  }

  private byId(id: string, extra?: SQL): SQL {
    return and(eq(this.table.id, id), this.visible, extra) as SQL;
  }

  /** drizzle cannot name the row type of a table chosen by a type parameter; it is the table's select model. */
  private async rows(query: PromiseLike<unknown>): Promise<Row<T>[]> {
    return (await query) as Row<T>[];
  }
}
