/**
 * Field resolvers of the object types: global IDs, relations through the
 * operation's loaders, and what the viewer may see of each (api.md's table).
 */
import { Ctx, Extensions, FieldResolver, ID, Int, Resolver, Root } from "type-graphql";
import type { Context } from "../context";
import type {
  DecisionRecordEntity,
  LicenseAssignmentEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  OrganizationEntity,
  ProductEntity,
  RequestProcessSettingsEntity,
  ServicePlanEntity,
  UserEntity,
} from "../entities";
import { can, POLICY_ACTIONS_EXTENSION } from "../services/access/policy";
import { toGlobalId } from "../services/shared/ids";
import type { Catalog } from "../services/shared/loaders";
import { availableLicenses, eligibleProducts } from "../services/licenseRequests/rules";
import { canCancel, canDecide, effectiveDecidedAt, effectiveStatus } from "../services/licenseRequests/status";
import { LicenseRequestStatus, Role } from "../schema/enums";
import {
  LicenseAssignment,
  LicenseRequest,
  LicenseRequestDecision,
  LicenseRequestRecipient,
  Organization,
  Product,
  RequestProcessSettings,
  ServicePlan,
  User,
} from "../schema/types";
import { signedIn } from "./shared/helpers";

/** A user a loader found (it answers null for a missing key, an Error for a failed one). */
const isUser = (user: UserEntity | Error | null): user is UserEntity => user !== null && !(user instanceof Error);

const plansOf = (catalog: Catalog, ids: number[]) => ids.map((id) => catalog.planById.get(id)).filter((p) => p !== undefined);

@Resolver(() => Organization)
export class OrganizationResolver {
  @FieldResolver(() => ID)
  id(@Root() organization: OrganizationEntity) {
    return toGlobalId("Organization", organization.id);
  }
}

@Resolver(() => User)
export class UserResolver {
  @FieldResolver(() => ID)
  id(@Root() user: UserEntity) {
    return toGlobalId("User", user.id);
  }

  @FieldResolver(() => [Role])
  roles(@Root() user: UserEntity) {
    return user.role === "GLOBAL_ADMIN" ? [Role.USER, Role.GLOBAL_ADMIN] : [Role.USER];
  }

  @FieldResolver(() => Organization)
  organization(@Root() user: UserEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.organization.load(user.organizationId);
  }

  @FieldResolver(() => [LicenseAssignment], { nullable: true })
  licenses(@Root() user: UserEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    if (!can(viewer, "licenses.read", { organizationId: user.organizationId, userId: user.id })) return null;
    return loaders.assignmentsOfUser.load(user.id);
  }
}

@Resolver(() => ServicePlan)
export class ServicePlanResolver {
  @FieldResolver(() => ID)
  id(@Root() plan: ServicePlanEntity) {
    return toGlobalId("ServicePlan", plan.id);
  }
}

@Resolver(() => Product)
export class ProductResolver {
  @FieldResolver(() => ID)
  id(@Root() product: ProductEntity) {
    return toGlobalId("Product", product.id);
  }

  @FieldResolver(() => [ServicePlan])
  async servicePlans(@Root() product: ProductEntity, @Ctx() ctx: Context) {
    const catalog = await signedIn(ctx).loaders.catalog();
    return plansOf(catalog, catalog.planIdsByProductId.get(product.id) ?? []);
  }

  @FieldResolver(() => Int)
  availableLicenses(@Root() product: ProductEntity) {
    return availableLicenses(product);
  }
}

@Resolver(() => LicenseAssignment)
export class LicenseAssignmentResolver {
  @FieldResolver(() => ID)
  id(@Root() assignment: LicenseAssignmentEntity) {
    return toGlobalId("LicenseAssignment", assignment.id);
  }

  @FieldResolver(() => User)
  user(@Root() assignment: LicenseAssignmentEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.userOf(assignment.userId);
  }

  @FieldResolver(() => Product)
  product(@Root() assignment: LicenseAssignmentEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.productOf(assignment.productId);
  }

  @FieldResolver(() => [ServicePlan])
  async disabledServicePlans(@Root() assignment: LicenseAssignmentEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const [catalog, ids] = await Promise.all([loaders.catalog(), loaders.disabledPlanIdsOfAssignment.load(assignment.id)]);
    return plansOf(catalog, ids);
  }

  @FieldResolver(() => LicenseRequest, { nullable: true })
  request(@Root() assignment: LicenseAssignmentEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return assignment.requestId === null ? null : ctx.services.requestQueries.findVisible(viewer, loaders, assignment.requestId);
  }
}

