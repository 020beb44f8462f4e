/**
 * Second opinions: shareLicenseRequest, recordRecommendation (the one
 * operation an anonymous caller may run, authenticated by its link's secret),
 * revokeLicenseRequestShare, the share and recommendation types, and
 * `LicenseRequest.recommendations` and `LicenseRequest.shares`.
 */
import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { LicenseRequestEntity, LicenseRequestRecommendationEntity, LicenseRequestShareEntity } from "../../entities";
import { can } from "../../services/access/policy";
import { forbidden } from "../../services/shared/errors";
import { toGlobalId } from "../../services/shared/ids";
import {
  LicenseRequestRecommendation,
  LicenseRequestShare,
  RecordRecommendationInput,
  RecordRecommendationPayload,
  RevokeLicenseRequestShareInput,
  RevokeLicenseRequestSharePayload,
  ShareLicenseRequestInput,
  ShareLicenseRequestPayload,
} from "../../schema/recommendations/types";
import { LicenseRequest } from "../../schema/licenseRequests/types";
import { User } from "../../schema/users/types";
import { payload, signedIn } from "../shared/helpers";
import { ViewerField } from "../shared/viewerField";
import { fromArgument, idOf } from "../shared/input";

@Resolver()
class RecommendationMutationResolver {
  @Mutation(() => ShareLicenseRequestPayload, {
    description:
      "Shares a pending request with 1 to 10 people of the organization (any role) for a second opinion: each gets one email with a link to /recommend that works once, for 7 days or until the request is decided. Those who decide its product only (FORBIDDEN for anyone who decides nothing). Nothing is decided.",
  })
  async shareLicenseRequest(@Arg("input", () => ShareLicenseRequestInput) input: ShareLicenseRequestInput, @Ctx() ctx: Context) {
    const share = {
      requestId: idOf(input.requestId, "LicenseRequest"),
      userIds: input.userIds.map((id) => idOf(id, "User")),
      subject: input.subject,
      message: input.message,
      idempotencyKey: input.idempotencyKey,
    };
    const outcome = await ctx.services.recommendations.share(signedIn(ctx).viewer, share, ctx.now);
    const clientMutationId = input.clientMutationId ?? null;
    return outcome.ok
      ? { shares: outcome.value.value.shares, licenseRequest: outcome.value.value.request, userErrors: [], clientMutationId }
      : { shares: [], licenseRequest: null, userErrors: fromArgument(outcome.userErrors), clientMutationId };
  }

  @Mutation(() => RecordRecommendationPayload, {
    description:
      "Records the answer given through a shared link: the link's secret authenticates it, no bearer token is needed (the only operation that runs without one). It never decides the request; admins see it in LicenseRequest.recommendations and through licenseRequestUpdated.",
  })
  async recordRecommendation(@Arg("input", () => RecordRecommendationInput) input: RecordRecommendationInput, @Ctx() ctx: Context) {
    const outcome = await ctx.services.recommendations.record(input, ctx.now);
    const clientMutationId = input.clientMutationId ?? null;
    return outcome.ok
      ? { recommendation: outcome.value, userErrors: [], clientMutationId }
      : { recommendation: null, userErrors: fromArgument(outcome.userErrors), clientMutationId };
  }

  @Mutation(() => RevokeLicenseRequestSharePayload, {
    description:
      "Withdraws a shared link before it is answered (an addition to the contract): afterwards it records nothing and says an admin withdrew it (CONFLICT from recordRecommendation, HTTP 410 on /recommend). A link already used, expired or withdrawn, or whose request is no longer pending, is a CONFLICT saying which. Those who decide its product only (FORBIDDEN for anyone who decides nothing); publishes licenseRequestUpdated.",
  })
  async revokeLicenseRequestShare(@Arg("input", () => RevokeLicenseRequestShareInput) input: RevokeLicenseRequestShareInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    const revocation = { shareId: idOf(input.shareId, "LicenseRequestShare"), idempotencyKey: input.idempotencyKey };
    return payload(
      input,
      () => ctx.services.recommendations.revoke(viewer, revocation, ctx.now),
      (share) => ({ share }),
      { share: null },
    );
  }
}

@Resolver(() => LicenseRequestShare)
class LicenseRequestShareResolver {
  @FieldResolver(() => ID)
  id(@Root() share: LicenseRequestShareEntity) {
    return toGlobalId("LicenseRequestShare", share.id);
  }

  @FieldResolver(() => LicenseRequest)
  licenseRequest(@Root() share: LicenseRequestShareEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.requests.request.load(share.requestId);
  }

  @FieldResolver(() => User)
  sharedWith(@Root() share: LicenseRequestShareEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.users.userOf(share.sharedWithId);
  }

  @FieldResolver(() => User)
  sharedBy(@Root() share: LicenseRequestShareEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.users.userOf(share.sharedById);
  }

  @ViewerField(() => LicenseRequestRecommendation, { nullable: true, asks: ["recommendations.read"] })
  recommendation(@Root() share: LicenseRequestShareEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.recommendations.queries.ofShare(viewer, loaders, share);
  }
}

@Resolver(() => LicenseRequestRecommendation)
class LicenseRequestRecommendationResolver {
  @FieldResolver(() => ID)
  id(@Root() recommendation: LicenseRequestRecommendationEntity) {
    return toGlobalId("LicenseRequestRecommendation", recommendation.id);
  }

  @ViewerField(() => User, { asks: ["organization.read"] })
  by(@Root() recommendation: LicenseRequestRecommendationEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    // Answered through a link by someone signed in elsewhere: the person is not theirs to see.
    if (!can(viewer, "organization.read", recommendation)) throw forbidden("You may not see who gave this recommendation.");
    return loaders.users.userOf(recommendation.byId);
  }
}

@Resolver(() => LicenseRequest)
class LicenseRequestRecommendationsResolver {
  @ViewerField(() => [LicenseRequestRecommendation], {
    nullable: true,
    description: "Second opinions gathered by shareLicenseRequest, oldest first; null unless\nthe viewer decides the request's product.",
    asks: ["recommendations.read"],
  })
  recommendations(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.recommendations.queries.ofRequest(viewer, loaders, request);
  }

  @ViewerField(() => [LicenseRequestShare], {
    nullable: true,
    description:
      "Whom the request was shared with by shareLicenseRequest, oldest first, answered, expired and withdrawn links included (an addition to the contract); null unless the viewer decides the request's product.",
    asks: ["recommendations.read"],
  })
  shares(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.recommendations.queries.sharesOfRequest(viewer, loaders, request);
  }
}

export const recommendationResolvers = [
  RecommendationMutationResolver,
  LicenseRequestShareResolver,
  LicenseRequestRecommendationResolver,
  LicenseRequestRecommendationsResolver,
] as const;
