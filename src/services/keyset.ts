/**
 * Keyset pagination over (sortColumn, id): a page costs the same anywhere in the
 * table, and a walk through all pages returns each row once even while rows are added.
 */
import { ObjectLiteral, SelectQueryBuilder } from "typeorm";
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

function compare<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  sortColumn: string,
  idColumn: string,
  cursor: KeysetCursor,
  op: "<" | ">",
): void {
  const n = ++parameterSequence;
  qb.andWhere(`(${sortColumn} ${op} :ks${n} OR (${sortColumn} = :ks${n} AND ${idColumn} ${op} :ki${n}))`, {
    [`ks${n}`]: cursor.sort,
    [`ki${n}`]: cursor.id,
  });
}

/**
 * Applies the window to `qb`: cursor conditions, order and `LIMIT size + 1`.
 * `direction` is the display order; a backward window fetches in reverse.
 */
export function applyKeyset<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  window: PageWindow<KeysetCursor>,
  sortColumn: string,
  idColumn: string,
  direction: SortDirection,
): SelectQueryBuilder<T> {
  const flip = (d: SortDirection): SortDirection => (d === "ASC" ? "DESC" : "ASC");
  const fetchDirection = window.direction === "forward" ? direction : flip(direction);
  const beyond = (d: SortDirection): "<" | ">" => (d === "DESC" ? "<" : ">");
  if (window.cursor) compare(qb, sortColumn, idColumn, window.cursor, beyond(fetchDirection));
  if (window.bound) compare(qb, sortColumn, idColumn, window.bound, beyond(flip(fetchDirection)));
  return qb.orderBy(sortColumn, fetchDirection).addOrderBy(idColumn, fetchDirection).limit(window.size + 1);
}
