/**
 * licenseRequests pages by keyset, never by OFFSET (src/services/shared/keyset.ts): a walk
 * through every page returns each row that existed when it began exactly once,
 * in order, even while requests are added between two pages, newer ones and ones
 * at the very same requestedAt as the page boundary among them. Rows added behind
 * the walk's position never show up; rows added ahead of it do. The SQL of the
 * list operations, captured through the service's own data source, carries a
 * plain `LIMIT size + 1` and no OFFSET in any form.
 */
import { LicenseRequestEntity } from "../../src/entities";
import { toGlobalId } from "../../src/services/shared/ids";
import { insertDecidedRequests } from "../helpers/bulk";
import { usingMysql } from "../helpers/database";
import { startTestServer, TestServer } from "../helpers/server";

const ADMIN = "admin@contoso.example";
const MINUTE = 60_000;
const PAGE_SIZE = 7;

const LIST = `query($filter: LicenseRequestFilter, $first: Int, $after: String, $last: Int, $before: String) {
  licenseRequests(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { id requestedAt }
  }
}`;

interface Row {
  id: string;
  at: number;
}

interface ListPage {
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  nodes: { id: string; requestedAt: string }[];
}

/** What was added between two pages: rows the walk has passed (must not appear) and rows still ahead (must). */
interface Added {
  behind: string[];
  ahead: string[];
}

