/** Thin mutation resolvers: one service call each, its outcome mapped to the payload. */
import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../context";
import type { Outcome } from "../services/shared/errors";
import type { MutationResult } from "../services/shared/idempotency";
import {
  ApproveLicenseRequestInput,
  CancelLicenseRequestInput,
  DenyLicenseRequestInput,
  SubmitLicenseRequestInput,
  UpdateRequestProcessSettingsInput,
} from "../schema/inputs";
import {
  ApproveLicenseRequestPayload,
  CancelLicenseRequestPayload,
  DenyLicenseRequestPayload,
  SubmitLicenseRequestPayload,
  UpdateRequestProcessSettingsPayload,
} from "../schema/payloads";
import { signedIn } from "./shared/helpers";

/** `{ ...fields, userErrors: [], clientMutationId }` on success; `{ ...empty, userErrors }` otherwise. */
function payload<T, P extends object>(
  outcome: Outcome<MutationResult<T>>,
  clientMutationId: string | null | undefined,
  map: (value: T) => P,
  empty: { [K in keyof P]: null | never[] },
) {
  const echo = { clientMutationId: clientMutationId ?? null };
  return outcome.ok ? { ...map(outcome.value.value), userErrors: [], ...echo } : { ...empty, userErrors: outcome.userErrors, ...echo };
}

@Resolver()
export class MutationResolver {
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

  @Mutation(() => UpdateRequestProcessSettingsPayload)
  async updateRequestProcessSettings(@Arg("input", () => UpdateRequestProcessSettingsInput) input: UpdateRequestProcessSettingsInput, @Ctx() ctx: Context) {
    const outcome = await ctx.services.settings.update(signedIn(ctx).viewer, input, ctx.now);
    return payload(outcome, input.clientMutationId, (settings) => ({ settings }), { settings: null });
  }
}
