/**
 * Relay connection arguments, checked once: `first`/`last` take 1..100 (default
 * 20 forward), not both; cursors are opaque. Violations are BAD_USER_INPUT.
 */
import { badUserInput } from "./errors";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ConnectionArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

export interface PageWindow<C> {
  /** "forward": from the start (or after `cursor`); "backward": the last `size` (before `cursor`). */
  direction: "forward" | "backward";
  size: number;
  cursor: C | null;
  /** A cursor was given on the other side of the window too (both after and before). */
  bound: C | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  /** Built when first read: a client that selects `nodes` only costs no cursor but the page's ends. */
  readonly edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
  /** Counted when first read (a client that does not select it costs no count), once. */
  readonly totalCount: Promise<number>;
}

/**
 * The bound of every page: `first`/`last` take 1..100, else BAD_USER_INPUT.
 * The pipeline's price asks it before anything runs (src/server/graphql/cost.ts),
 * and `pageWindow` for callers that come another way.
 */
export function checkPageSize(value: unknown, name: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badUserInput(`\`${name}\` must be between 1 and ${MAX_PAGE_SIZE}.`, name);
  }
  return value;
}

/** Parses connection arguments; `decodeCursor` returns null for a malformed cursor. */
export function pageWindow<C>(args: ConnectionArgs, decodeCursor: (cursor: string) => C | null): PageWindow<C> {
  const first = checkPageSize(args.first, "first");
  const last = checkPageSize(args.last, "last");
  if (first !== null && last !== null) throw badUserInput("Pass `first` or `last`, not both.", "last");
  const decode = (value: string | null | undefined, name: string): C | null => {
    if (value === null || value === undefined) return null;
    const cursor = typeof value === "string" && value.length <= 200 ? decodeCursor(value) : null;
    if (cursor === null) throw badUserInput(`\`${name}\` is not a cursor of this connection.`, name);
    return cursor;
  };
  const after = decode(args.after, "after");
  const before = decode(args.before, "before");
  if (last !== null) return { direction: "backward", size: last, cursor: before, bound: after };
  return { direction: "forward", size: first ?? DEFAULT_PAGE_SIZE, cursor: after, bound: before };
}

/**
 * Builds a connection from rows fetched with `window.size + 1` in the window's
 * direction (the extra row tells whether there is more).
 */
export function toConnection<T>(rows: T[], window: PageWindow<unknown>, cursorOf: (row: T) => string, totalCount: () => Promise<number>): Connection<T> {
  const more = rows.length > window.size;
  let page = more ? rows.slice(0, window.size) : rows;
  if (window.direction === "backward") page = page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  return new PageConnection(page, cursorOf, totalCount, {
    hasNextPage: window.direction === "forward" ? more : window.cursor !== null,
    hasPreviousPage: window.direction === "backward" ? more : window.cursor !== null,
    startCursor: first === undefined ? null : cursorOf(first),
    endCursor: last === undefined ? null : cursorOf(last),
  });
}

/**
 * A page, its lazy parts as getters of the class (not of an object literal:
 * V8 gives an object literal with getters a hidden class of its own, in the
 * old generation, whose getter closures keep the page alive through every
 * young collection until the next full one; see eslint.config.mjs).
 */
class PageConnection<T> implements Connection<T> {
  #edges: { cursor: string; node: T }[] | null = null;
  #counted: Promise<number> | null = null;

  constructor(
    readonly nodes: T[],
    private readonly cursorOf: (row: T) => string,
    private readonly count: () => Promise<number>,
    readonly pageInfo: PageInfo,
  ) {}

  get edges(): { cursor: string; node: T }[] {
    this.#edges ??= this.nodes.map((node) => ({ cursor: this.cursorOf(node), node }));
    return this.#edges;
  }

  get totalCount(): Promise<number> {
    this.#counted ??= this.count();
    return this.#counted;
  }
}

/** Cursor helpers: base64url of a small JSON array. */
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts), "utf8").toString("base64url");
}

export function decodeCursorParts(cursor: string): unknown[] | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}
