/** Licenses for a while: requestLicenseRenewal. */
import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../../context";
import { RequestLicenseRenewalInput, RequestLicenseRenewalPayload } from "../../schema/policies/types";
import { payload, signedIn } from "../shared/helpers";
import { idOf } from "../shared/input";

@Resolver()
class RenewalOperations {
  @Mutation(() => RequestLicenseRenewalPayload, {
    description:
      "Asks for one of the viewer's own licenses that expire to be extended: a new request for its product and its holder (`renewalOf`), " +
      "decided like any other; approving it moves the license's expiresAt.",
  })
  requestLicenseRenewal(@Arg("input", () => RequestLicenseRenewalInput) input: RequestLicenseRenewalInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    const renewal = { assignmentId: idOf(input.assignmentId, "LicenseAssignment"), justification: input.justification, idempotencyKey: input.idempotencyKey };
    return payload(
      input,
      () => ctx.services.requests.renew(viewer, renewal, ctx.now),
      (r) => (r.kind === "created" ? { licenseRequest: r.request, ownRequestProcess: null } : { licenseRequest: null, ownRequestProcess: r.settings }),
      { licenseRequest: null, ownRequestProcess: null },
    );
  }
}

export const renewalResolvers = [RenewalOperations] as const;
