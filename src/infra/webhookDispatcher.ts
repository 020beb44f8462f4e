/**
 * Delivers the webhook outbox (api.md "Nothing missed"): each due delivery is
 * claimed, POSTed signed (Standard Webhooks), and its outcome written.
 *
 * One instance at a time attempts a delivery, and none is lost: a round
 * claims due rows in a short transaction that marks them with a lease
 * (lockedBy, lockedUntil). On MySQL/MariaDB the rows are chosen with
 * `SELECT … FOR UPDATE SKIP LOCKED`, so dispatchers of several instances
 * claiming at once take different rows without waiting on each other; every
 * write of an outcome is conditional on still holding the lease, so a
 * dispatcher that outlived its lease writes nothing back. A dispatcher that
 * dies (SIGKILL) mid-attempt leaves a lease that expires (WEBHOOK_CLAIM_MS,
 * longer than an attempt); the delivery is then claimed again and sent with
 * the same body and the same webhook-id (at least once; receivers drop
 * duplicates by the id). On embedded SQLite one process writes at a time,
 * and the conditional claim alone keeps two from taking a row.
 *
 * The body is built once, at the first attempt, and stored before it is
 * sent; every attempt sends those bytes. Outcomes: any 2xx delivers; 410
 * disables the endpoint at once and gives up its pending deliveries; anything
 * else (no answer within the timeout, a refused address, a 3xx, a 4xx or 5xx)
 * is tried again after the next delay of the schedule, FAILED after the last;
 * an endpoint without a 2xx for three days while its deliveries fail is
 * disabled. The log gets the delivery's and endpoint's IDs and the status,
 * never the secret or the body.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { Webhook } from "standardwebhooks";
import type { EntityManager } from "typeorm";
import type { Clock } from "../services/shared/clock";
import { toGlobalId } from "../services/shared/ids";
import { organizationContext, SecretBox } from "../services/shared/secretBox";
import { Database, execute } from "../services/shared/unitOfWork";
import type { WebhookSender } from "./webhookHttp";
import { Rounds } from "./rounds";

export interface WebhookDispatcherOptions {
  pollIntervalMs: number;
  /** How long a claim lasts; longer than an attempt (its timeout). */
  claimMs: number;
  /** The wait after each failed attempt; FAILED after the last. */
  retryDelaysMs: readonly number[];
  /** Without a 2xx for this long while its deliveries fail, an endpoint is disabled (3 days). */
  failingDisablesAfterMs: number;
  /** Deliveries claimed (and attempted at once) per round. */
  batchSize?: number;
  /** WEBHOOK_SECRET_KEY: what endpoints' secrets were sealed with. */
  secretKey: string | undefined;
  /** The body of a delivery, read at `now` (src/resolvers/webhooks/payload.ts); null when its entry is no longer kept. */
  bodyOf: (delivery: { organizationId: number; eventId: number }, now: Date) => Promise<string | null>;
  send: WebhookSender;
  log: Pick<Logger, "info" | "warn" | "error">;
}

/** A claimed delivery with what sending it needs of its endpoint. */
interface Claimed {
  id: number;
  organizationId: number;
  endpointId: number;
  eventId: number;
  attempts: number;
  body: string | null;
  url: string;
  enabled: boolean;
  secretCipher: string;
}

type Outcome = { kind: "delivered"; status: number } | { kind: "gone" } | { kind: "failed"; status: number | null } | { kind: "abandoned" };

/** The wait after failed attempt number `attempts` (1 for the first); null after the last the schedule allows (FAILED). */
export function retryDelay(attempts: number, delaysMs: readonly number[]): number | null {
  return attempts >= 1 ? (delaysMs[attempts - 1] ?? null) : null;
}

const is2xx = (status: number | null): status is number => status !== null && status >= 200 && status < 300;

