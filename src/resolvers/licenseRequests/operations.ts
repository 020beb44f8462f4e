/**
 * The operations of license requests: the list and single reads, the
 * decision preview, and the mutations (submit, approve, deny, cancel, bulk).
 * Thin: one service call each, its outcome mapped to the payload.
 */
import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, ID, Info, Int, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../../context";
import type { ApprovalInput, DecisionInput } from "../../services/licenseRequests/rules";
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
import { selectsField } from "../shared/selection";
import { fromArgument, idOf, idsOf, optionalIdOf, zip } from "../shared/input";

/** An approval's choices as the services take them. */
function approvalOf(input: {
  productId?: string | null;
  excludedUserIds?: string[] | null;
  disabledServicePlanIds?: string[] | null;
  assignThrough?: { groupId: string } | null;
  message?: string | null;
}): ApprovalInput {
  return {
    productId: optionalIdOf(input.productId, "Product"),
    excludedUserIds: idsOf(input.excludedUserIds, "User"),
    disabledServicePlanIds: idsOf(input.disabledServicePlanIds, "ServicePlan"),
    assignThrough: input.assignThrough ? { groupId: idOf(input.assignThrough.groupId, "Group") } : undefined,
    message: input.message,
  };
}

/** One decision of decideLicenseRequests or previewLicenseRequestDecision, as the services take it. */
const decisionOf = (input: LicenseRequestDecisionInput): DecisionInput => ({
  requestId: idOf(input.requestId, "LicenseRequest"),
  decision: input.decision,
  ...approvalOf(input),
});

@Resolver()
export class LicenseRequestOperations {
  @Query(() => LicenseRequestConnection, {
    description:
      "The admin roles see every request of their organization, a product's approvers and\ntheir delegates its requests; everyone sees the requests they sent or are a recipient of. Default order: requestedAt DESC.",
  })
  licenseRequests(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg("filter", () => LicenseRequestFilter, { nullable: true }) filter?: LicenseRequestFilter | null,
    @Arg("orderBy", () => LicenseRequestOrder, { nullable: true }) orderBy?: LicenseRequestOrder | null,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
    @Arg("last", () => Int, { nullable: true }) last?: number | null,
    @Arg("before", () => String, { nullable: true }) before?: string | null,
  ) {
    const { viewer, loaders } = signedIn(ctx);
    const criteria = filter && {
      state: filter.state,
      statuses: filter.statuses,
      productId: optionalIdOf(filter.productId, "Product"),
      requesterId: optionalIdOf(filter.requesterId, "User"),
    };
    return ctx.services.requestQueries.list(viewer, loaders, { filter: criteria, orderBy, first, after, last, before }, ctx.now, {
      totalCount: selectsField(info, "totalCount"),
    });
  }

  @Query(() => LicenseRequest, {
    nullable: true,
    description: "Same visibility as licenseRequests; null when not visible or not found.",
  })
  licenseRequest(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    const requestId = idOf(id, "LicenseRequest");
    return requestId === null ? null : ctx.services.requestQueries.findVisible(viewer, loaders, requestId);
  }

  @Query(() => LicenseRequestDecisionPreview, {
    description:
      "What a decision would do, changing nothing: the same checks as the real\ncall, every userError it would give, who would get which license, the pool\nafter, the emails that would go out. Those who decide requests only.",
  })
  async previewLicenseRequestDecision(@Arg("input", () => LicenseRequestDecisionInput) input: LicenseRequestDecisionInput, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    const preview = await ctx.services.requests.preview(viewer, decisionOf(input), ctx.now);
    const licenseRequest = preview.requestId === null ? null : await ctx.services.requestQueries.findVisible(viewer, loaders, preview.requestId);
    return { ...preview, userErrors: fromArgument(preview.userErrors), licenseRequest };
  }

  @Mutation(() => SubmitLicenseRequestPayload)
  async submitLicenseRequest(@Arg("input", () => SubmitLicenseRequestInput) input: SubmitLicenseRequestInput, @Ctx() ctx: Context) {
    const submission = {
      productId: idOf(input.productId, "Product"),
      additionalUserIds: idsOf(input.additionalUserIds, "User"),
      justification: input.justification,
      idempotencyKey: input.idempotencyKey,
    };
    const { viewer } = signedIn(ctx);
    return payload(
      input,
      () => ctx.services.requests.submit(viewer, submission, ctx.now),
      (r) => (r.kind === "created" ? { licenseRequest: r.request, ownRequestProcess: null } : { licenseRequest: null, ownRequestProcess: r.settings }),
      { licenseRequest: null, ownRequestProcess: null },
    );
  }

  @Mutation(() => ApproveLicenseRequestPayload)
  async approveLicenseRequest(@Arg("input", () => ApproveLicenseRequestInput) input: ApproveLicenseRequestInput, @Ctx() ctx: Context) {
    const approval = { requestId: idOf(input.requestId, "LicenseRequest"), ...approvalOf(input), idempotencyKey: input.idempotencyKey };
    const { viewer } = signedIn(ctx);
    return payload(
      input,
      () => ctx.services.requests.approve(viewer, approval, ctx.now),
      (r) => ({ licenseRequest: r.request, assignments: r.assignments }),
      {
        licenseRequest: null,
        assignments: [],
      },
    );
  }

  @Mutation(() => DenyLicenseRequestPayload)
  async denyLicenseRequest(@Arg("input", () => DenyLicenseRequestInput) input: DenyLicenseRequestInput, @Ctx() ctx: Context) {
    const denial = { requestId: idOf(input.requestId, "LicenseRequest"), message: input.message, idempotencyKey: input.idempotencyKey };
    const { viewer } = signedIn(ctx);
    return payload(
      input,
      () => ctx.services.requests.deny(viewer, denial, ctx.now),
      (request) => ({ licenseRequest: request }),
      { licenseRequest: null },
    );
  }

  @Mutation(() => CancelLicenseRequestPayload)
  async cancelLicenseRequest(@Arg("input", () => CancelLicenseRequestInput) input: CancelLicenseRequestInput, @Ctx() ctx: Context) {
    const cancellation = { requestId: idOf(input.requestId, "LicenseRequest"), idempotencyKey: input.idempotencyKey };
    const { viewer } = signedIn(ctx);
    return payload(
      input,
      () => ctx.services.requests.cancel(viewer, cancellation, ctx.now),
      (request) => ({ licenseRequest: request }),
      { licenseRequest: null },
    );
  }

  @Mutation(() => DecideLicenseRequestsPayload, {
    description: "Up to 50 decisions in one call, each decided atomically on its own with the rules of approveLicenseRequest and denyLicenseRequest.",
  })
  async decideLicenseRequests(@Arg("input", () => DecideLicenseRequestsInput) input: DecideLicenseRequestsInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    const outcome = await ctx.services.requests.decideMany(
      viewer,
      { decisions: input.decisions.map(decisionOf), idempotencyKey: input.idempotencyKey },
      ctx.now,
    );
    const clientMutationId = input.clientMutationId ?? null;
    if (!outcome.ok) return { results: [], userErrors: fromArgument(outcome.userErrors), clientMutationId };
    // In input order: each result echoes its decision's ID as given.
    const results = zip(input.decisions, outcome.value).map(([decision, r]) => ({
      requestId: decision.requestId,
      licenseRequest: r.request,
      assignments: r.assignments,
      userErrors: fromArgument(r.userErrors),
    }));
    return { results, userErrors: [], clientMutationId };
  }
}
