/**
 * Webhooks' SQL for writes, in the caller's unit of work: endpoints made,
 * changed and deleted, and the state changes of deliveries the API asks for
 * (a disabled endpoint's pending deliveries given up, a redelivery). The
 * dispatcher's own writes (claims, outcomes) are in src/infra/webhookDispatcher.ts.
 */
import type { EntityManager } from "typeorm";
import { WebhookDeliveryEntity, WebhookEndpointEntity } from "../../entities";
import type { Database } from "../shared/unitOfWork";

export class WebhookStore {
  constructor(private readonly db: Database) {}

  /** How many endpoints the organization has, holding them (and the gap after them) until the commit on MySQL/MariaDB, so two creates count in turn. */
  async countForUpdate(manager: EntityManager, organizationId: number): Promise<number> {
    const lock = this.db.isMysql ? " FOR UPDATE" : "";
    const rows = await manager.query<unknown[]>(`SELECT \`id\` FROM \`webhook_endpoint\` WHERE \`organizationId\` = ?${lock}`, [organizationId]);
    return rows.length;
  }

  /** The endpoint, locked for the rest of the transaction on MySQL/MariaDB; null when the organization has none of that ID. */
  async lockEndpoint(manager: EntityManager, organizationId: number, id: number): Promise<WebhookEndpointEntity | null> {
    const mode = this.db.forUpdate();
    return manager.getRepository(WebhookEndpointEntity).findOne({ where: { id, organizationId }, ...(mode ? { lock: { mode } } : {}) });
  }

  async insertEndpoint(manager: EntityManager, values: Omit<WebhookEndpointEntity, "id">): Promise<WebhookEndpointEntity> {
    const repo = manager.getRepository(WebhookEndpointEntity);
    return repo.save(repo.create(values));
  }

  async updateEndpoint(manager: EntityManager, id: number, values: Partial<Omit<WebhookEndpointEntity, "id" | "organizationId">>): Promise<void> {
    if (Object.keys(values).length) await manager.getRepository(WebhookEndpointEntity).update({ id }, values);
  }

  /** Gives up an endpoint's pending deliveries (it was disabled): FAILED, and no claim on them stands (a dispatcher holding one writes nothing back). */
  async failPending(manager: EntityManager, endpointId: number): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ status: "FAILED", nextAttemptAt: null, lockedBy: null, lockedUntil: null })
      .where("endpointId = :endpointId AND status = 'PENDING'", { endpointId })
      .execute();
  }

  /** Deletes an endpoint and its deliveries. */
  async deleteEndpoint(manager: EntityManager, id: number): Promise<void> {
    await manager.getRepository(WebhookDeliveryEntity).delete({ endpointId: id });
    await manager.getRepository(WebhookEndpointEntity).delete({ id });
  }

  /** The delivery, locked for the rest of the transaction on MySQL/MariaDB. */
  async lockDelivery(manager: EntityManager, organizationId: number, id: number): Promise<WebhookDeliveryEntity | null> {
    const mode = this.db.forUpdate();
    return manager.getRepository(WebhookDeliveryEntity).findOne({ where: { id, organizationId }, ...(mode ? { lock: { mode } } : {}) });
  }

  /**
   * Makes a delivery due now: PENDING again if it was DELIVERED or FAILED
   * (unclaimed), or sooner if it was waiting. Its attempts so far count: a
   * FAILED delivery gets one more attempt.
   */
  async redeliver(manager: EntityManager, delivery: WebhookDeliveryEntity, now: Date): Promise<void> {
    const values: Partial<WebhookDeliveryEntity> =
      delivery.status === "PENDING" ? { nextAttemptAt: now } : { status: "PENDING", nextAttemptAt: now, lockedBy: null, lockedUntil: null };
    await manager.getRepository(WebhookDeliveryEntity).update({ id: delivery.id }, values);
  }

  /**
   * Deletes up to `batchSize` deliveries whose entry the activity log no
   * longer keeps (pruned past EVENT_RETENTION_DAYS): a delivery never names an
   * entry that is gone. Answers how many it deleted.
   */
  async pruneOrphans(batchSize: number): Promise<number> {
    const ids = (
      await this.db.dataSource.query<{ id: number | string }[]>(
        "SELECT d.`id` FROM `webhook_delivery` d WHERE NOT EXISTS (SELECT 1 FROM `license_request_event` e WHERE e.`id` = d.`eventId`) ORDER BY d.`id` LIMIT ?",
        [batchSize],
      )
    ).map((row) => Number(row.id));
    if (!ids.length) return 0;
    await this.db.transaction(({ manager }) => manager.getRepository(WebhookDeliveryEntity).delete(ids));
    return ids.length;
  }
}
