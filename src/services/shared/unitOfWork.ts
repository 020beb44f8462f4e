/**
 * The one way services write: `Database.transaction` runs a unit of work in a
 * transaction and publishes the events it raised only once that transaction
 * committed, once, whatever the retries (events of an attempt that rolled back
 * are dropped with it). It retries on deadlock or lock timeout (MySQL/MariaDB) or on a
 * busy database file (SQLite shared by two processes, where a deferred
 * transaction that read an older snapshot cannot upgrade to a write and gets
 * SQLITE_BUSY_SNAPSHOT at once, without waiting for the busy timeout), and on
 * embedded SQLite (a single connection) runs units of work one at a time.
 */
import { DataSource, EntityManager, QueryFailedError } from "typeorm";
import { isMysqlFamily } from "../../db/dataSource";
import type { EventBus, EventPayloads, TopicName } from "./events";

/** What a unit of work writes with: the transaction's manager, and events for after its commit. */
export interface UnitOfWork {
  readonly manager: EntityManager;
  /** Publishes once the transaction committed; dropped if it rolls back (or is tried again). */
  publish<T extends TopicName>(topic: T, organizationId: number, payload: EventPayloads[T]): void;
  /** Runs `effect` once the transaction committed. */
  afterCommit(effect: () => void): void;
  /** Wakes the outbox dispatcher once the transaction committed (called by the outbox writer, services/shared/outbox.ts). */
  wakeOutbox(): void;
  /** Wakes the webhook dispatcher once the transaction committed (called by services/webhooks/outbox.ts when it queued deliveries). */
  wakeWebhooks(): void;
}

/**
 * Runs a writing statement in `manager`'s transaction and answers how many
 * rows it changed, on both databases (a plain `query` answers MySQL's result
 * header but SQLite's last inserted row ID).
 */
export async function execute(manager: EntityManager, sql: string, parameters: unknown[]): Promise<number> {
  const runner = manager.queryRunner;
  if (!runner) throw new Error("execute runs inside a transaction");
  const result = await runner.query(sql, parameters, true);
  return result.affected ?? 0;
}

const RETRYABLE_MYSQL_ERRORS = new Set(["ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT"]);
/**
 * Enough for a busy moment: a reader that must become a writer of an SQLite
 * file shared by two processes is refused at once each time the other
 * process writes (SQLite's way out of a deadlock), and an organization's
 * appends to its activity log take their turns; up to about two seconds in all.
 */
const MAX_ATTEMPTS = 10;

export function isDuplicateKeyError(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; errno?: number } | undefined;
  return driverError?.code === "ER_DUP_ENTRY" || driverError?.code === "SQLITE_CONSTRAINT_UNIQUE" || driverError?.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

function isRetryable(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: string } | undefined)?.code;
  return code !== undefined && (RETRYABLE_MYSQL_ERRORS.has(code) || code.startsWith("SQLITE_BUSY"));
}

export class Database {
  private sqliteQueue: Promise<unknown> = Promise.resolve();

  /** Wakes the outbox dispatcher; set once the dispatcher exists (src/runtime.ts). */
  onOutboxWritten: () => void = () => undefined;

  /** Wakes the webhook dispatcher; set once the dispatcher exists (src/runtime.ts). */
  onWebhooksQueued: () => void = () => undefined;

  constructor(
    readonly dataSource: DataSource,
    private readonly bus?: EventBus,
  ) {}

  /** MySQL or MariaDB (row locks, a connection pool); false for embedded SQLite. */
  get isMysql(): boolean {
    return isMysqlFamily(this.dataSource);
  }

  /**
   * Runs `work` in a transaction; rolls back on any throw; retries deadlocks and
   * busy files with backoff. What the last attempt raised is published after its commit.
   */
  async transaction<T>(work: (unit: UnitOfWork) => Promise<T>): Promise<T> {
    let effects: (() => void)[] = [];
    const attempt = (manager: EntityManager) => {
      effects = [];
      const pending = effects;
      let outboxWoken = false;
      let webhooksWoken = false;
      const unit: UnitOfWork = {
        manager,
        publish: (topic, organizationId, payload) => pending.push(() => this.bus?.publish(topic, organizationId, payload)),
        afterCommit: (effect) => pending.push(effect),
        wakeOutbox: () => {
          if (outboxWoken) return;
          outboxWoken = true;
          pending.push(() => this.onOutboxWritten());
        },
        wakeWebhooks: () => {
          if (webhooksWoken) return;
          webhooksWoken = true;
          pending.push(() => this.onWebhooksQueued());
        },
      };
      return work(unit);
    };
    const result = this.isMysql
      ? await this.withRetries(() => this.dataSource.transaction("REPEATABLE READ", attempt))
      : await this.serialized(() => this.withRetries(() => this.dataSource.transaction(attempt)));
    for (const effect of effects) effect();
    return result;
  }

  private async withRetries<T>(attemptWork: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptWork();
      } catch (error) {
        if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((r) => setTimeout(r, Math.min(10 * 2 ** attempt, 250) + Math.random() * 50));
      }
    }
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.sqliteQueue.then(task, task);
    this.sqliteQueue = run.catch(() => undefined);
    return run;
  }

  /** Row lock for the rest of the transaction (a no-op on SQLite, whose writers are serialized). */
  forUpdate(): "pessimistic_write" | undefined {
    return this.isMysql ? "pessimistic_write" : undefined;
  }
}
