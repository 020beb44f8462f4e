/**
 * shareLicenseRequest (api.md "Second opinions"): a global admin shares a
 * pending request with 1–10 people of the organization; each gets one share
 * (a fresh secret, stored as its hash) and one email with their link, in one
 * transaction. Nothing is decided, and the request does not change.
 */
import type { LicenseRequestEntity, LicenseRequestShareEntity } from "../../entities";
import { assertCan, can, organizationOf } from "../access/policy";
import { changeRefusal } from "../licenseRequests/rules";
import { writeShareEmails } from "./emails";
import { failed, Outcome, UserError, UserErrorsAbort } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput, MutationResult } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import type { RecommendationDeps } from "./deps";
import { MAX_SHARE_PEOPLE, MAX_SHARES_PER_REQUEST, shareErrors } from "./messages";
import { optionalText, shareExpiry, shareInputErrors } from "./rules";
import { hashShareToken, newShareToken } from "./tokens";

export interface ShareInput extends MutationInput {
  requestId: LocalId;
  userIds: readonly LocalId[];
  subject?: string | null | undefined;
  message?: string | null | undefined;
}

export interface ShareResult {
  shares: LicenseRequestShareEntity[];
  request: LicenseRequestEntity;
}

const abort = (...errors: UserError[]): never => {
  throw new UserErrorsAbort(errors);
};

export async function shareRequest(deps: RecommendationDeps, viewer: Viewer, input: ShareInput, now: Date): Promise<Outcome<MutationResult<ShareResult>>> {
  assertCan(viewer, "requests.decideAny", organizationOf(viewer));
  const { requestId } = input;
  if (requestId === null) return failed(shareErrors.noSuchRequest());
  // More IDs than anyone may be asked is refused before any is looked at.
  const inputErrors = shareInputErrors(input);
  if (inputErrors.length) return failed(...inputErrors);
  const userIds: number[] = [];
  for (const [index, id] of input.userIds.entries()) {
    if (id === null) return failed(shareErrors.noSuchUser(index));
    if (!userIds.includes(id)) userIds.push(id);
  }
  if (userIds.length > MAX_SHARE_PEOPLE) return failed(shareErrors.tooMany(userIds.length));
  const subject = optionalText(input.subject);
  const message = optionalText(input.message);
  const organizationId = viewer.organizationId;
  const { store } = deps;
  return deps.mutations.run(
    viewer,
    "shareLicenseRequest",
    input,
    async (unit) => {
      const { manager } = unit;
      const request = await store.lockRequest(manager, organizationId, requestId);
      // Shared only by those who decide its product; to anyone else it is a request that does not exist.
      if (!request || !can(viewer, "request.share", request)) return abort(shareErrors.noSuchRequest());
      const refusal = changeRefusal(request, now);
      if (refusal) return abort(refusal);
      const people = await store.users(manager, organizationId, userIds);
      const missing = input.userIds.findIndex((id) => id === null || !people.has(id));
      if (missing >= 0) return abort(shareErrors.noSuchUser(missing));
      const already = await store.shareCount(manager, organizationId, requestId);
      if (already + userIds.length > MAX_SHARES_PER_REQUEST) return abort(shareErrors.tooManyInAll(already, userIds.length));

      const expiresAt = shareExpiry(now, request);
      const asked = userIds.map((id) => ({ id, token: newShareToken() }));
      const shares = await store.insertShares(
        manager,
        asked.map(({ id: sharedWithId, token }) => ({
          organizationId,
          requestId,
          sharedWithId,
          sharedById: viewer.userId,
          sharedAt: now,
          expiresAt,
          tokenHash: hashShareToken(token),
          subject,
          message,
        })),
      );
      const recipients = await store.recipients(manager, requestId);
      const named = await store.users(
        manager,
        organizationId,
        recipients.map((r) => r.userId),
      );
      const product = await store.product(manager, organizationId, request.productId);
      await writeShareEmails(unit, {
        organizationId,
        requestId,
        organizationName: (await store.organization(manager, organizationId)).name,
        adminName: viewer.user.displayName,
        productName: product!.name,
        requesterName: named.get(request.requesterId)?.displayName ?? "",
        recipientNames: recipients.map((r) => named.get(r.userId)?.displayName ?? ""),
        justification: request.justification,
        subject,
        message,
        people: asked.map(({ id, token }) => ({
          user: people.get(id)!,
          link: `${deps.publicUrl()}/recommend?token=${token}`,
          secret: token,
          expiresAt,
        })),
        at: now,
      });
      // Admins' pages show whom a request was shared with: they re-read it.
      await deps.activity.append(unit, {
        organizationId,
        requestId,
        productId: request.productId,
        kind: "SHARED",
        status: request.status,
        actorId: viewer.userId,
        at: now,
      });
      return { shares, request };
    },
    {
      encode: (r) => ({ requestId: r.request.id, shareIds: r.shares.map((s) => s.id) }),
      decode: async (stored: { requestId: number; shareIds: number[] }) => ({
        shares: await store.sharesByIds(stored.shareIds),
        request: await store.requestById(stored.requestId),
      }),
    },
  );
}
