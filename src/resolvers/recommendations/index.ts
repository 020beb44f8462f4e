/**
 * Second opinions: shareLicenseRequest, recordRecommendation (the one
 * operation an anonymous caller may run, authenticated by its link's secret),
 * the share and recommendation types, and `LicenseRequest.recommendations`.
 */
import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { LicenseRequestEntity, LicenseRequestRecommendationEntity, LicenseRequestShareEntity } from "../../entities";
import { forbidden } from "../../services/shared/errors";
import { toGlobalId } from "../../services/shared/ids";
import {
  LicenseRequestRecommendation,
  LicenseRequestShare,
  RecordRecommendationInput,
  RecordRecommendationPayload,
  ShareLicenseRequestInput,
  ShareLicenseRequestPayload,
} from "../../schema/recommendations/types";
import { LicenseRequest } from "../../schema/licenseRequests/types";
import { User } from "../../schema/users/types";
import { signedIn } from "../shared/helpers";
import { fromArgument, idOf } from "../shared/input";

@Resolver()
class RecommendationMutationResolver {
  @Mutation(() => ShareLicenseRequestPayload, {
    description:
      "Shares a pending request with 1 to 10 people of the organization (any role) for a second opinion: each gets one email with a link to /recommend that works once, for 7 days or until the request is decided. Global admins only (FORBIDDEN otherwise). Nothing is decided.",
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

  @FieldResolver(() => LicenseRequestRecommendation, { nullable: true })
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

  @FieldResolver(() => User)
  by(@Root() recommendation: LicenseRequestRecommendationEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    // Answered through a link by someone signed in elsewhere: the person is not theirs to see.
    if (viewer.organizationId !== recommendation.organizationId) throw forbidden("You may not see who gave this recommendation.");
    return loaders.users.userOf(recommendation.byId);
  }
}

@Resolver(() => LicenseRequest)
class LicenseRequestRecommendationsResolver {
  @FieldResolver(() => [LicenseRequestRecommendation], {
    nullable: true,
    description: "Second opinions gathered by shareLicenseRequest, oldest first; null unless\nthe viewer is a global admin.",
  })
  recommendations(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.recommendations.queries.ofRequest(viewer, loaders, request.id);
  }
}

export const recommendationResolvers = [
  RecommendationMutationResolver,
  LicenseRequestShareResolver,
  LicenseRequestRecommendationResolver,
  LicenseRequestRecommendationsResolver,
] as const;
