/**
 * The activity log's SQL (api.md "Nothing missed"): appending an entry in the
 * transaction of its change, reading an organization's entries from a
 * position, and pruning what is past retention.
 *
 * Order by commit: the append takes the organization's next number from its
 * head row (`license_request_event_head`), whose row lock it holds to the
 * commit on MySQL/MariaDB, so the next append of the organization, on any
 * instance, waits for it and then counts on from the number it committed (a
 * rollback gives its number back). SQLite has one writer at a time. So an
 * organization's entries are numbered 1, 2, 3… without a gap, and a reader
 * that saw entry n has seen every entry before it: a position is just a number.
 */
import { DataSource, EntityManager } from "typeorm";
import { isMysqlFamily } from "../../db/dataSource";
import { LicenseRequestEventEntity } from "../../entities";
import { ACTIVITY_KINDS, INTERNAL_ACTIVITY_KINDS, REQUEST_STATUSES, RequestStatusValue, StoredActivityKindValue } from "../../values";
import { int, nullableInt, oneOf, rowMapper, time } from "../shared/rows";

/** What an entry says, before it has its number. */
export interface ActivityFacts {
  organizationId: number;
  requestId: number;
  productId: number;
  kind: StoredActivityKindValue;
  status: RequestStatusValue;
  actorId: number | null;
  at: Date;
}

/** An entry as stored (numbers as numbers on both databases). */
export const entryRow = rowMapper(LicenseRequestEventEntity, {
  id: int,
  organizationId: int,
  seq: int,
  requestId: int,
  productId: int,
  kind: oneOf([...ACTIVITY_KINDS, ...INTERNAL_ACTIVITY_KINDS]),
  status: oneOf(REQUEST_STATUSES),
  actorId: nullableInt,
  at: time,
});

