/**
 * recordRecommendation (api.md "Second opinions"): the person a request was
 * shared with answers through their link. The link's secret is the only
 * credential: no bearer token is needed. A link answers once, while it has not
 * expired, an admin has not withdrawn it, and its request is pending; the
 * answer is recorded on the request, published through licenseRequestUpdated,
 * and decides nothing.
 */
import type { LicenseRequestRecommendationEntity } from "../../entities";
import { failed, ok, Outcome, UserError, UserErrorsAbort } from "../shared/errors";
import { malformedTextErrors } from "../shared/text";
import type { RecommendationDeps } from "./deps";
import { recommendationErrors } from "./messages";
import { answerRefusal, optionalText, recommendationInputErrors } from "./rules";
import { hashShareToken, isShareTokenShaped } from "./tokens";

export type RecommendationVerdict = "APPROVE" | "DENY";

export interface RecordInput {
  shareToken: string;
  verdict: RecommendationVerdict;
  comment?: string | null;
}

const abort = (...errors: UserError[]): never => {
  throw new UserErrorsAbort(errors);
};

export async function recordRecommendation(deps: RecommendationDeps, input: RecordInput, now: Date): Promise<Outcome<LicenseRequestRecommendationEntity>> {
  const malformed = malformedTextErrors(input);
  if (malformed.length) return failed(...malformed);
  if (!isShareTokenShaped(input.shareToken)) return failed(recommendationErrors.unknownLink());
  const inputErrors = recommendationInputErrors(input);
  if (inputErrors.length) return failed(...inputErrors);
  const { store } = deps;
  try {
    return ok(
      await deps.db.transaction(async (unit) => {
        const { manager } = unit;
        const found = await store.shareByTokenHash(manager, hashShareToken(input.shareToken));
        if (!found) return abort(recommendationErrors.unknownLink());
        // The request's lock first (as a decision takes it), then the share as it is now.
        const request = await store.lockRequest(manager, found.organizationId, found.requestId);
        const share = (await store.shareByTokenHash(manager, found.tokenHash, { lock: true }))!;
        const refusal = answerRefusal(share, request!, now);
        if (refusal) return abort(refusal);
        if (!(await store.markUsed(manager, share.id, now))) {
          // Answered or withdrawn meanwhile: say which.
          const taken = (await store.shareByTokenHash(manager, found.tokenHash, { lock: true }))!;
          return abort(answerRefusal(taken, request!, now) ?? recommendationErrors.alreadyUsed(now));
        }
        const recommendation = await store.insertRecommendation(manager, {
          organizationId: share.organizationId,
          requestId: share.requestId,
          shareId: share.id,
          byId: share.sharedWithId,
          verdict: input.verdict,
          comment: optionalText(input.comment),
          at: now,
        });
        await deps.history.record(manager, {
          organizationId: share.organizationId,
          requestId: share.requestId,
          action: input.verdict === "APPROVE" ? "RECOMMENDED_APPROVAL" : "RECOMMENDED_DENIAL",
          actorId: share.sharedWithId,
          at: now,
          message: recommendation.comment,
        });
        await deps.activity.append(unit, {
          organizationId: share.organizationId,
          requestId: share.requestId,
          productId: request!.productId,
          kind: "RECOMMENDED",
          status: request!.status,
          actorId: share.sharedWithId,
          at: now,
        });
        return recommendation;
      }),
    );
  } catch (error) {
    if (error instanceof UserErrorsAbort) return failed(...error.userErrors);
    throw error;
  }
}
