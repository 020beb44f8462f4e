/**
 * Who decides: `approvalDelegations`, the three mutations, the fields of
 * ApprovalDelegation, and what this feature adds to User (`permissions`),
 * Product (`approvers`), LicenseRequest (`decidedOnBehalfOf`,
 * `decisionChannel`) and LicenseRequestDecision (`onBehalfOf`, `channel`).
 */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { ApprovalDelegationEntity, DecisionRecordEntity, LicenseRequestEntity, ProductEntity, UserEntity } from "../../entities";
import { can } from "../../services/access/policy";
import { toGlobalId } from "../../services/shared/ids";
import { Product } from "../../schema/catalog/types";
import {
  ApprovalDelegation,
  ApprovalDelegationConnection,
  CancelApprovalDelegationInput,
  CancelApprovalDelegationPayload,
  DelegateApprovalsInput,
  DelegateApprovalsPayload,
  SetProductApproversInput,
  SetProductApproversPayload,
  ViewerPermissions,
} from "../../schema/deciders/types";
import { LicenseRequestDecision } from "../../schema/history/types";
import { DecisionChannel } from "../../schema/licenseRequests/enums";
import { LicenseRequest } from "../../schema/licenseRequests/types";
import { User } from "../../schema/users/types";
import { payload, signedIn } from "../shared/helpers";
import { idOf } from "../shared/input";
import { isMe } from "../shared/me";
import { ViewerField } from "../shared/viewerField";

@Resolver(() => ApprovalDelegation)
class ApprovalDelegationResolver {
  @FieldResolver(() => ID)
  id(@Root() delegation: ApprovalDelegationEntity) {
    return toGlobalId("ApprovalDelegation", delegation.id);
  }

  @FieldResolver(() => User)
  from(@Root() delegation: ApprovalDelegationEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.users.userOf(delegation.fromUserId);
  }

  @FieldResolver(() => User)
  to(@Root() delegation: ApprovalDelegationEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.users.userOf(delegation.toUserId);
  }
}

@Resolver(() => User)
class UserPermissionsResolver {
  @ViewerField(() => ViewerPermissions, {
    nullable: true,
    description: "Only on `me` (null elsewhere): what the viewer may do.",
    asks: ["self.read", "requests.decideAny", "process.manage", "webhooks.manage"],
  })
  async permissions(@Root() user: UserEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    if (!isMe(user) || !can(viewer, "self.read", { organizationId: user.organizationId, userId: user.id })) return null;
    const { decidesProductIds, ...flags } = ctx.services.deciders.permissions(viewer);
    const products = await loaders.catalog.productById();
    return { ...flags, decidesProducts: decidesProductIds.flatMap((id) => products.get(id) ?? []) };
  }
}

@Resolver(() => Product)
class ProductApproversResolver {
  @ViewerField(() => [User], {
    nullable: true,
    description: "People who see and decide this product's requests besides the admins;\nnull unless the viewer may manage the request process.",
    asks: ["process.manage"],
  })
  approvers(@Root() product: ProductEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.deciders.approversOf(viewer, loaders, product);
  }
}

@Resolver(() => LicenseRequest)
class LicenseRequestDecidersResolver {
  @FieldResolver(() => User, {
    nullable: true,
    description: "The person whose rights the decider used, when they decided as a delegate\n(the history's entries say so too).",
  })
  decidedOnBehalfOf(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return request.decidedOnBehalfOfId === null ? null : signedIn(ctx).loaders.users.userOf(request.decidedOnBehalfOfId);
  }

  @FieldResolver(() => DecisionChannel, { nullable: true, description: "How it was decided; null while pending, cancelled or expired." })
  decisionChannel(@Root() request: LicenseRequestEntity) {
    return request.decisionChannel;
  }
}

@Resolver(() => LicenseRequestDecision)
class DecisionDecidersResolver {
  @FieldResolver(() => User, {
    nullable: true,
    description: "Whose rights the actor used, when a delegate decided (an addition to the contract); null otherwise.",
  })
  onBehalfOf(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    return decision.onBehalfOfId === null ? null : signedIn(ctx).loaders.users.userOf(decision.onBehalfOfId);
  }

  @FieldResolver(() => DecisionChannel, { nullable: true, description: "How a decision was made (an addition to the contract); null for other entries." })
  channel(@Root() decision: DecisionRecordEntity) {
    return decision.channel;
  }
}

@Resolver()
class DecidersOperations {
  @Query(() => ApprovalDelegationConnection, {
    description:
      "Delegations from or to the viewer; those of everyone for whoever may\nmanage the request process. Current and future first, then past " +
      "(by when they end, or ended when cancelled, latest first).",
  })
  approvalDelegations(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ) {
    return ctx.services.deciders.delegations(signedIn(ctx).viewer, { first, after });
  }

  @Mutation(() => SetProductApproversPayload, {
    description: "Replaces a product's approvers (global and license admins): at most 20 people of the organization.",
  })
  setProductApprovers(@Arg("input", () => SetProductApproversInput) input: SetProductApproversInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    const set = { productId: idOf(input.productId, "Product"), userIds: input.userIds.map((id) => idOf(id, "User")), idempotencyKey: input.idempotencyKey };
    return payload(
      input,
      () => ctx.services.deciders.setApprovers(viewer, set),
      (product) => ({ product }),
      { product: null },
    );
  }

  @Mutation(() => DelegateApprovalsPayload, {
    description:
      "Lends the viewer's own right to decide (an admin role's, or a product approver's) to one person of the organization " +
      "for at most 90 days, starting now or later; one level only (FORBIDDEN for a right that was itself lent).",
  })
  delegateApprovals(@Arg("input", () => DelegateApprovalsInput) input: DelegateApprovalsInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    const delegate = { toUserId: idOf(input.toUserId, "User"), startsAt: input.startsAt, endsAt: input.endsAt, idempotencyKey: input.idempotencyKey };
    return payload(
      input,
      () => ctx.services.deciders.delegate(viewer, delegate, ctx.now),
      (delegation) => ({ delegation }),
      { delegation: null },
    );
  }

  @Mutation(() => CancelApprovalDelegationPayload, {
    description: "Ends a delegation at once: its delegator, its delegate, or whoever manages the request process.",
  })
  cancelApprovalDelegation(@Arg("input", () => CancelApprovalDelegationInput) input: CancelApprovalDelegationInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    return payload(
      input,
      () => ctx.services.deciders.cancelDelegation(viewer, { delegationId: idOf(input.delegationId, "ApprovalDelegation") }, ctx.now),
      (delegation) => ({ delegation }),
      { delegation: null },
    );
  }
}

export const deciderResolvers = [
  ApprovalDelegationResolver,
  UserPermissionsResolver,
  ProductApproversResolver,
  LicenseRequestDecidersResolver,
  DecisionDecidersResolver,
  DecidersOperations,
] as const;
