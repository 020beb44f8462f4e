/**
 * Keyset pagination over (sort, id), the one way every list of the API pages
 * (requests, history, people, groups, a group's members): a page costs the
 * same anywhere in the table, and a walk through all pages returns each row
 * once even while rows are added.
 *
 * Each list says what it reads (`KeysetList`); `keysetPage` writes the
 * statement of one page and `keysetCount` its count. The cursor condition is
 *
 *   sort ≥ c AND (sort > c OR (sort = c AND id > i))        (forward, ascending)
 *
 * The first term repeats the bound as a plain range: SQLite's planner seeks
 * the index to the cursor only with it (with the OR alone it scans from the
 * index's start). On MySQL/MariaDB the list names the index that serves its
 * order (FORCE INDEX): given the equality prefix alone (the organization), the
 * planner prefers a `ref` lookup for ORDER BY … LIMIT and walks from the
 * index's end, discarding every row before the cursor (see bench/README.md).
 * test/integration/keyset-plans.test.ts reads each list's plan on both
 * databases.
 */
import { Connection, decodeCursorParts, encodeCursor, PageWindow, toConnection } from "./pagination";
import { Queryable, Row } from "./rows";

export type SortDirection = "ASC" | "DESC";

export interface KeysetCursor {
  sort: number | string;
  id: number;
}

/**
 * A keyset cursor names its connection first: a cursor of another connection
 * is refused (BAD_USER_INPUT) even where its values have the same shape, as
 * licenseRequests' and licenseRequestDecisions' (a time and an ID) do.
 */
export function encodeKeysetCursor(connection: string, sort: number | string, id: number): string {
  return encodeCursor([connection, sort, id]);
}

/** Decodes cursors of `connection` only, whose sort value is of `sortType`; null for anything else. */
export function keysetCursorDecoder(connection: string, sortType: "number" | "string"): (cursor: string) => KeysetCursor | null {
  return (cursor) => {
    const parts = decodeCursorParts(cursor);
    if (!parts || parts.length !== 3 || parts[0] !== connection) return null;
    const [, sort, id] = parts;
    const sortValid = sortType === "number" ? Number.isSafeInteger(sort) : typeof sort === "string";
    return sortValid && Number.isSafeInteger(id) ? { sort: sort as number | string, id: id as number } : null;
  };
}

/** What one list reads, in which order. */
export interface KeysetList {
  /** The columns of a row (qualified by `alias`). */
  select: string;
  table: string;
  alias: string;
  /**
   * The index that serves `where` in (sort, id) order: forced on MySQL/MariaDB.
   * None where no index serves the order better than the planner's choice (a
   * user's few requests, found through their recipient rows).
   */
  index?: string | undefined;
  /** Further tables the select reads (LEFT JOINs on a primary key). */
  joins?: string;
  /** Conditions on the list's rows, ANDed, with their parameters in order. */
  where: readonly string[];
  parameters: readonly unknown[];
  /** The sort column and the ID column, qualified by `alias`. */
  sort: string;
  id: string;
  /** The list's order as shown. */
  direction: SortDirection;
}

export interface Statement {
  sql: string;
  parameters: unknown[];
}

const flip = (direction: SortDirection): SortDirection => (direction === "ASC" ? "DESC" : "ASC");
const beyond = (direction: SortDirection): "<" | ">" => (direction === "DESC" ? "<" : ">");

/** The column of a page's rows that carries the list's count (`keysetPage`'s `total`). */
const TOTAL_COLUMN = "keyset_total";

/**
 * The statement of one page of `list`: rows after the window's cursor (and
 * before its bound), fetched in the window's direction, `size + 1` of them
 * (the extra one tells whether there is more; `toConnection` reads it).
 * With `total`, every row also carries that statement's count, as a scalar
 * subquery named TOTAL_COLUMN.
 */
export function keysetPage(list: KeysetList, window: PageWindow<KeysetCursor>, mysql: boolean, total: Statement | null = null): Statement {
  const fetch = window.direction === "forward" ? list.direction : flip(list.direction);
  const where = [...list.where];
  // The subquery's placeholders come first: it is in the select list, before the page's own conditions.
  const parameters = [...(total?.parameters ?? []), ...list.parameters];
  for (const [cursor, op] of [
    [window.cursor, beyond(fetch)],
    [window.bound, beyond(flip(fetch))],
  ] as const) {
    if (!cursor) continue;
    where.push(`${list.sort} ${op}= ? AND (${list.sort} ${op} ? OR (${list.sort} = ? AND ${list.id} ${op} ?))`);
    parameters.push(cursor.sort, cursor.sort, cursor.sort, cursor.id);
  }
  const from = `\`${list.table}\` ${list.alias}${mysql && list.index ? ` FORCE INDEX (\`${list.index}\`)` : ""}`;
  return {
    sql: `SELECT ${list.select}${total ? `, (${total.sql}) AS \`${TOTAL_COLUMN}\`` : ""} FROM ${from}${list.joins ? ` ${list.joins}` : ""} WHERE ${where.join(" AND ")} ORDER BY ${list.sort} ${fetch}, ${list.id} ${fetch} LIMIT ${window.size + 1}`,
    parameters,
  };
}

/** The statement that counts every row of `list` (for `totalCount`). */
export function keysetCount(list: KeysetList): Statement {
  return { sql: `SELECT COUNT(*) AS total FROM \`${list.table}\` ${list.alias} WHERE ${list.where.join(" AND ")}`, parameters: [...list.parameters] };
}

/**
 * One page of `list` as a connection: its rows read through `map`, each with
 * its cursor, and its `totalCount` counted when first read (by the statement
 * `count` makes, when the list has a cheaper one than `keysetCount`'s).
 *
 * `withTotal`: the operation reads `totalCount`, so the count rides in the
 * page's statement as a scalar subquery (one statement, one round trip less,
 * and the count and the page read the same snapshot). Every row carries it;
 * an empty page has no row to carry it and counts by its own statement when
 * read, as a page without `withTotal` does.
 */
export async function keysetConnection<T>(
  db: Queryable,
  mysql: boolean,
  list: KeysetList,
  window: PageWindow<KeysetCursor>,
  read: { map: (row: Row) => T; cursorOf: (row: T) => string; count?: () => Statement | null; withTotal?: boolean },
): Promise<Connection<T>> {
  const countStatement = () => read.count?.() ?? keysetCount(list);
  const counted = read.withTotal ? countStatement() : null;
  const page = keysetPage(list, window, mysql, counted);
  const found = await db.query<Row[]>(page.sql, page.parameters);
  const carried = counted && found[0] ? Number(found[0][TOTAL_COLUMN]) : null;
  return toConnection(found.map(read.map), window, read.cursorOf, async () => {
    if (carried !== null) return carried;
    const statement = counted ?? countStatement();
    const [row] = await db.query<{ total: number | string }[]>(statement.sql, statement.parameters);
    return Number(row?.total ?? 0);
  });
}
