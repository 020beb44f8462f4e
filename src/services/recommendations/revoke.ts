/**
 * revokeLicenseRequestShare: a global admin withdraws a shared link before it
 * is answered. Afterwards the link records nothing and says why (CONFLICT from
 * recordRecommendation, HTTP 410 on /recommend). Only a link that could still
 * answer is withdrawn: a used, expired or withdrawn one, or one whose request
 * is no longer pending, is a CONFLICT saying which. The request does not
 * change; its live readers hear of it through licenseRequestUpdated, as of an
 * answer.
 */
import type { LicenseRequestShareEntity } from "../../entities";
import { assertCan, can, organizationOf } from "../access/policy";
import { failed, Outcome, UserError, UserErrorsAbort } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput, MutationResult } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import type { RecommendationDeps } from "./deps";
import { revokeErrors } from "./messages";
import { revokeRefusal } from "./rules";
import { writeWithdrawalEmail } from "./emails";

export interface RevokeInput extends MutationInput {
  shareId: LocalId;
}

const abort = (...errors: UserError[]): never => {
  throw new UserErrorsAbort(errors);
};

export async function revokeShare(
  deps: RecommendationDeps,
  viewer: Viewer,
  input: RevokeInput,
  now: Date,
): Promise<Outcome<MutationResult<LicenseRequestShareEntity>>> {
  assertCan(viewer, "requests.decideAny", organizationOf(viewer));
  const { shareId } = input;
  if (shareId === null) return failed(revokeErrors.noSuchShare());
  const organizationId = viewer.organizationId;
  const { store } = deps;
  return deps.mutations.run(
    viewer,
    "revokeLicenseRequestShare",
    input,
    async (unit) => {
      const { manager } = unit;
      // Another organization's share answers as one that does not exist.
      const found = await store.share(manager, organizationId, shareId);
      if (!found) return abort(revokeErrors.noSuchShare());
      // The request's lock first (as an answer and a decision take it), then the share as it is now.
      const request = (await store.lockRequest(manager, organizationId, found.requestId))!;
      // Withdrawn only by those who decide its request's product; to anyone else it does not exist.
      if (!can(viewer, "share.revoke", request)) return abort(revokeErrors.noSuchShare());
      const share = (await store.share(manager, organizationId, shareId, { lock: true }))!;
      const refusal = revokeRefusal(share, request, now);
      if (refusal) return abort(refusal);
      if (!(await store.markRevoked(manager, share.id, now))) {
        const taken = (await store.share(manager, organizationId, shareId, { lock: true }))!;
        return abort(revokeRefusal(taken, request, now) ?? revokeErrors.alreadyRevoked(now));
      }
      // The person asked is told that their link is dead (an email, through the one layout and the outbox).
      const people = await store.users(manager, organizationId, [share.sharedWithId, request.requesterId]);
      const product = await store.product(manager, organizationId, request.productId);
      await writeWithdrawalEmail(unit, {
        organizationId,
        requestId: share.requestId,
        at: now,
        to: people.get(share.sharedWithId)!,
        recipientName: people.get(share.sharedWithId)!.displayName,
        adminName: viewer.user.displayName,
        organizationName: (await store.organization(manager, organizationId)).name,
        productName: product?.name ?? "",
        requesterName: people.get(request.requesterId)?.displayName ?? "",
      });
      await deps.activity.append(unit, {
        organizationId,
        requestId: share.requestId,
        productId: request.productId,
        kind: "SHARE_REVOKED",
        status: request.status,
        actorId: viewer.userId,
        at: now,
      });
      return { ...share, revokedAt: now };
    },
    {
      encode: (share) => ({ shareId: share.id }),
      decode: (stored: { shareId: number }) => store.shareById(stored.shareId),
    },
  );
}