@Resolver(() => LicenseRequestRecipient)
export class LicenseRequestRecipientResolver {
  @FieldResolver(() => User)
  user(@Root() recipient: LicenseRequestRecipientEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.userOf(recipient.userId);
  }

  @FieldResolver(() => LicenseAssignment, { nullable: true })
  assignment(@Root() recipient: LicenseRequestRecipientEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    if (recipient.assignmentId === null || !can(viewer, "licenses.read", recipient)) return null;
    return loaders.assignment.load(recipient.assignmentId);
  }
}

@Resolver(() => LicenseRequest)
export class LicenseRequestResolver {
  @FieldResolver(() => ID)
  id(@Root() request: LicenseRequestEntity) {
    return toGlobalId("LicenseRequest", request.id);
  }

  @FieldResolver(() => Product)
  product(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.productOf(request.productId);
  }

  @FieldResolver(() => User)
  requester(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.userOf(request.requesterId);
  }

  @FieldResolver(() => [LicenseRequestRecipient])
  recipients(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.recipients.load(request.id);
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
    return request.decidedById === null ? null : signedIn(ctx).loaders.userOf(request.decidedById);
  }

  @FieldResolver(() => Product, { nullable: true })
  assignedProduct(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return request.assignedProductId === null ? null : signedIn(ctx).loaders.productOf(request.assignedProductId);
  }

  @FieldResolver(() => [ServicePlan])
  async disabledServicePlans(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const [catalog, ids] = await Promise.all([loaders.catalog(), loaders.disabledPlanIdsOfRequest.load(request.id)]);
    return plansOf(catalog, ids);
  }

  @FieldResolver(() => [Product])
  async eligibleProducts(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return eligibleProducts(await signedIn(ctx).loaders.catalog(), request.productId);
  }

  @FieldResolver(() => Boolean)
  @Extensions({ [POLICY_ACTIONS_EXTENSION]: ["request.decide"] })
  viewerCanDecide(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return canDecide(signedIn(ctx).viewer, request, ctx.now);
  }

  @FieldResolver(() => Boolean)
  @Extensions({ [POLICY_ACTIONS_EXTENSION]: ["request.cancel"] })
  viewerCanCancel(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return canCancel(signedIn(ctx).viewer, request, ctx.now);
  }

  @FieldResolver(() => [LicenseRequestDecision], { nullable: true })
  history(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return ctx.services.history.ofRequest(signedIn(ctx).viewer, request.id);
  }
}

@Resolver(() => LicenseRequestDecision)
export class LicenseRequestDecisionResolver {
  @FieldResolver(() => ID)
  id(@Root() decision: DecisionRecordEntity) {
    return toGlobalId("LicenseRequestDecision", decision.id);
  }

  @FieldResolver(() => LicenseRequest)
  request(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.request.load(decision.requestId);
  }

  @FieldResolver(() => User, { nullable: true })
  actor(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    return decision.actorId === null ? null : signedIn(ctx).loaders.userOf(decision.actorId);
  }

  @FieldResolver(() => Product, { nullable: true })
  product(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    return decision.productId === null ? null : signedIn(ctx).loaders.productOf(decision.productId);
  }

  @FieldResolver(() => [ServicePlan])
  async disabledServicePlans(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const [catalog, ids] = await Promise.all([loaders.catalog(), loaders.disabledPlanIdsOfDecision.load(decision.id)]);
    return plansOf(catalog, ids);
  }

  @FieldResolver(() => [User])
  async approvedUsers(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const users = await loaders.user.loadMany((await loaders.peopleOfDecision.load(decision.id)).approved);
    return users.filter(isUser);
  }

  @FieldResolver(() => [User])
  async deniedUsers(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const users = await loaders.user.loadMany((await loaders.peopleOfDecision.load(decision.id)).denied);
    return users.filter(isUser);
  }
}

@Resolver(() => RequestProcessSettings)
export class RequestProcessSettingsResolver {
  @FieldResolver(() => ID)
  id(@Root() settings: RequestProcessSettingsEntity) {
    return toGlobalId("RequestProcessSettings", settings.organizationId);
  }

  @FieldResolver(() => User, { nullable: true })
  updatedBy(@Root() settings: RequestProcessSettingsEntity, @Ctx() ctx: Context) {
    return settings.updatedById === null ? null : signedIn(ctx).loaders.userOf(settings.updatedById);
  }
}