describe("keyset pagination of licenseRequests", () => {
  let server: TestServer;
  const statements: string[] = [];
  let capturing = false;
  let base: number;
  /** Times newer, and older, than every request stored so far; each use moves them further out. */
  let newer: number;
  let older: number;
  const newerThanAll = () => (newer += MINUTE);
  const olderThanAll = () => (older -= MINUTE);

  beforeAll(async () => {
    server = await startTestServer({ start: { onQuery: (sql) => capturing && statements.push(sql) } });
    base = server.clock.now().getTime();
    newer = base;
    older = base - 365 * 24 * 60 * MINUTE;
    const ds = server.service.dataSource;
    await insertDecidedRequests(ds, 40, { newest: new Date(base), stepMs: MINUTE });
    // A run of requests at one instant, shared with one of the rows above: ties that cross page boundaries.
    await insertDecidedRequests(ds, 9, { newest: new Date(base - 10 * MINUTE), stepMs: 0 });
  });

  afterAll(async () => {
    await server?.stop();
  });

  const globalIds = (rows: LicenseRequestEntity[]) => rows.map((r) => toGlobalId("LicenseRequest", r.id));

  /** The Contoso requests stored now, those matching `completedOnly` if set. */
  async function storedIds(completedOnly: boolean): Promise<string[]> {
    const organizationId = server.ids.userRow(ADMIN).organizationId;
    const rows = await server.service.dataSource.getRepository(LicenseRequestEntity).findBy({ organizationId });
    return globalIds(rows.filter((r) => !completedOnly || r.status !== "PENDING"));
  }

  /** One inserted request at `at`; its global ID. */
  async function insertAt(at: number): Promise<string> {
    const [id] = await insertDecidedRequests(server.service.dataSource, 1, { newest: new Date(at) });
    return toGlobalId("LicenseRequest", id);
  }

  /** One page as the admin, capturing the SQL it issues. */
  async function fetchPage(variables: Record<string, unknown>): Promise<{ page: ListPage; rows: Row[] }> {
    capturing = true;
    const res = await server.gql(ADMIN, LIST, variables);
    capturing = false;
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data!.licenseRequests as ListPage;
    return { page, rows: page.nodes.map((n) => ({ id: n.id, at: Date.parse(n.requestedAt) })) };
  }

  /**
   * Walks every page in `direction`, calling `between` after each page but the
   * last; the rows in display order (newest first) and what was added.
   */
  async function walk(direction: "forward" | "backward", filter: Record<string, unknown> | undefined, between: (page: Row[]) => Promise<Added>) {
    const pages: Row[][] = [];
    const added: Added = { behind: [], ahead: [] };
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const window = direction === "forward" ? { first: PAGE_SIZE, after: cursor } : { last: PAGE_SIZE, before: cursor };
      const { page, rows }: { page: ListPage; rows: Row[] } = await fetchPage({ filter, ...window });
      expect(rows.length).toBeLessThanOrEqual(PAGE_SIZE);
      pages.push(rows);
      const more = direction === "forward" ? page.pageInfo.hasNextPage : page.pageInfo.hasPreviousPage;
      if (!more) {
        const ordered = direction === "forward" ? pages.flat() : pages.reverse().flat();
        return { ordered, added, pages: pages.length };
      }
      expect(rows).toHaveLength(PAGE_SIZE);
      cursor = direction === "forward" ? page.pageInfo.endCursor : page.pageInfo.startCursor;
      const { behind, ahead } = await between(rows);
      added.behind.push(...behind);
      added.ahead.push(...ahead);
    }
    throw new Error("the walk did not end within 100 pages");
  }

  /** Every row that existed at the start once, the rows added ahead too, none added behind, and the order strict. */
  function expectWalked(ordered: Row[], initial: string[], added: Added) {
    const ids = ordered.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => initial.includes(id)).sort()).toEqual([...initial].sort());
    expect(ids.filter((id) => added.behind.includes(id))).toEqual([]);
    expect(ids.filter((id) => added.ahead.includes(id)).sort()).toEqual([...added.ahead].sort());
    expect(ids.filter((id) => !initial.includes(id) && !added.ahead.includes(id))).toEqual([]);
    // Newest first; equal times by the newer ID first.
    const local = (id: string) => Number(Buffer.from(id, "base64url").toString("utf8").split(":")[1]);
    for (let i = 1; i < ordered.length; i++) {
      const [a, b] = [ordered[i - 1], ordered[i]];
      expect(a.at > b.at || (a.at === b.at && local(a.id) > local(b.id))).toBe(true);
    }
  }

  /** The list statements captured since `from`: they select requests with an ORDER BY. */
  const listStatements = (from: number) => statements.slice(from).filter((sql) => /FROM [`"]license_request[`"]/.test(sql) && /ORDER BY/i.test(sql));

  function expectKeysetSql(from: number, pages: number) {
    const all = statements.slice(from);
    const lists = listStatements(from);
    expect(lists).toHaveLength(pages);
    for (const sql of all) {
      expect(sql).not.toMatch(/\bOFFSET\b/i);
      expect(sql).not.toMatch(/\bLIMIT\s+(\d+|\?)\s*,/i);
    }
    for (const sql of lists) expect(sql).toMatch(new RegExp(`\\bLIMIT\\s+${PAGE_SIZE + 1}\\s*$`, "i"));
    // Every page after the first starts from its cursor's values, not from a position.
    for (const sql of lists.slice(1)) expect(sql).toMatch(/[`"]requestedAt[`"]\s*[<>]/);
    // MariaDB reads the page through the (organizationId, …, requestedAt, id) index as a range (the list forces its index: services/shared/keyset.ts).
    if (usingMysql) for (const sql of lists) expect(sql).toMatch(/FORCE INDEX \(`ix_request_org_(status_)?time`\)/);
  }

  it.each([
    ["every request", undefined, false],
    ["the completed tab", { state: "COMPLETED" }, true],
  ] as const)("walks %s forward, each row once, while newer and equally timed requests are added behind", async (_what, filter, completedOnly) => {
    const initial = await storedIds(completedOnly);
    expect(initial.length).toBeGreaterThan(5 * PAGE_SIZE);
    const from = statements.length;
    const { ordered, added, pages } = await walk("forward", filter, async (page) => {
      const boundary = page[page.length - 1].at;
      const behind = [
        // Newer than anything: before the first page.
        await insertAt(newerThanAll()),
        // At the boundary's very time, with a larger ID: just before the boundary row, so behind.
        await insertAt(boundary),
      ];
      // At a time the walk has not reached yet: ahead.
      const ahead = [await insertAt(boundary - 30 * MINUTE)];
      return { behind, ahead };
    });
    expect(pages).toBeGreaterThan(5);
    expect(added.behind.length).toBe(2 * (pages - 1));
    expectWalked(ordered, initial, added);
    expectKeysetSql(from, pages);
  });

  it("walks backward with last and before, each row once, while older, equally timed and newer requests are added", async () => {
    const initial = await storedIds(false);
    const from = statements.length;
    const { ordered, added, pages } = await walk("backward", undefined, async (page) => {
      const boundary = page[0].at;
      // Older than anything: behind a walk that started from the oldest.
      const behind = [await insertAt(olderThanAll())];
      const ahead = [
        // At the boundary's very time, with a larger ID: just after the boundary row in this walk, so ahead.
        await insertAt(boundary),
        // Newer than anything: the last page.
        await insertAt(newerThanAll()),
      ];
      return { behind, ahead };
    });
    expect(pages).toBeGreaterThan(5);
    expectWalked(ordered, initial, added);
    expectKeysetSql(from, pages);
  });
});
