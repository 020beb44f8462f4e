/**
 * Delivers the outbox. Each due row is claimed with a conditional update
 * (lockedBy/lockedUntil) before it is sent, and marked sent once; so several
 * server processes can dispatch the same outbox and none sends a row another
 * claimed. Every write goes through `Database.transaction`, so on embedded
 * SQLite it never interleaves with (and is never rolled back by) a decision's
 * transaction on the shared connection. While the SMTP server is down, rows are retried with exponential
 * backoff (capped), and nothing is lost. A row's secret (a link's token) is put
 * into its bodies only here, at send time, and cleared in the update that marks
 * the row sent (services/shared/outbox.ts).
 */
import { randomUUID } from "node:crypto";
import { OutboxEmailEntity } from "../entities";
import { describeError } from "../logger";
import type { Clock } from "../services/shared/clock";
import { withSecrets } from "../services/shared/outbox";
import type { Database } from "../services/shared/unitOfWork";
import type { MailTransport } from "./mailTransport";
import { Rounds } from "./rounds";

export interface OutboxDispatcherOptions {
  from: string;
  pollIntervalMs: number;
  /** How long a claim lasts before another dispatcher may take the row over. */
  claimMs?: number;
  batchSize?: number;
  maxBackoffMs?: number;
  onDelivered?: (count: number) => void;
  onFailure?: (error: unknown) => void;
}

/** The transport's error in one line, as the log describes errors (nodemailer's carry a code and a message; never the email). */
function describeFailure(error: unknown): string {
  const { type, code, message } = describeError(error);
  if (typeof message !== "string") return "delivery failed";
  return [type, code === undefined ? "" : `(${typeof code === "string" || typeof code === "number" ? code : "?"})`, message]
    .filter(Boolean)
    .join(" ")
    .replace(/\s+/g, " ");
}

export class OutboxDispatcher {
  readonly id = randomUUID();
  private readonly rounds: Rounds;
  /** `stop()` was called: a round in flight ends after the row it is sending. */
  private stopRequested = false;

  constructor(
    private readonly db: Database,
    private readonly transport: MailTransport,
    private readonly clock: Clock,
    private readonly options: OutboxDispatcherOptions,
  ) {
    this.rounds = new Rounds(
      async () => {
        await this.deliverDue();
        return false;
      },
      options.pollIntervalMs,
      (error) => options.onFailure?.(error),
    );
  }

  start(): void {
    this.stopRequested = false;
    this.rounds.start();
  }

  /** Asks for a delivery round soon (after a decision wrote emails). */
  nudge(): void {
    this.rounds.nudge();
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.rounds.stop();
    this.transport.close?.();
  }

  /** One round: claims and sends every due row; returns how many were sent. */
  async deliverDue(): Promise<number> {
    const now = this.clock.now().getTime();
    const due = await this.db.dataSource
      .getRepository(OutboxEmailEntity)
      .createQueryBuilder("o")
      .where("o.sentAt IS NULL AND o.nextAttemptAt <= :now AND (o.lockedUntil IS NULL OR o.lockedUntil < :now)", { now })
      .orderBy("o.id", "ASC")
      .limit(this.options.batchSize ?? 50)
      .getMany();
    let sent = 0;
    for (const row of due) {
      if (this.stopRequested) break;
      if (!(await this.claim(row.id))) continue;
      const fill = (body: string) => (row.secret === null ? body : withSecrets(body, row.secret));
      try {
        await this.transport.send({ from: this.options.from, to: row.toAddress, subject: row.subject, text: fill(row.textBody), html: fill(row.htmlBody) });
      } catch (error) {
        await this.release(row, error);
        this.options.onFailure?.(error);
        continue;
      }
      await this.updateClaimed(row.id, {
        sentAt: this.clock.now(),
        lockedBy: null,
        lockedUntil: null,
        attempts: row.attempts + 1,
        lastError: null,
        // Delivered: the secrets leave the database with this update.
        secret: null,
      });
      sent++;
    }
    if (sent) this.options.onDelivered?.(sent);
    return sent;
  }

  /** How many emails wait to be delivered. */
  backlog(): Promise<number> {
    return this.db.dataSource.getRepository(OutboxEmailEntity).createQueryBuilder("o").where("o.sentAt IS NULL").getCount();
  }

  private async claim(id: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    const result = await this.db.transaction(({ manager }) =>
      manager
        .createQueryBuilder()
        .update(OutboxEmailEntity)
        .set({ lockedBy: this.id, lockedUntil: new Date(now + (this.options.claimMs ?? 60_000)) })
        .where("id = :id AND sentAt IS NULL AND (lockedUntil IS NULL OR lockedUntil < :now)", { id, now })
        .execute(),
    );
    return (result.affected ?? 0) === 1;
  }

  private async release(row: OutboxEmailEntity, error: unknown): Promise<void> {
    const attempts = row.attempts + 1;
    const backoff = Math.min(this.options.maxBackoffMs ?? 5 * 60_000, 1000 * 2 ** Math.min(attempts - 1, 16));
    const reason = describeFailure(error);
    await this.updateClaimed(row.id, {
      attempts,
      nextAttemptAt: new Date(this.clock.now().getTime() + backoff),
      lockedBy: null,
      lockedUntil: null,
      lastError: reason.slice(0, 500),
    });
  }

  /** Updates a row only while this dispatcher still holds its claim. */
  private updateClaimed(id: number, values: Partial<OutboxEmailEntity>): Promise<unknown> {
    return this.db.transaction(({ manager }) =>
      manager.createQueryBuilder().update(OutboxEmailEntity).set(values).where("id = :id AND lockedBy = :me", { id, me: this.id }).execute(),
    );
  }
}
