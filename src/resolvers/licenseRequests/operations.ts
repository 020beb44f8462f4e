/**
 * The operations of license requests: the list and single reads, the
 * decision preview, and the mutations (submit, approve, deny, cancel, bulk).
 * Thin: one service call each, its outcome mapped to the payload.
 */
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../../context";
import { localIdOf } from "../../services/shared/ids";
import { DecideLicenseRequestsInput, LicenseRequestDecisionInput } from "../../schema/licenseRequests/decisionInputs";
import { DecideLicenseRequestsPayload, LicenseRequestDecisionPreview } from "../../schema/licenseRequests/decisions";
import {
  ApproveLicenseRequestInput,
  CancelLicenseRequestInput,
  DenyLicenseRequestInput,
  LicenseRequestFilter,
  LicenseRequestOrder,
  SubmitLicenseRequestInput,
} from "../../schema/licenseRequests/inputs";
import {
  ApproveLicenseRequestPayload,
  CancelLicenseRequestPayload,
  DenyLicenseRequestPayload,
  SubmitLicenseRequestPayload,
} from "../../schema/licenseRequests/payloads";
import { LicenseRequest, LicenseRequestConnection } from "../../schema/licenseRequests/types";
import { payload, signedIn } from "../shared/helpers";

@Resolver()
export class LicenseRequestOperations {
  @Query(() => LicenseRequestConnection, {
    description:
      "Global admins see every request of their organization; users see the\nrequests they sent or are a recipient of. Default order: requestedAt DESC.",
  })
  licenseRequests(
    @Ctx() ctx: Context,
    @Arg("filter", () => LicenseRequestFilter, { nullable: true }) filter?: LicenseRequestFilter | null,
    @Arg("orderBy", () => LicenseRequestOrder, { nullable: true }) orderBy?: LicenseRequestOrder | null,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
    @Arg("last", () => Int, { nullable: true }) last?: number | null,
    @Arg("before", () => String, { nullable: true }) before?: string | null,
  ) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.requestQueries.list(viewer, loaders, { filter, orderBy, first, after, last, before }, ctx.now);
  }

  @Query(() => LicenseRequest, {
    nullable: true,
    description: "Same visibility as licenseRequests; null when not visible or not found.",
  })
  licenseRequest(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    const requestId = localIdOf(id, "LicenseRequest");
    return requestId === null ? null : ctx.services.requestQueries.findVisible(viewer, loaders, requestId);
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

  @Mutation(() => SubmitLicenseRequestPayload)
  async submitLicenseRequest(@Arg("input", () => SubmitLicenseRequestInput) input: SubmitLicenseRequestInput, @Ctx() ctx: Context) {
    const outcome = await ctx.services.requests.submit(signedIn(ctx).viewer, input, ctx.now);
    return payload(
      outcome,
      input.clientMutationId,
      (r) => (r.kind === "created" ? { licenseRequest: r.request, ownRequestProcess: null } : { licenseRequest: null, ownRequestProcess: r.settings }),
      { licenseRequest: null, ownRequestProcess: null },
    );
  }

  @Mutation(() => ApproveLicenseRequestPayload)
  async approveLicenseRequest(@Arg("input", () => ApproveLicenseRequestInput) input: ApproveLicenseRequestInput, @Ctx() ctx: Context) {
    const outcome = await ctx.services.requests.approve(signedIn(ctx).viewer, input, ctx.now);
    return payload(outcome, input.clientMutationId, (r) => ({ licenseRequest: r.request, assignments: r.assignments }), {
      licenseRequest: null,
      assignments: [],
    });
  }

  @Mutation(() => DenyLicenseRequestPayload)
  async denyLicenseRequest(@Arg("input", () => DenyLicenseRequestInput) input: DenyLicenseRequestInput, @Ctx() ctx: Context) {
    const outcome = await ctx.services.requests.deny(signedIn(ctx).viewer, input, ctx.now);
    return payload(outcome, input.clientMutationId, (request) => ({ licenseRequest: request }), { licenseRequest: null });
  }

  @Mutation(() => CancelLicenseRequestPayload)
  async cancelLicenseRequest(@Arg("input", () => CancelLicenseRequestInput) input: CancelLicenseRequestInput, @Ctx() ctx: Context) {
    const outcome = await ctx.services.requests.cancel(signedIn(ctx).viewer, input, ctx.now);
    return payload(outcome, input.clientMutationId, (request) => ({ licenseRequest: request }), { licenseRequest: null });
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
