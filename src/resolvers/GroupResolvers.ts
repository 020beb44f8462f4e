/**
 * Security groups, bulk decisions and the decision preview: the Group type,
 * `groups`, `eligibleGroups`, `LicenseAssignment.group`,
 * `decideLicenseRequests` and `previewLicenseRequestDecision`. Thin: one
 * service call each; relations through the operation's loaders.
 */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../context";
import type { GroupEntity, LicenseAssignmentEntity, LicenseRequestEntity } from "../entities";
import { can } from "../services/access/policy";
import { eligibleGroups } from "../services/licenseRequests/rules";
import { toGlobalId } from "../services/shared/ids";
import { DecideLicenseRequestsInput, LicenseRequestDecisionInput } from "../schema/licenseRequests/decisionInputs";
import { DecideLicenseRequestsPayload, Group, GroupConnection, LicenseRequestDecisionPreview } from "../schema/groups";
import { LicenseAssignment, LicenseRequest, Product, UserConnection } from "../schema/types";
import { signedIn } from "./shared/helpers";

@Resolver(() => Group)
export class GroupResolver {
  @FieldResolver(() => ID)
  id(@Root() group: GroupEntity) {
    return toGlobalId("Group", group.id);
  }

  @FieldResolver(() => [Product])
  async licensedProducts(@Root() group: GroupEntity, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const [products, ids] = await Promise.all([loaders.productById(), loaders.licensedProductIdsOfGroup.load(group.id)]);
    return ids.map((id) => products.get(id)).filter((p) => p !== undefined);
  }

  @FieldResolver(() => Int)
  memberCount(@Root() group: GroupEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.memberCount.load(group.id);
  }

  @FieldResolver(() => UserConnection, { nullable: true })
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
export class LicenseRequestGroupsResolver {
  @FieldResolver(() => [Group], {
    description:
      "Groups licensed with one of eligibleProducts, through which an approval may\nassign (empty unless the viewer is a global admin); by name, at most 100.",
  })
  async eligibleGroups(@Root() request: LicenseRequestEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    if (!can(viewer, "groups.read", request)) return [];
    const [catalog, groups] = await Promise.all([loaders.catalog(), loaders.groupLicensing()]);
    return eligibleGroups(catalog, groups, request.productId).map((g) => g.group);
  }
}

@Resolver(() => LicenseAssignment)
export class LicenseAssignmentGroupResolver {
  @FieldResolver(() => Group, { nullable: true, description: "The group this license comes through; null when assigned directly." })
  group(@Root() assignment: LicenseAssignmentEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    if (assignment.groupId === null || !can(viewer, "groups.read", assignment)) return null;
    return loaders.group.load(assignment.groupId);
  }
}

@Resolver()
export class GroupQueryResolver {
  @Query(() => GroupConnection, { description: "The organization's groups, by name. Global admins only; FORBIDDEN otherwise." })
  groups(
    @Ctx() ctx: Context,
    @Arg("search", () => String, { nullable: true }) search?: string | null,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ) {
    return ctx.services.groups.list(signedIn(ctx).viewer, { search, first, after });
  }

  @Query(() => LicenseRequestDecisionPreview, {
    description:
      "What a decision would do, changing nothing: the same checks as the real\ncall, every userError it would give, who would get which license, the pool\nafter, the emails that would go out. Global admins only.",
  })
  async previewLicenseRequestDecision(@Arg("input", () => LicenseRequestDecisionInput) input: LicenseRequestDecisionInput, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    const preview = await ctx.services.requests.preview(viewer, input, ctx.now);
    const licenseRequest = preview.requestId === null ? null : await ctx.services.requestQueries.findVisible(viewer, loaders, preview.requestId);
    return { ...preview, licenseRequest };
  }

  @Mutation(() => DecideLicenseRequestsPayload, {
    description: "Up to 50 decisions in one call, each decided atomically on its own with the rules of approveLicenseRequest and denyLicenseRequest.",
  })
  async decideLicenseRequests(@Arg("input", () => DecideLicenseRequestsInput) input: DecideLicenseRequestsInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    const outcome = await ctx.services.requests.decideMany(viewer, input, ctx.now);
    const clientMutationId = input.clientMutationId ?? null;
    if (!outcome.ok) return { results: [], userErrors: outcome.userErrors, clientMutationId };
    const results = outcome.value.map((r) => ({ requestId: r.requestId, licenseRequest: r.request, assignments: r.assignments, userErrors: r.userErrors }));
    return { results, userErrors: [], clientMutationId };
  }
}
