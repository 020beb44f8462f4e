/**
 * Security groups: `groups`, the fields of Group, and the fields groups add to
 * other features' types (`LicenseRequest.eligibleGroups`, `LicenseAssignment.group`,
 * `LicenseRequestDecision.group`).
 */
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { DecisionRecordEntity, GroupEntity, LicenseAssignmentEntity, LicenseRequestEntity } from "../../entities";
import { can } from "../../services/access/policy";
import { eligibleGroups } from "../../services/licenseRequests/rules";
import { toGlobalId } from "../../services/shared/ids";
import { Product } from "../../schema/catalog/types";
import { Group, GroupConnection } from "../../schema/groups/types";
import { LicenseRequestDecision } from "../../schema/history/types";
import { LicenseRequest } from "../../schema/licenseRequests/types";
import { LicenseAssignment } from "../../schema/licenses/types";
import { UserConnection } from "../../schema/users/types";
import { signedIn } from "../shared/helpers";
import { ViewerField } from "../shared/viewerField";

@Resolver(() => Group)
class GroupResolver {
  @FieldResolver(() => ID)
  id(@Root() group: GroupEntity) {
    return toGlobalId("Group", group.id);
  }

  @FieldResolver(() => [Product])
  async licensedProducts(@Root() group: GroupEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const [products, ids] = await Promise.all([loaders.catalog.productById(), loaders.groups.licensedProductIds.load(group.id)]);
    return ids.map((id) => products.get(id)).filter((p) => p !== undefined);
  }

  @FieldResolver(() => Int)
  memberCount(@Root() group: GroupEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.groups.memberCount.load(group.id);
  }

  @ViewerField(() => UserConnection, { nullable: true, asks: ["groups.read"] })
  members(
    @Root() group: GroupEntity,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ) {
    return ctx.services.groups.members(signedIn(ctx).viewer, group, { first, after });
  }
}

@Resolver(() => LicenseRequest)
class LicenseRequestGroupsResolver {
  @ViewerField(() => [Group], {
    description:
      "Groups licensed with one of eligibleProducts, through which an approval may\nassign (empty unless the viewer decides requests); by name, at most 100.",
    asks: ["groups.read"],
  })
  async eligibleGroups(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    if (!can(viewer, "groups.read", request)) return [];
    const [catalog, groups] = await Promise.all([loaders.catalog.catalog(), loaders.groups.licensing()]);
    return eligibleGroups(catalog, groups, request.productId).map((g) => g.group);
  }
}

@Resolver(() => LicenseAssignment)
class LicenseAssignmentGroupResolver {
  @ViewerField(() => Group, {
    nullable: true,
    description:
      "The group this license comes through; null when assigned directly. Whoever may see the license sees the group's name (its members only those who decide requests).",
    asks: ["licenses.read"],
  })
  group(@Root() assignment: LicenseAssignmentEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    // The holder learns which group their license comes through; the group's members stay the admins' (Group.members).
    if (assignment.groupId === null || !can(viewer, "licenses.read", assignment)) return null;
    return loaders.groups.group.load(assignment.groupId);
  }
}

@Resolver(() => LicenseRequestDecision)
class LicenseRequestDecisionGroupResolver {
  @ViewerField(() => Group, {
    nullable: true,
    description: "The group the licenses came through; null when assigned directly or for other entries (an addition to the contract).",
    asks: ["history.read"],
  })
  async group(@Root() decision: DecisionRecordEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    if (decision.groupId === null || !(await ctx.services.history.mayRead(viewer, loaders, decision))) return null;
    return loaders.groups.group.load(decision.groupId);
  }
}

@Resolver()
class GroupQueries {
  @Query(() => GroupConnection, { description: "The organization's groups, by name. Those who decide requests only; FORBIDDEN otherwise." })
  groups(
    @Ctx() ctx: Context,
    @Arg("search", () => String, { nullable: true }) search?: string | null,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ) {
    return ctx.services.groups.list(signedIn(ctx).viewer, { search, first, after });
  }
}

export const groupResolvers = [
  GroupResolver,
  LicenseRequestGroupsResolver,
  LicenseAssignmentGroupResolver,
  LicenseRequestDecisionGroupResolver,
  GroupQueries,
] as const;
