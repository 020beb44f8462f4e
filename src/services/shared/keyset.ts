/**
 * Keyset pagination over (sortColumn, id): a page costs the same anywhere in the
 * table, and a walk through all pages returns each row once even while rows are added.
 */
import { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { isMysqlFamily } from "../../db/dataSource";
import { decodeCursorParts, encodeCursor, PageWindow } from "./pagination";

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

let parameterSequence = 0;

function compare<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, sortColumn: string, idColumn: string, cursor: KeysetCursor, op: "<" | ">"): void {
  const n = ++parameterSequence;
  qb.andWhere(`(${sortColumn} ${op} :ks${n} OR (${sortColumn} = :ks${n} AND ${idColumn} ${op} :ki${n}))`, {
    [`ks${n}`]: cursor.sort,
    [`ki${n}`]: cursor.id,
  });
}

/**
 * On MySQL/MariaDB, makes `qb` read through `index` (FORCE INDEX). The keyset
 * condition is a range on the index's (…, sort, id) columns, but MariaDB's
 * planner prefers a `ref` lookup on the equality prefix (the organization)
 * for ORDER BY … LIMIT, walking backwards from the newest row and discarding
 * every row before the cursor: half a million rows for a page in the middle
 * of a million (see bench/). Forcing the index makes it a range scan that
 * reads the page's rows only. TypeORM can emit only USE INDEX, which does not
 * change that choice, so the query text is amended here. SQLite plans the
 * range by itself.
 */
export function forceIndex<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, index: string | undefined): SelectQueryBuilder<T> {
  if (!index || !isMysqlFamily(qb.connection)) return qb;
  qb.useIndex(index);
  const getQuery = qb.getQuery.bind(qb);
  qb.getQuery = () => getQuery().replace(" USE INDEX (", " FORCE INDEX (");
  return qb;
}

/**
 * Applies the window to `qb`: cursor conditions, order and `LIMIT size + 1`.
 * `direction` is the display order; a backward window fetches in reverse.
 * `index`, when given, is the index that serves the window (MySQL/MariaDB; see forceIndex).
 */
export function applyKeyset<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  window: PageWindow<KeysetCursor>,
  sortColumn: string,
  idColumn: string,
  direction: SortDirection,
  index?: string,
): SelectQueryBuilder<T> {
  forceIndex(qb, index);
  const flip = (d: SortDirection): SortDirection => (d === "ASC" ? "DESC" : "ASC");
  const fetchDirection = window.direction === "forward" ? direction : flip(direction);
  const beyond = (d: SortDirection): "<" | ">" => (d === "DESC" ? "<" : ">");
  if (window.cursor) compare(qb, sortColumn, idColumn, window.cursor, beyond(fetchDirection));
  if (window.bound) compare(qb, sortColumn, idColumn, window.bound, beyond(flip(fetchDirection)));
  return qb
    .orderBy(sortColumn, fetchDirection)
    .addOrderBy(idColumn, fetchDirection)
    .limit(window.size + 1);
}
