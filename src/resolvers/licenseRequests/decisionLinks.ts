/**
 * decideLicenseRequestByLink: the Approve or Deny link of a notice email,
 * confirmed. Its secret is the credential; it runs without a bearer token
 * (src/server/graphql/anonymous.ts), and a viewer signed in by one sent along
 * is not used: the link decides as its own person, with their rights now.
 */
import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../../context";
import { DecideLicenseRequestByLinkInput, DecideLicenseRequestByLinkPayload } from "../../schema/licenseRequests/decisionLinks";
import { fromArgument } from "../shared/input";

@Resolver()
export class DecisionLinkResolver {
  @Mutation(() => DecideLicenseRequestByLinkPayload, {
    description:
      "Decides a request through the Approve or Deny link of its notice email, once the person confirmed: checks that person's rights at this moment, then approves (the requested product, every recipient, no app turned off) or denies exactly as approveLicenseRequest or denyLicenseRequest would, recorded with channel EMAIL_LINK. No bearer token is needed. A link decides once; a used, expired, unknown or forged link, one whose person lost the right, or one whose request is no longer pending changes nothing: NOT_FOUND, CONFLICT, REQUEST_EXPIRED or NOT_PERMITTED, saying why.",
  })
  async decideLicenseRequestByLink(@Arg("input", () => DecideLicenseRequestByLinkInput) input: DecideLicenseRequestByLinkInput, @Ctx() ctx: Context) {
    const outcome = await ctx.services.requests.decideByLink({ decisionToken: input.decisionToken, decision: input.decision, message: input.message }, ctx.now);
    const clientMutationId = input.clientMutationId ?? null;
    return outcome.ok
      ? { licenseRequest: outcome.value, userErrors: [], clientMutationId }
      : { licenseRequest: null, userErrors: fromArgument(outcome.userErrors), clientMutationId };
  }
}