export class ActivityStore {
  private readonly mysql: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.mysql = isMysqlFamily(dataSource);
  }

  /**
   * Appends one entry in the transaction of `manager`: two statements, the
   * organization's next number (its head row, locked from here to the commit)
   * and the entry. Answers the entry's row ID (its global ID, and what webhook
   * deliveries refer to).
   */
  async append(manager: EntityManager, facts: ActivityFacts): Promise<number> {
    const seq = await this.nextNumber(manager, facts.organizationId);
    const values = [facts.organizationId, seq, facts.requestId, facts.productId, facts.kind, facts.status, facts.actorId, facts.at.getTime()];
    if (this.mysql) {
      const inserted = await manager.query<{ insertId: number }>(
        "INSERT INTO `license_request_event` (`organizationId`, `seq`, `requestId`, `productId`, `kind`, `status`, `actorId`, `at`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        values,
      );
      return Number(inserted.insertId);
    }
    const rows = await manager.query<{ id: number }[]>(
      'INSERT INTO "license_request_event" ("organizationId", "seq", "requestId", "productId", "kind", "status", "actorId", "at") VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"',
      values,
    );
    return Number(rows[0]?.id);
  }

  /**
   * The organization's next number, counted on its head row (made by its
   * first append). On MySQL/MariaDB the upsert locks that one row by its
   * primary key until the commit, and `LAST_INSERT_ID(expr)` hands the new
   * number back as the statement's insert ID: a second append of the
   * organization waits here for the first one's commit, and no gap of an
   * index is locked (a locking read of the entries' last one would lock the
   * gap after it, which two appends then deadlock on).
   */
  private async nextNumber(manager: EntityManager, organizationId: number): Promise<number> {
    if (this.mysql) {
      const counted = await manager.query<{ insertId: number }>(
        "INSERT INTO `license_request_event_head` (`organizationId`, `seq`) VALUES (?, LAST_INSERT_ID(1)) ON DUPLICATE KEY UPDATE `seq` = LAST_INSERT_ID(`seq` + 1)",
        [organizationId],
      );
      return Number(counted.insertId);
    }
    const rows = await manager.query<{ seq: number }[]>(
      'INSERT INTO "license_request_event_head" ("organizationId", "seq") VALUES (?, 1) ON CONFLICT ("organizationId") DO UPDATE SET "seq" = "seq" + 1 RETURNING "seq"',
      [organizationId],
    );
    return Number(rows[0]?.seq);
  }

  /** The organization's entries after `seq`, oldest first, at most `limit`. */
  async entriesAfter(organizationId: number, seq: number, limit: number): Promise<LicenseRequestEventEntity[]> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      this.mysql
        ? `SELECT ${entryRow.columns} FROM license_request_event WHERE organizationId = ? AND seq > ? ORDER BY seq LIMIT ?`
        : `SELECT ${entryRow.columns} FROM "license_request_event" WHERE "organizationId" = ? AND "seq" > ? ORDER BY "seq" LIMIT ?`,
      [organizationId, seq, limit],
    );
    return rows.map(entryRow.map);
  }

  /** The number of the organization's newest entry; 0 when it has none. */
  async head(organizationId: number): Promise<number> {
    const rows = await this.dataSource.query<{ head: number | string }[]>(
      this.mysql
        ? "SELECT COALESCE(MAX(seq), 0) AS head FROM license_request_event WHERE organizationId = ?"
        : 'SELECT COALESCE(MAX("seq"), 0) AS head FROM "license_request_event" WHERE "organizationId" = ?',
      [organizationId],
    );
    return Number(rows[0]?.head ?? 0);
  }

  /** One entry by its row ID, within its organization; null when it is not (or no longer) kept. */
  async entryById(organizationId: number, id: number): Promise<LicenseRequestEventEntity | null> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      this.mysql
        ? `SELECT ${entryRow.columns} FROM license_request_event WHERE id = ? AND organizationId = ?`
        : `SELECT ${entryRow.columns} FROM "license_request_event" WHERE "id" = ? AND "organizationId" = ?`,
      [id, organizationId],
    );
    return rows[0] ? entryRow.map(rows[0]) : null;
  }

  /**
   * Deletes up to `batchSize` entries committed before `before`, oldest first,
   * never an organization's newest entry (`head` and the cursors reckon from it). The
   * rows are chosen by a plain read and deleted by primary key, so the delete
   * locks those rows alone, never an organization's newest entry, which
   * appends lock: pruning never makes a writer wait, nor waits for one. On
   * MySQL/MariaDB that takes two things: the delete says `ORDER BY id LIMIT n`
   * (without it, a delete of most of the table is planned as a full scan,
   * which reads, and waits for, every row, the newest entries that appends
   * hold too, and at REPEATABLE READ keeps them locked to its commit); and it
   * runs at READ COMMITTED, taking no gap locks. Answers how many it deleted.
   */
  async prune(before: Date, batchSize: number): Promise<number> {
    const prune = async (manager: EntityManager) => {
      const ids = (
        await manager.query<{ id: number | string }[]>(
          this.mysql
            ? "SELECT e.id FROM license_request_event e WHERE e.at < ? AND e.seq < (SELECT MAX(n.seq) FROM license_request_event n WHERE n.organizationId = e.organizationId) ORDER BY e.id LIMIT ?"
            : 'SELECT e."id" FROM "license_request_event" e WHERE e."at" < ? AND e."seq" < (SELECT MAX(n."seq") FROM "license_request_event" n WHERE n."organizationId" = e."organizationId") ORDER BY e."id" LIMIT ?',
          [before.getTime(), batchSize],
        )
      ).map((row) => Number(row.id));
      if (!ids.length) return 0;
      const placeholders = ids.map(() => "?").join(", ");
      await manager.query(
        this.mysql
          ? `DELETE FROM license_request_event WHERE id IN (${placeholders}) ORDER BY id LIMIT ${ids.length}`
          : `DELETE FROM "license_request_event" WHERE "id" IN (${placeholders})`,
        ids,
      );
      return ids.length;
    };
    return this.mysql ? this.dataSource.transaction("READ COMMITTED", prune) : prune(this.dataSource.manager);
  }
}
