/**
 * The manager's endorsement (api.md "Policies"): endorseLicenseRequest, and
 * endorseLicenseRequestByLink, whose secret is the credential: it runs
 * without a bearer token (src/server/graphql/anonymous.ts), and a viewer
 * signed in by one sent along is not used: the link answers as its own manager.
 */
import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../../context";
import { EndorseLicenseRequestByLinkInput, EndorseLicenseRequestInput, EndorseLicenseRequestPayload } from "../../schema/policies/types";
import { payload, signedIn } from "../shared/helpers";
import { fromArgument, idOf } from "../shared/input";

@Resolver()
class EndorsementOperations {
  @Mutation(() => EndorseLicenseRequestPayload, {
    description:
      "The requester's manager endorses (`endorse: true`) or declines a request that awaits their endorsement. Endorsing passes it to the " +
      "approvers (and to automatic approval, when the product's policy has it); declining denies it, with the comment (at most 1,000 " +
      "characters) as the denial's message. Only while the endorsement is AWAITING and the request pending: NOT_FOUND for a request the " +
      "viewer may not see, NOT_PERMITTED for anyone but its manager, CONFLICT once it is over.",
  })
  endorseLicenseRequest(@Arg("input", () => EndorseLicenseRequestInput) input: EndorseLicenseRequestInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    const answer = {
      requestId: idOf(input.requestId, "LicenseRequest"),
      endorse: input.endorse,
      comment: input.comment,
      idempotencyKey: input.idempotencyKey,
    };
    return payload(
      input,
      () => ctx.services.requests.endorse(viewer, answer, ctx.now),
      (licenseRequest) => ({ licenseRequest }),
      { licenseRequest: null },
    );
  }

  @Mutation(() => EndorseLicenseRequestPayload, {
    description:
      "Endorses or declines a request through the Endorse or Decline link of its manager's email, once the manager confirmed, exactly as " +
      "endorseLicenseRequest would (a decline recorded with channel EMAIL_LINK). No bearer token is needed. A link works once; a used, " +
      "expired, unknown or forged link, one whose endorsement is over, or one whose person is no longer the requester's manager changes " +
      "nothing: NOT_FOUND, CONFLICT, REQUEST_EXPIRED or NOT_PERMITTED, saying why.",
  })
  async endorseLicenseRequestByLink(@Arg("input", () => EndorseLicenseRequestByLinkInput) input: EndorseLicenseRequestByLinkInput, @Ctx() ctx: Context) {
    const outcome = await ctx.services.requests.endorseByLink(
      { endorsementToken: input.endorsementToken, endorse: input.endorse, comment: input.comment },
      ctx.now,
    );
    const clientMutationId = input.clientMutationId ?? null;
    return outcome.ok
      ? { licenseRequest: outcome.value, userErrors: [], clientMutationId }
      : { licenseRequest: null, userErrors: fromArgument(outcome.userErrors), clientMutationId };
  }
}

export const endorsementResolvers = [EndorsementOperations] as const;
