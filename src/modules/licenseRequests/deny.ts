/** denyLicenseRequest (api.md "Rules"): every recipient DENIED, with the admin's optional message, one email each. */
import type { LicenseRequestEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import { writeDecisionEmails } from "../notifications/outbox";
import { failed, Outcome } from "../shared/errors";
import { Topic } from "../shared/events";
import { localIdOf } from "../shared/ids";
import type { MutationInput, MutationResult } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import { LicenseRequestDeps, lockChangeable, storeOutcome } from "./deps";
import { requestErrors } from "./messages";
import { decisionInputErrors, decisionMessage } from "./rules";

export interface DenyInput extends MutationInput {
  requestId: string;
  message?: string | null;
}

export async function denyRequest(
  deps: LicenseRequestDeps,
  viewer: Viewer,
  input: DenyInput,
  now: Date,
): Promise<Outcome<MutationResult<LicenseRequestEntity>>> {
  assertCan(viewer, "request.decide", organizationOf(viewer));
  const requestId = localIdOf(input.requestId, "LicenseRequest");
  if (requestId === null) return failed(requestErrors.noSuchRequest());
  const inputErrors = decisionInputErrors(input);
  if (inputErrors.length) return failed(...inputErrors);
  const organizationId = viewer.organizationId;
  const { store } = deps;
  return deps.mutations.run(
    viewer,
    "denyLicenseRequest",
    input,
    async (unit) => {
      const { manager } = unit;
      const request = await lockChangeable(deps, unit, viewer, requestId, now);
      const recipientIds = (await store.recipients(manager, requestId)).map((r) => r.userId);
      await store.denyAll(manager, requestId);
      const message = decisionMessage(input.message);
      Object.assign(request, { status: "DENIED", decidedAt: now, decidedById: viewer.userId, decisionMessage: message });
      await storeOutcome(deps, unit, request);
      await deps.history.record(manager, {
        organizationId,
        requestId,
        action: "DENIED",
        actorId: viewer.userId,
        at: now,
        deniedUserIds: recipientIds,
        message,
      });
      const users = await store.users(manager, organizationId, recipientIds);
      const product = await store.product(manager, organizationId, request.productId);
      await writeDecisionEmails(manager, {
        organizationId,
        requestId,
        organizationName: (await store.organization(manager, organizationId)).name,
        requestedProductName: product!.name,
        adminName: viewer.user.displayName,
        message,
        recipients: recipientIds.map((id) => ({ user: users.get(id)!, decision: "DENIED" as const })),
        at: now,
      });
      unit.publish(Topic.LicenseRequestUpdated, organizationId, { organizationId, requestId, status: "DENIED" });
      unit.afterCommit(deps.onOutboxWritten);
      return request;
    },
    { encode: (r) => ({ requestId: r.id }), decode: (stored: { requestId: number }) => store.requestById(stored.requestId) },
  );
}
