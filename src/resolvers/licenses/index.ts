/** Licenses: the fields of LicenseAssignment, and `User.licenses`. */
import { Ctx, FieldResolver, ID, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { LicenseAssignmentEntity, UserEntity } from "../../entities";
import { can } from "../../services/access/policy";
import { toGlobalId } from "../../services/shared/ids";
import { Product, ServicePlan } from "../../schema/catalog/types";
import { LicenseAssignment } from "../../schema/licenses/types";
import { User } from "../../schema/users/types";
import { plansOf } from "../catalog";
import { signedIn } from "../shared/helpers";
import { ViewerField } from "../shared/viewerField";

@Resolver(() => LicenseAssignment)
class LicenseAssignmentResolver {
  @FieldResolver(() => ID)
  id(@Root() assignment: LicenseAssignmentEntity) {
    return toGlobalId("LicenseAssignment", assignment.id);
  }

  @FieldResolver(() => User)
  user(@Root() assignment: LicenseAssignmentEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.users.userOf(assignment.userId);
  }

  @FieldResolver(() => Product)
  product(@Root() assignment: LicenseAssignmentEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.catalog.productOf(assignment.productId);
  }

  @FieldResolver(() => [ServicePlan])
  async disabledServicePlans(@Root() assignment: LicenseAssignmentEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const [catalog, ids] = await Promise.all([loaders.catalog.catalog(), loaders.licenses.disabledPlanIds.load(assignment.id)]);
    return plansOf(catalog, ids);
  }
}

@Resolver(() => User)
class UserLicensesResolver {
  @ViewerField(() => [LicenseAssignment], {
    nullable: true,
    description: "Licenses assigned to this user; null unless the viewer decides every request\nor is this user.",
    asks: ["licenses.read"],
  })
  licenses(@Root() user: UserEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    if (!can(viewer, "licenses.read", { organizationId: user.organizationId, userId: user.id })) return null;
    return loaders.licenses.assignmentsOfUser.load(user.id);
  }
}

export const licenseResolvers = [LicenseAssignmentResolver, UserLicensesResolver] as const;
