/** decideLicenseRequestByLink (contract-deciders.graphql; api.md "Decisions from the email"). */
import { Field, InputType } from "type-graphql";
import { ObjectType } from "../shared/objectType";
import { MutationPayload } from "../shared/payloads";
import { LicenseRequestDecisionKind } from "./decisionInputs";
import { LicenseRequest } from "./types";

@InputType({ description: "A decision through the Approve or Deny link of a notice email." })
export class DecideLicenseRequestByLinkInput {
  @Field({
    description:
      "The secret from the notice email's link; it names the request and the approver.\nNo bearer token is needed for this one mutation (one sent along is ignored). A link decides once.",
  })
  decisionToken: string;

  @Field(() => LicenseRequestDecisionKind, {
    description: "APPROVE: as approveLicenseRequest with the requested product, every recipient, no app turned off. DENY: as denyLicenseRequest.",
  })
  decision: LicenseRequestDecisionKind;

  @Field(() => String, { nullable: true, description: "Sent to the recipients with the decision; at most 1,000 characters." })
  message?: string | null;

  @Field(() => String, { nullable: true, description: "Echoed in the payload (Relay); does not deduplicate." })
  clientMutationId?: string | null;
}

@ObjectType()
export class DecideLicenseRequestByLinkPayload extends MutationPayload {
  @Field(() => LicenseRequest, {
    nullable: true,
    description: "The request as decided; null when userErrors is not empty. Without a bearer token only id, status and decidedAt may be selected.",
  })
  licenseRequest: LicenseRequest | null;
}
