/** Webhook endpoints, their deliveries and the entries those carry, read per operation (global admins only: the callers ask the policy). */
import DataLoader from "dataloader";
import type { LicenseRequestEventEntity } from "../../entities";
import { WebhookDeliveryEntity, WebhookEndpointEntity } from "../../entities";
import { WEBHOOK_DELIVERY_STATUSES } from "../../values";
import { entryRow } from "../activity/store";
import type { KeysetList } from "../shared/keyset";
import { batching, LoaderScope, once, scoped } from "../shared/loaders";
import { byId, flag, int, nullableInt, nullableText, nullableTime, oneOf, placeholders, rowMapper, rows, text, time } from "../shared/rows";

export const endpointRow = rowMapper(WebhookEndpointEntity, {
  id: int,
  organizationId: int,
  url: text,
  description: nullableText,
  kinds: int,
  enabled: flag,
  secretCipher: text,
  createdAt: time,
  lastSuccessAt: nullableTime,
  failingSince: nullableTime,
});

export const deliveryRow = rowMapper(WebhookDeliveryEntity, {
  id: int,
  organizationId: int,
  endpointId: int,
  eventId: int,
  status: oneOf(WEBHOOK_DELIVERY_STATUSES),
  attempts: int,
  createdAt: time,
  nextAttemptAt: nullableTime,
  lastAttemptAt: nullableTime,
  lastResponseStatus: nullableInt,
  body: nullableText,
  lockedBy: nullableText,
  lockedUntil: nullableTime,
});

/** A kept entry: a delivery whose entry the log no longer keeps is never listed (and is pruned: WebhookStore.pruneOrphans). */
const EVENT_KEPT = "EXISTS (SELECT 1 FROM `license_request_event` e WHERE e.`id` = d.`eventId`)";

/** An endpoint's deliveries, newest first, by (createdAt, id). */
export function deliveriesList(endpoint: Pick<WebhookEndpointEntity, "id" | "organizationId">): KeysetList {
  return {
    select: deliveryRow.qualified("d"),
    table: "webhook_delivery",
    alias: "d",
    index: "ix_webhook_delivery_list",
    // The entry by its primary key (an inner join: a delivery whose entry is gone is not listed); an EXISTS here
    // would be flattened by MariaDB into a semi-join sorted in a temporary table.
    joins: "JOIN `license_request_event` e ON e.`id` = d.`eventId`",
    where: ["d.`endpointId` = ?", "d.`organizationId` = ?"],
    parameters: [endpoint.id, endpoint.organizationId],
    sort: "d.`createdAt`",
    id: "d.`id`",
    direction: "DESC",
  };
}

export function webhookLoaders(scope: LoaderScope) {
  const { db, organizationId } = scope;
  return {
    /** Every endpoint of the organization (at most MAX_ENDPOINTS), oldest first. */
    endpoints: once(() =>
      rows(
        db,
        `SELECT ${endpointRow.columns} FROM \`webhook_endpoint\` WHERE \`organizationId\` = ? ORDER BY \`createdAt\`, \`id\``,
        [organizationId],
        endpointRow.map,
      ),
    ),

    endpoint: new DataLoader<number, WebhookEndpointEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT ${endpointRow.columns} FROM \`webhook_endpoint\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            scoped(scope, ids),
            endpointRow.map,
          ),
          ids,
        ),
      batching,
    ),

    /** A delivery, while its entry is kept (never one whose event would answer null). */
    delivery: new DataLoader<number, WebhookDeliveryEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT ${deliveryRow.qualified("d")} FROM \`webhook_delivery\` d WHERE d.\`organizationId\` = ? AND d.\`id\` IN (${placeholders(ids.length)}) AND ${EVENT_KEPT}`,
            scoped(scope, ids),
            deliveryRow.map,
          ),
          ids,
        ),
      batching,
    ),

    /** The entries deliveries carry, by row ID. */
    event: new DataLoader<number, LicenseRequestEventEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT ${entryRow.columns} FROM \`license_request_event\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            scoped(scope, ids),
            entryRow.map,
          ),
          ids,
        ),
      batching,
    ),
  };
}

export type WebhookLoaders = ReturnType<typeof webhookLoaders>;
