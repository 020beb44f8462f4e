/**
 * Reads that skip TypeORM's query building and entity hydration: on the read
 * path (loaders, lists, the viewer) those cost more than the statements
 * themselves (bench/results/). Statements are written by hand for both
 * databases (backquoted identifiers and `?` placeholders mean the same to
 * MySQL/MariaDB and SQLite), and their rows become the entities' shape through
 * one row mapper per entity, declared in the feature that reads it:
 *
 *   export const requestRow = rowMapper(LicenseRequestEntity, { id: int, status: text, … });
 *
 * A mapper names a converter for every field of its entity (the type refuses
 * one that leaves a field out), its column list is derived from it (so a
 * SELECT never forgets a column the mapper reads), and
 * test/unit/row-mappers.test.ts checks every mapper against the entity's
 * columns as TypeORM declares them. Adding a stored field to an entity is then
 * one line here, never a silent null.
 *
 * Writes stay with TypeORM (the features' stores): they are few, and transactional.
 */
import type { DataSource, EntityManager } from "typeorm";

export type Row = Record<string, unknown>;
export type Queryable = Pick<DataSource | EntityManager, "query">;

/** Reads one column's value into the entity's type. */
export type Convert<T> = (value: unknown) => T;

export const int: Convert<number> = (value) => Number(value);
export const nullableInt: Convert<number | null> = (value) => (value === null || value === undefined ? null : Number(value));
/** Timestamps are stored as epoch milliseconds (src/entities/columns.ts). */
export const time: Convert<Date> = (value) => new Date(Number(value));
export const nullableTime: Convert<Date | null> = (value) => (value === null || value === undefined ? null : new Date(Number(value)));
/** Text columns come back as strings; anything else is refused loudly rather than stringified to "[object Object]". */
export const text: Convert<string> = (value) => {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  throw new TypeError(`a text column held a ${typeof value}`);
};
export const nullableText: Convert<string | null> = (value) => (value === null || value === undefined ? null : text(value));
export const flag: Convert<boolean> = (value) => value === true || value === 1 || value === "1";
/** A text column holding one of `values`: anything else is `fallback` where one is given, and refused loudly where none is. */
export const oneOf =
  <const V extends string>(values: readonly V[], fallback?: V): Convert<V> =>
  (value) => {
    if ((values as readonly unknown[]).includes(value)) return value as V;
    if (fallback !== undefined) return fallback;
    throw new TypeError(`a column held a value outside ${values.join(", ")}`);
  };

/** A nullable text column holding one of `values`. */
export const nullableOneOf =
  <const V extends string>(values: readonly V[]): Convert<V | null> =>
  (value) =>
    value === null || value === undefined ? null : oneOf(values)(value);

/** The public fields of an entity class (its relation properties are protected, so not among them). */
type Fields<E> = { [K in keyof E as E[K] extends (...args: never[]) => unknown ? never : K]: E[K] };

export interface RowMapper<E> {
  readonly entity: new () => E;
  /** The entity's fields, in the mapper's order. */
  readonly fields: readonly string[];
  /** `\`a\`, \`b\``: the columns to SELECT from the entity's table. */
  readonly columns: string;
  /** The columns of the table aliased `alias`: `x.\`a\`, x.\`b\``. */
  qualified: (alias: string) => string;
  /** The columns of the table aliased `alias`, each named `<prefix><column>` (for a join: read back by `joined(prefix)`). */
  prefixed: (alias: string, prefix: string) => string;
  /** One row as the entity. */
  map: (row: Row) => E;
  /** The entity a LEFT JOIN read with `prefixed(…, prefix)`; null when the join found none. */
  joined: (prefix: string) => (row: Row) => E | null;
}

const mappers: RowMapper<unknown>[] = [];

/** Every mapper declared (test/unit/row-mappers.test.ts checks them against the entities). */
export const declaredRowMappers = (): readonly RowMapper<unknown>[] => mappers;

/** The mapper of `entity`: a converter for each of its fields. */
export function rowMapper<E extends object>(entity: new () => E, converters: { [K in keyof Fields<E>]-?: Convert<Fields<E>[K]> }): RowMapper<E> {
  const entries: [string, Convert<unknown>][] = Object.entries(converters);
  const fields = entries.map(([field]) => field);
  /**
   * A reader of rows whose columns are named `<prefix><field>`, compiled once per mapper and
   * prefix into straight-line code (one property store per field, in the mapper's order): on
   * the read path, where a page maps hundreds of rows, a loop over the fields with computed keys
   * costs about three times as much per row (megamorphic stores, a column name built per lookup).
   * Only the entity's own field names, quoted by JSON.stringify, go into the code.
   */
  const readerOf = (prefix: string): ((row: Row) => E) => {
    const body = entries.map(([field], i) => `o[${JSON.stringify(field)}] = c[${i}](r[${JSON.stringify(prefix + field)}]);`).join("\n");
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled from the entity's field names only (see above)
    const compile = new Function("E", "c", `return function read(r) { const o = new E();\n${body}\nreturn o; };`) as (
      entityClass: new () => E,
      converters: readonly Convert<unknown>[],
    ) => (row: Row) => E;
    return compile(
      entity,
      entries.map(([, convert]) => convert),
    );
  };
  const read = readerOf("");
  const mapper: RowMapper<E> = {
    entity,
    fields,
    columns: fields.map((field) => `\`${field}\``).join(", "),
    qualified: (alias) => fields.map((field) => `${alias}.\`${field}\``).join(", "),
    prefixed: (alias, prefix) => fields.map((field) => `${alias}.\`${field}\` AS \`${prefix}${field}\``).join(", "),
    map: read,
    joined: (prefix) => {
      const readJoined = readerOf(prefix);
      const id = `${prefix}id`;
      return (row) => (row[id] === null || row[id] === undefined ? null : readJoined(row));
    },
  };
  mappers.push(mapper);
  return mapper;
}

/** `?, ?, ?` for `count` values (never empty: callers ask for at least one). */
export const placeholders = (count: number): string => new Array<string>(count).fill("?").join(", ");

/** Rows of one statement, through the data source (or a transaction's manager). */
export async function rows<T>(db: Queryable, sql: string, parameters: unknown[], map: (row: Row) => T): Promise<T[]> {
  const result = await db.query<Row[]>(sql, parameters);
  return result.map(map);
}

/** Rows keyed by `id`, one result per key in key order (null for a missing key): what a DataLoader's batch answers. */
export function byId<T extends { id: number }>(found: T[], keys: readonly number[]): (T | null)[] {
  const map = new Map(found.map((r) => [r.id, r]));
  return keys.map((k) => map.get(k) ?? null);
}

/** Rows grouped under each key, in key order (empty for a key with none). */
export function groupBy<T>(found: T[], keyOf: (row: T) => number, keys: readonly number[]): T[][] {
  const map = new Map<number, T[]>();
  for (const row of found) {
    const list = map.get(keyOf(row));
    if (list) list.push(row);
    else map.set(keyOf(row), [row]);
  }
  return keys.map((k) => map.get(k) ?? []);
}
