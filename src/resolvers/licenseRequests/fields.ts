/**
 * The fields of LicenseRequest and LicenseRequestRecipient, and
 * `LicenseAssignment.request`: global IDs, relations through the operation's
 * loaders, and what the viewer may see of each (api.md's table).
 */
import { Ctx, FieldResolver, ID, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { LicenseAssignmentEntity, LicenseRequestEntity, LicenseRequestRecipientEntity } from "../../entities";
import { can } from "../../services/access/policy";
import { eligibleProducts } from "../../services/licenseRequests/rules";
import { canCancel, canDecide, effectiveDecidedAt, effectiveStatus } from "../../services/licenseRequests/status";
import { toGlobalId } from "../../services/shared/ids";
import { Product, ServicePlan } from "../../schema/catalog/types";
import { LicenseRequestStatus } from "../../schema/licenseRequests/enums";
import { LicenseRequest, LicenseRequestRecipient } from "../../schema/licenseRequests/types";
import { LicenseAssignment } from "../../schema/licenses/types";
import { User } from "../../schema/users/types";
import { plansOf } from "../catalog";
import { signedIn } from "../shared/helpers";
import { ViewerField } from "../shared/viewerField";

@Resolver(() => LicenseRequest)
class LicenseRequestResolver {
  @FieldResolver(() => ID)
  id(@Root() request: LicenseRequestEntity) {
    return toGlobalId("LicenseRequest", request.id);
  }

  @FieldResolver(() => Product)
  product(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.catalog.productOf(request.productId);
  }

  @FieldResolver(() => User)
  requester(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.users.userOf(request.requesterId);
  }

  @FieldResolver(() => [LicenseRequestRecipient])
  recipients(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.requests.recipients.load(request.id);
  }

  @FieldResolver(() => LicenseRequestStatus)
  status(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return effectiveStatus(request, ctx.now);
  }

  @FieldResolver(() => Date, { nullable: true })
  decidedAt(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return effectiveDecidedAt(request, ctx.now);
  }

  @FieldResolver(() => User, { nullable: true })
  decidedBy(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return request.decidedById === null ? null : signedIn(ctx).loaders.users.userOf(request.decidedById);
  }

  @FieldResolver(() => Product, { nullable: true })
  assignedProduct(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return request.assignedProductId === null ? null : signedIn(ctx).loaders.catalog.productOf(request.assignedProductId);
  }

  @FieldResolver(() => [ServicePlan])
  async disabledServicePlans(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const [catalog, ids] = await Promise.all([loaders.catalog.catalog(), loaders.requests.disabledPlanIds.load(request.id)]);
    return plansOf(catalog, ids);
  }

  @FieldResolver(() => [Product])
  async eligibleProducts(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return eligibleProducts(await signedIn(ctx).loaders.catalog.catalog(), request.productId);
  }

  @ViewerField(() => Boolean, { asks: ["request.decide"] })
  viewerCanDecide(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return canDecide(viewer, request, ctx.now, async () => (await loaders.requests.recipients.load(request.id)).map((r) => r.userId));
  }

  @ViewerField(() => Boolean, { asks: ["request.cancel"] })
  viewerCanCancel(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return canCancel(signedIn(ctx).viewer, request, ctx.now);
  }
}

@Resolver(() => LicenseRequestRecipient)
class LicenseRequestRecipientResolver {
  @FieldResolver(() => User)
  user(@Root() recipient: LicenseRequestRecipientEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.users.userOf(recipient.userId);
  }

  @ViewerField(() => LicenseAssignment, { nullable: true, asks: ["licenses.read"] })
  assignment(@Root() recipient: LicenseRequestRecipientEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    if (recipient.assignmentId === null || !can(viewer, "licenses.read", recipient)) return null;
    return loaders.licenses.assignment.load(recipient.assignmentId);
  }
}

@Resolver(() => LicenseAssignment)
class LicenseAssignmentRequestResolver {
  @ViewerField(() => LicenseRequest, { nullable: true, description: "The request this assignment came from, if any.", asks: ["request.read"] })
  request(@Root() assignment: LicenseAssignmentEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return assignment.requestId === null ? null : ctx.services.requestQueries.findVisible(viewer, loaders, assignment.requestId);
  }
}

export const licenseRequestFieldResolvers = [LicenseRequestResolver, LicenseRequestRecipientResolver, LicenseAssignmentRequestResolver] as const;
