/**
 * Policies: `setLicenseRequestPolicy`, the fields of LicenseRequestPolicy and
 * AutoApprovePolicy, and what this feature adds to User (`manager`), Product
 * (`requestPolicy`, `seats`), LicenseRequest (`endorsement`,
 * `autoApproveSkippedReason`, `renewalOf`) and LicenseAssignment
 * (`expiresAt`, `reclaimedAt`). Endorsements and renewals have their own
 * rooms (endorsement.ts, renewal.ts).
 */
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { LicenseAssignmentEntity, LicenseRequestEntity, ProductEntity, UserEntity } from "../../entities";
import type { AutoApproveRule, PolicyRecord } from "../../services/policies";
import { Group } from "../../schema/groups/types";
import { Product, ServicePlan } from "../../schema/catalog/types";
import { LicenseAssignment } from "../../schema/licenses/types";
import { LicenseRequest } from "../../schema/licenseRequests/types";
import {
  AutoApprovePolicy,
  LicenseRequestEndorsement,
  LicenseRequestPolicy,
  ManagerEndorsementPolicy,
  ProductSeats,
  SetLicenseRequestPolicyInput,
  SetLicenseRequestPolicyPayload,
} from "../../schema/policies/types";
import { User } from "../../schema/users/types";
import { ViewerPermissions } from "../../schema/deciders/types";
import { plansOf } from "../catalog";
import { payload, signedIn } from "../shared/helpers";
import { idOf, idsOf, optionalIdOf } from "../shared/input";
import { ViewerField } from "../shared/viewerField";
import { endorsementResolvers } from "./endorsement";
import { renewalResolvers } from "./renewal";

@Resolver(() => LicenseRequestPolicy)
class LicenseRequestPolicyResolver {
  @FieldResolver(() => Product)
  product(@Root() policy: PolicyRecord, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.catalog.productOf(policy.productId);
  }

  @FieldResolver(() => AutoApprovePolicy, { nullable: true })
  autoApprove(@Root() policy: PolicyRecord) {
    return policy.autoApprove;
  }

  @FieldResolver(() => ManagerEndorsementPolicy, { nullable: true })
  managerEndorsement(@Root() policy: PolicyRecord) {
    return policy.managerEndorsement;
  }

  @FieldResolver(() => User, { nullable: true })
  updatedBy(@Root() policy: PolicyRecord, @Ctx() ctx: Context) {
    return policy.updatedById === null ? null : signedIn(ctx).loaders.users.userOf(policy.updatedById);
  }
}

@Resolver(() => AutoApprovePolicy)
class AutoApprovePolicyResolver {
  @FieldResolver(() => Group, { nullable: true })
  requesterGroup(@Root() rule: AutoApproveRule, @Ctx() ctx: Context) {
    return rule.requesterGroupId === null ? null : signedIn(ctx).loaders.groups.group.load(rule.requesterGroupId);
  }

  @FieldResolver(() => [ServicePlan])
  async disabledServicePlans(@Root() rule: AutoApproveRule, @Ctx() ctx: Context) {
    return plansOf(await signedIn(ctx).loaders.catalog.catalog(), rule.disabledPlanIds);
  }
}

@Resolver(() => Product)
class ProductPolicyResolver {
  @ViewerField(() => LicenseRequestPolicy, { nullable: true, description: "Null unless the viewer may manage the request process.", asks: ["process.manage"] })
  requestPolicy(@Root() product: ProductEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.policies.policyOf(viewer, loaders, product);
  }

  @ViewerField(() => ProductSeats, {
    nullable: true,
    description: "Seats at a glance (an addition to the contract); null unless the viewer decides this product's requests.",
    asks: ["seats.read"],
  })
  seats(@Root() product: ProductEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.policies.seatsOf(viewer, loaders, product, ctx.now);
  }
}

@Resolver(() => User)
class UserManagerResolver {
  @FieldResolver(() => User, { nullable: true, description: "The person's manager in the directory; null when none is recorded." })
  manager(@Root() user: UserEntity, @Ctx() ctx: Context) {
    return user.managerId === null ? null : signedIn(ctx).loaders.users.userOf(user.managerId);
  }
}