export class WebhookDispatcher {
  /** This dispatcher's name on the leases it holds. */
  readonly id = randomUUID();
  private readonly secrets: SecretBox | null;
  private readonly rounds: Rounds;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly options: WebhookDispatcherOptions,
  ) {
    this.secrets = options.secretKey ? new SecretBox(options.secretKey) : null;
    // A round that filled its batch leaves more waiting: the next one starts at once.
    this.rounds = new Rounds(
      async () => (await this.deliverDue()) >= (options.batchSize ?? 10),
      options.pollIntervalMs,
      (error) => options.log.error({ err: error }, "webhook round failed"),
    );
  }

  start(): void {
    this.rounds.start();
  }

  /** Asks for a round soon (after a commit queued deliveries, or a redelivery). */
  nudge(): void {
    this.rounds.nudge();
  }

  /** Stops taking deliveries; the attempts in flight finish and their outcomes are written. */
  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round: claims the due deliveries (up to the batch size) and attempts them all at once; answers how many it attempted. */
  async deliverDue(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  /** How many deliveries are owed. */
  async backlog(): Promise<number> {
    const [row] = await this.db.dataSource.query<{ n: number | string }[]>("SELECT COUNT(*) AS n FROM `webhook_delivery` WHERE `status` = 'PENDING'");
    return Number(row?.n ?? 0);
  }

  private async claim(): Promise<Claimed[]> {
    const now = this.clock.now().getTime();
    const limit = this.options.batchSize ?? 10;
    const ids = await this.db.transaction(async ({ manager }) => {
      const due = await manager.query<{ id: number | string }[]>(
        "SELECT `id` FROM `webhook_delivery` WHERE `status` = 'PENDING' AND `nextAttemptAt` <= ? AND (`lockedUntil` IS NULL OR `lockedUntil` < ?) " +
          `ORDER BY \`nextAttemptAt\`, \`id\` LIMIT ${limit}${this.db.isMysql ? " FOR UPDATE SKIP LOCKED" : ""}`,
        [now, now],
      );
      if (!due.length) return [];
      const found = due.map((row) => Number(row.id));
      await manager.query(
        `UPDATE \`webhook_delivery\` SET \`lockedBy\` = ?, \`lockedUntil\` = ? WHERE \`id\` IN (${found.map(() => "?").join(", ")}) ` +
          "AND `status` = 'PENDING' AND (`lockedUntil` IS NULL OR `lockedUntil` < ?)",
        [this.id, now + this.options.claimMs, ...found, now],
      );
      return found;
    });
    if (!ids.length) return [];
    const rows = await this.db.dataSource.query<Record<string, unknown>[]>(
      "SELECT d.`id`, d.`organizationId`, d.`endpointId`, d.`eventId`, d.`attempts`, d.`body`, w.`url`, w.`enabled`, w.`secretCipher` " +
        "FROM `webhook_delivery` d JOIN `webhook_endpoint` w ON w.`id` = d.`endpointId` " +
        `WHERE d.\`lockedBy\` = ? AND d.\`id\` IN (${ids.map(() => "?").join(", ")})`,
      [this.id, ...ids],
    );
    return rows.map((r) => ({
      id: Number(r["id"]),
      organizationId: Number(r["organizationId"]),
      endpointId: Number(r["endpointId"]),
      eventId: Number(r["eventId"]),
      attempts: Number(r["attempts"]),
      body: typeof r["body"] === "string" ? r["body"] : null,
      url: typeof r["url"] === "string" ? r["url"] : "",
      enabled: r["enabled"] === true || Number(r["enabled"]) === 1,
      secretCipher: typeof r["secretCipher"] === "string" ? r["secretCipher"] : "",
    }));
  }

  private async attempt(delivery: Claimed): Promise<void> {
    const about = { deliveryId: delivery.id, endpointId: delivery.endpointId };
    try {
      const outcome = await this.send(delivery);
      const attempts = delivery.attempts + (outcome.kind === "abandoned" ? 0 : 1);
      const recorded = await this.record(delivery, outcome);
      const status = "status" in outcome ? outcome.status : null;
      if (!recorded) this.options.log.warn({ ...about, status }, "webhook delivery's claim was lost; its outcome is not recorded");
      else if (outcome.kind === "delivered") this.options.log.info({ ...about, status, attempts }, "webhook delivered");
      else this.options.log.warn({ ...about, status, attempts, outcome: outcome.kind }, "webhook delivery failed");
    } catch (error) {
      // The lease expires and the delivery is tried again.
      this.options.log.error({ ...about, err: error }, "webhook attempt failed unexpectedly");
    }
  }

  /** Sends `delivery` (building and storing its body first, once); what came of it. */
  private async send(delivery: Claimed): Promise<Outcome> {
    if (!delivery.enabled) return { kind: "abandoned" };
    let body = delivery.body;
    if (body === null) {
      body = await this.options.bodyOf(delivery, this.clock.now());
      if (body === null) return { kind: "abandoned" };
      const stored = body;
      const kept = await this.db.transaction(({ manager }) => this.updateClaimed(manager, delivery.id, "`body` = ?", [stored], { keepClaim: true }));
      if (!kept) return { kind: "failed", status: null };
    }
    let secret: string;
    try {
      if (!this.secrets) throw new Error("no WEBHOOK_SECRET_KEY");
      secret = this.secrets.open(delivery.secretCipher, organizationContext(delivery.organizationId));
    } catch {
      this.options.log.error({ deliveryId: delivery.id, endpointId: delivery.endpointId }, "webhook endpoint's secret cannot be opened with this server's key");
      return { kind: "failed", status: null };
    }
    const messageId = toGlobalId("WebhookDelivery", delivery.id);
    // The wall clock, not the service's: receivers check webhook-timestamp against theirs (replay protection).
    const timestamp = new Date();
    const answer = await this.options.send({
      url: delivery.url,
      body,
      headers: {
        "content-type": "application/json",
        "user-agent": "license-requests-webhooks/1",
        "webhook-id": messageId,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": new Webhook(secret).sign(messageId, timestamp, body),
      },
    });
    if (is2xx(answer.status)) return { kind: "delivered", status: answer.status };
    if (answer.status === 410) return { kind: "gone" };
    return { kind: "failed", status: answer.status };
  }

  /** Writes an outcome while the lease holds; false when it no longer did (nothing written). */
  private record(delivery: Claimed, outcome: Outcome): Promise<boolean> {
    const now = this.clock.now().getTime();
    const attempts = delivery.attempts + 1;
    return this.db.transaction(async ({ manager }) => {
      const endpoint = delivery.endpointId;
      switch (outcome.kind) {
        case "abandoned":
          // The endpoint was disabled, or the entry is no longer kept: nothing to send.
          return this.updateClaimed(manager, delivery.id, "`status` = 'FAILED', `nextAttemptAt` = NULL", []);
        case "delivered":
          if (!(await this.updateClaimed(manager, delivery.id, DONE("DELIVERED"), [attempts, now, outcome.status]))) return false;
          await manager.query("UPDATE `webhook_endpoint` SET `lastSuccessAt` = ?, `failingSince` = NULL WHERE `id` = ?", [now, endpoint]);
          return true;
        case "gone":
          if (!(await this.updateClaimed(manager, delivery.id, DONE("FAILED"), [attempts, now, 410]))) return false;
          await this.disable(manager, endpoint);
          return true;
        case "failed": {
          const delay = retryDelay(attempts, this.options.retryDelaysMs);
          const written =
            delay === null
              ? await this.updateClaimed(manager, delivery.id, DONE("FAILED"), [attempts, now, outcome.status])
              : await this.updateClaimed(manager, delivery.id, "`attempts` = ?, `lastAttemptAt` = ?, `lastResponseStatus` = ?, `nextAttemptAt` = ?", [
                  attempts,
                  now,
                  outcome.status,
                  now + delay,
                ]);
          if (!written) return false;
          await manager.query("UPDATE `webhook_endpoint` SET `failingSince` = COALESCE(`failingSince`, ?) WHERE `id` = ?", [now, endpoint]);
          const expired = await execute(manager, "UPDATE `webhook_endpoint` SET `enabled` = 0 WHERE `id` = ? AND `enabled` = 1 AND `failingSince` <= ?", [
            endpoint,
            now - this.options.failingDisablesAfterMs,
          ]);
          if (expired > 0) {
            this.options.log.warn({ endpointId: endpoint }, "webhook endpoint disabled: no 2xx for three days");
            await this.failPending(manager, endpoint);
          }
          return true;
        }
      }
    });
  }

  /** Disables an endpoint at once (it answered 410 Gone) and gives up its pending deliveries. */
  private async disable(manager: EntityManager, endpointId: number): Promise<void> {
    await manager.query("UPDATE `webhook_endpoint` SET `enabled` = 0 WHERE `id` = ?", [endpointId]);
    this.options.log.warn({ endpointId }, "webhook endpoint disabled: it answered 410 Gone");
    await this.failPending(manager, endpointId);
  }

  private async failPending(manager: EntityManager, endpointId: number): Promise<void> {
    await manager.query(
      "UPDATE `webhook_delivery` SET `status` = 'FAILED', `nextAttemptAt` = NULL, `lockedBy` = NULL, `lockedUntil` = NULL WHERE `endpointId` = ? AND `status` = 'PENDING'",
      [endpointId],
    );
  }

  /** `SET <set>` on a delivery this dispatcher still holds (and that is still PENDING); the lease is released unless `keepClaim`. */
  private async updateClaimed(manager: EntityManager, id: number, set: string, values: unknown[], options: { keepClaim?: boolean } = {}): Promise<boolean> {
    const release = options.keepClaim ? "" : ", `lockedBy` = NULL, `lockedUntil` = NULL";
    const sql = `UPDATE \`webhook_delivery\` SET ${set}${release} WHERE \`id\` = ? AND \`lockedBy\` = ? AND \`status\` = 'PENDING'`;
    return (await execute(manager, sql, [...values, id, this.id])) > 0;
  }
}

/** The SET of a final outcome: attempts, when, the status got, nothing more to try. */
const DONE = (status: "DELIVERED" | "FAILED") =>
  `\`status\` = '${status}', \`attempts\` = ?, \`lastAttemptAt\` = ?, \`lastResponseStatus\` = ?, \`nextAttemptAt\` = NULL`;
