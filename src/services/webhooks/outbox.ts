/**
 * The webhook outbox's writer (api.md "Nothing missed"): the activity log
 * calls `queueWebhookDeliveries` in the transaction that appends an entry, so
 * an entry's deliveries commit or roll back with it (never an entry without
 * its deliveries, never a delivery without its entry), and the dispatcher
 * (src/infra/webhookDispatcher.ts) is woken once that transaction committed.
 *
 * One statement chooses the endpoints and writes their deliveries: those of
 * the entry's organization, enabled, wanting its kind (`kinds` is a bit mask,
 * 0 for every kind). On MySQL/MariaDB the SELECT part of `INSERT … SELECT`
 * locks the endpoint rows and gaps it read until the entry commits, so an
 * endpoint created meanwhile commits after the entry and does not get it: an
 * endpoint gets exactly the entries committed after its creation. Internal
 * kinds (SHARED, SHARE_REVOKED) are never delivered: no statement at all.
 */
import type { StoredActivityKindValue } from "../../values";
import { execute, UnitOfWork } from "../shared/unitOfWork";
import { kindBit } from "./rules";

/** The entry as the activity log appended it (ActivityStore.append answers its row id). */
export interface QueuedEntry {
  /** license_request_event.id */
  id: number;
  organizationId: number;
  kind: StoredActivityKindValue;
  /** The entry's `at`: the deliveries are due from then. */
  at: Date;
}

const QUEUE =
  "INSERT INTO `webhook_delivery` (`organizationId`, `endpointId`, `eventId`, `status`, `attempts`, `createdAt`, `nextAttemptAt`) " +
  "SELECT w.`organizationId`, w.`id`, ?, 'PENDING', 0, ?, ? FROM `webhook_endpoint` w " +
  "WHERE w.`organizationId` = ? AND w.`enabled` = 1 AND (w.`kinds` = 0 OR (w.`kinds` & ?) <> 0)";

/** Queues `entry` for every endpoint of its organization that wants it, in `unit`'s transaction; wakes the dispatcher after the commit when it queued any. */
export async function queueWebhookDeliveries(unit: UnitOfWork, entry: QueuedEntry): Promise<void> {
  const bit = kindBit(entry.kind);
  if (bit === null) return;
  const at = entry.at.getTime();
  if ((await execute(unit.manager, QUEUE, [entry.id, at, at, entry.organizationId, bit])) > 0) unit.wakeWebhooks();
}
