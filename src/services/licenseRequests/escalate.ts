/**
 * Escalation (api.md "Policies"): a request whose manager did not answer by
 * `endorsementEscalatesAt` goes to the approvers without the endorsement.
 * The sweep stores ESCALATED, appends the activity entry ESCALATED (no actor,
 * the request stays PENDING), tries automatic approval and, when it still
 * waits for people, writes the approvers' notice noting "not endorsed"
 * (arrival.ts afterEndorsement), all in one transaction per request.
 *
 * Exactly once across instances and restarts: each request is escalated
 * under its row lock (taken first, as by every decision) by a conditional
 * update that changes only an endorsement still AWAITING on a request still
 * PENDING; a second sweeper finds it changed and writes nothing, and the
 * notice's own row (noticeSubmission) is written once per request anyway.
 */
import type { LicenseRequestEntity } from "../../entities";
import { afterEndorsement } from "./arrival";
import type { LicenseRequestDeps } from "./deps";
import { escalationDue } from "./rules";

/** Escalates every endorsement due at `now`, in batches; how many it escalated. */
export async function escalateDue(deps: LicenseRequestDeps, now: Date, batchSize = 200): Promise<number> {
  let total = 0;
  for (;;) {
    const due = await deps.store.dueForEscalation(now, batchSize);
    for (const candidate of due) if (await escalate(deps, candidate, now)) total += 1;
    // A request escalated (or decided) meanwhile drops out of the next query, so this ends.
    if (due.length < batchSize) return total;
  }
}

async function escalate(deps: LicenseRequestDeps, candidate: LicenseRequestEntity, now: Date): Promise<boolean> {
  return deps.db.transaction(async (unit) => {
    const { manager } = unit;
    const request = await deps.store.lockRequest(manager, candidate.organizationId, candidate.id);
    if (!request || !escalationDue(request, now)) return false;
    if (!(await deps.store.endEndorsement(manager, request, "ESCALATED", now))) return false;
    // Automatic approval may take from the product's pool: its row before the log's head, as every such writer takes them.
    await deps.store.lockProduct(manager, request.organizationId, request.productId);
    await deps.activity.append(unit, {
      organizationId: request.organizationId,
      requestId: request.id,
      productId: request.productId,
      kind: "ESCALATED",
      status: "PENDING",
      actorId: null,
      at: now,
    });
    await afterEndorsement(deps, unit, request, now);
    return true;
  });
}