@Resolver(() => ViewerPermissions)
class ViewerEndorsesResolver {
  @ViewerField(() => Boolean, {
    description:
      "Requests may await the viewer's endorsement: someone names them as manager, or a pending\nrequest still awaits them (an addition to the contract: the Requests tab lists those).",
    asks: ["self.read"],
  })
  endorsesRequests(@Ctx() ctx: Context) {
    return ctx.services.policies.endorsesRequests(signedIn(ctx).viewer);
  }
}

@Resolver(() => LicenseRequest)
class LicenseRequestPolicyFieldsResolver {
  @FieldResolver(() => LicenseRequestEndorsement, { nullable: true, description: "Null when the product's policy asks for no endorsement." })
  endorsement(@Root() request: LicenseRequestEntity) {
    if (request.endorsementState === null) return null;
    return {
      managerId: request.endorsementManagerId,
      state: request.endorsementState,
      at: request.endorsementAt,
      comment: request.endorsementComment,
      escalatesAt: request.endorsementState === "AWAITING" ? request.endorsementEscalatesAt : null,
    };
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "Why a policy that could have approved it did not (e.g. not enough\nlicenses); null otherwise.",
  })
  autoApproveSkippedReason(@Root() request: LicenseRequestEntity) {
    return request.autoApproveSkippedReason;
  }

  @FieldResolver(() => LicenseAssignment, { nullable: true, description: "The license this request asks to extend; null for a new license." })
  renewalOf(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    return request.renewalOfId === null ? null : signedIn(ctx).loaders.licenses.assignment.load(request.renewalOfId);
  }
}

@Resolver(() => LicenseRequestEndorsement)
class LicenseRequestEndorsementResolver {
  @FieldResolver(() => User, { nullable: true })
  manager(@Root() endorsement: { managerId: number | null }, @Ctx() ctx: Context) {
    return endorsement.managerId === null ? null : signedIn(ctx).loaders.users.userOf(endorsement.managerId);
  }
}

@Resolver(() => LicenseAssignment)
class LicenseAssignmentTermResolver {
  @FieldResolver(() => Date, { nullable: true, description: "When the license is reclaimed; null when it lasts until removed." })
  expiresAt(@Root() assignment: LicenseAssignmentEntity) {
    return assignment.expiresAt;
  }

  @FieldResolver(() => Date, { nullable: true, description: "Set once it was reclaimed (its seat went back to the pool)." })
  reclaimedAt(@Root() assignment: LicenseAssignmentEntity) {
    return assignment.reclaimedAt;
  }
}

@Resolver()
class PolicyOperations {
  @Mutation(() => SetLicenseRequestPolicyPayload, {
    description:
      "Sets one product's request policy (global and license admins): an omitted part keeps its value, an explicit null turns it off. " +
      "Every change is recorded.",
  })
  setLicenseRequestPolicy(@Arg("input", () => SetLicenseRequestPolicyInput) input: SetLicenseRequestPolicyInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    const auto = input.autoApprove;
    const set = {
      productId: idOf(input.productId, "Product"),
      autoApprove:
        auto === undefined || auto === null
          ? auto
          : {
              maxRecipients: auto.maxRecipients,
              requesterGroupId: optionalIdOf(auto.requesterGroupId, "Group"),
              disabledPlanIds: idsOf(auto.disabledServicePlanIds, "ServicePlan"),
            },
      managerEndorsement: input.managerEndorsement,
      licenseDurationDays: input.licenseDurationDays,
      idempotencyKey: input.idempotencyKey,
    };
    return payload(
      input,
      () => ctx.services.policies.set(viewer, set, ctx.now),
      (policy) => ({ policy }),
      { policy: null },
    );
  }
}

export const policyResolvers = [
  LicenseRequestPolicyResolver,
  AutoApprovePolicyResolver,
  ProductPolicyResolver,
  UserManagerResolver,
  ViewerEndorsesResolver,
  LicenseRequestPolicyFieldsResolver,
  LicenseRequestEndorsementResolver,
  LicenseAssignmentTermResolver,
  PolicyOperations,
  ...endorsementResolvers,
  ...renewalResolvers,
] as const;
