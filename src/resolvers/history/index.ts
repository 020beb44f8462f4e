/** The decision history: `licenseRequestDecisions`, `LicenseRequest.history`, and the fields of an entry. */
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { DecisionRecordEntity, LicenseRequestEntity, UserEntity } from "../../entities";
import { toGlobalId } from "../../services/shared/ids";
import { Product, ServicePlan } from "../../schema/catalog/types";
import { LicenseRequestDecision, LicenseRequestDecisionConnection } from "../../schema/history/types";
import { LicenseRequest } from "../../schema/licenseRequests/types";
import { User } from "../../schema/users/types";
import { plansOf } from "../catalog";
import { signedIn } from "../shared/helpers";
import { ViewerField } from "../shared/viewerField";

/** A user a loader found (it answers null for a missing key, an Error for a failed one). */
const isUser = (user: UserEntity | Error | null): user is UserEntity => user !== null && !(user instanceof Error);

@Resolver(() => LicenseRequestDecision)
class LicenseRequestDecisionResolver {
  @FieldResolver(() => ID)
  id(@Root() decision: DecisionRecordEntity) {
    return toGlobalId("LicenseRequestDecision", decision.id);
  }

  @FieldResolver(() => LicenseRequest)
  request(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.requests.request.load(decision.requestId);
  }

  @FieldResolver(() => User, { nullable: true })
  actor(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    return decision.actorId === null ? null : signedIn(ctx).loaders.users.userOf(decision.actorId);
  }

  @FieldResolver(() => Product, { nullable: true })
  product(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    return decision.productId === null ? null : signedIn(ctx).loaders.catalog.productOf(decision.productId);
  }

  @FieldResolver(() => [ServicePlan])
  async disabledServicePlans(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const [catalog, ids] = await Promise.all([loaders.catalog.catalog(), loaders.history.disabledPlanIds.load(decision.id)]);
    return plansOf(catalog, ids);
  }

  @FieldResolver(() => [User])
  async approvedUsers(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const users = await loaders.users.user.loadMany((await loaders.history.people.load(decision.id)).approved);
    return users.filter(isUser);
  }

  @FieldResolver(() => [User])
  async deniedUsers(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const users = await loaders.users.user.loadMany((await loaders.history.people.load(decision.id)).denied);
    return users.filter(isUser);
  }
}

@Resolver(() => LicenseRequest)
class LicenseRequestHistoryResolver {
  @ViewerField(() => [LicenseRequestDecision], {
    nullable: true,
    description: "Its history, oldest first (an addition to the contract): null unless the viewer decides requests of its product.",
    asks: ["history.read"],
  })
  history(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.history.ofRequest(viewer, loaders, request);
  }
}

@Resolver()
class HistoryQueries {
  @Query(() => LicenseRequestDecisionConnection, {
    description:
      "The organization's decision history, newest first: every decision, cancellation and expiry " +
      "(an addition to the contract). Whoever decides every request (the admin roles and their delegates); FORBIDDEN otherwise.",
  })
  licenseRequestDecisions(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
    @Arg("last", () => Int, { nullable: true }) last?: number | null,
    @Arg("before", () => String, { nullable: true }) before?: string | null,
  ) {
    return ctx.services.history.list(signedIn(ctx).viewer, { first, after, last, before });
  }
}

export const historyResolvers = [LicenseRequestDecisionResolver, LicenseRequestHistoryResolver, HistoryQueries] as const;
