import { type Column, eq, type SQL } from 'drizzle-orm';

/**
 * A list's equality filters: `column = value` for each query field that was sent, in the order `columns` names
 * them; a field left out filters nothing.
 */
export function equalWhereGiven<Query extends object>(
  query: Query,
  columns: { [Field in keyof Query]?: Column },
): (SQL | undefined)[] {
  return (Object.keys(columns) as (keyof Query)[]).map((field) => {
    const value = query[field];
    const column = columns[field];
    return value === undefined || !column ? undefined : eq(column, value);
  });
}
