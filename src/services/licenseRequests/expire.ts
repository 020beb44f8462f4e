/**
 * Expiry (api.md "Rules"): a pending request past `expiresAt` is stored as
 * EXPIRED (decidedAt = expiresAt), recorded, and published once the
 * transaction committed. The sweep does it every minute; a submission does it
 * for a stale request that would otherwise block one of its recipients.
 */
import type { LicenseRequestEntity } from "../../entities";
import type { UnitOfWork } from "../shared/unitOfWork";
import type { LicenseRequestDeps } from "./deps";
import { noticeExpiry } from "../notices/notices";

/**
 * Expires one request if it is still stored as PENDING, and writes the
 * requester's email about it (api.md "Admin notices"); false when someone else
 * got there first. `now` is when this runs (the email's time).
 */
export async function expireRequest(deps: LicenseRequestDeps, unit: UnitOfWork, request: LicenseRequestEntity, now: Date): Promise<boolean> {
  if (!(await deps.store.expire(unit.manager, request))) return false;
  await deps.history.record(unit.manager, {
    organizationId: request.organizationId,
    requestId: request.id,
    action: "EXPIRED",
    actorId: null,
    at: request.expiresAt,
  });
  await noticeExpiry(deps, unit, request, now);
  // Its entry is dated when the sweep stored it (api.md "Settled details"); the history keeps the expiry's own time.
  await deps.activity.append(unit, {
    organizationId: request.organizationId,
    requestId: request.id,
    productId: request.productId,
    kind: "EXPIRED",
    status: "EXPIRED",
    actorId: null,
    at: now,
  });
  return true;
}

/** Expires every pending request past its expiry at `now`, in batches; how many it expired. */
export async function expireDue(deps: LicenseRequestDeps, now: Date, batchSize = 200): Promise<number> {
  let total = 0;
  for (;;) {
    const due = await deps.store.dueForExpiry(now, batchSize);
    if (!due.length) return total;
    total += await deps.db.transaction(async (unit) => {
      let expired = 0;
      for (const request of due) if (await expireRequest(deps, unit, request, now)) expired += 1;
      return expired;
    });
    if (due.length < batchSize) return total;
  }
}
