/**
 * cancelLicenseRequest (api.md "Rules"): only the requester cancels (others
 * who may see the request get FORBIDDEN); recipients' decisions stay PENDING
 * (nobody decided); no email.
 */
import type { LicenseRequestEntity } from "../../entities";
import { failed, Outcome } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput, MutationResult } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import { LicenseRequestDeps, lockCancellable, storeOutcome } from "./deps";
import { requestErrors } from "./messages";

export interface CancelInput extends MutationInput {
  requestId: LocalId;
}

export async function cancelRequest(
  deps: LicenseRequestDeps,
  viewer: Viewer,
  input: CancelInput,
  now: Date,
): Promise<Outcome<MutationResult<LicenseRequestEntity>>> {
  const { requestId } = input;
  if (requestId === null) return failed(requestErrors.noSuchRequest());
  const organizationId = viewer.organizationId;
  const { store } = deps;
  return deps.mutations.run(
    viewer,
    "cancelLicenseRequest",
    input,
    async (unit) => {
      const request = await lockCancellable(deps, unit, viewer, requestId, now);
      await store.release(unit.manager, requestId);
      Object.assign(request, { status: "CANCELLED", decidedAt: now, decidedById: viewer.userId });
      await storeOutcome(deps, unit, request);
      await deps.history.record(unit.manager, { organizationId, requestId, action: "CANCELLED", actorId: viewer.userId, at: now });
      await deps.activity.append(unit, {
        organizationId,
        requestId,
        productId: request.productId,
        kind: "CANCELLED",
        status: "CANCELLED",
        actorId: viewer.userId,
        at: now,
      });
      return request;
    },
    { encode: (r) => ({ requestId: r.id }), decode: (stored: { requestId: number }) => store.requestById(stored.requestId) },
  );
}
