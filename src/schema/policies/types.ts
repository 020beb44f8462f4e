/**
 * Policies (contract-policies.graphql; api.md "Policies"): one request policy
 * per product (automatic approval, a manager's endorsement, licenses for a
 * while), the endorsement of a request, renewals, and the seats at a glance.
 * The fields these add to User, Product, LicenseRequest and
 * LicenseAssignment are this feature's resolvers' (src/resolvers/policies).
 */
import { Field, ID, InputType, Int, registerEnumType } from "type-graphql";
import { ENDORSEMENT_STATES, EndorsementStateValue, enumOf } from "../../values";
import { Product, ServicePlan } from "../catalog/types";
import { Group } from "../groups/types";
import { LicenseRequest } from "../licenseRequests/types";
import { RequestProcessSettings } from "../settings/types";
import { CLIENT_MUTATION_ID_DESCRIPTION, MutationInput } from "../shared/inputs";
import { ObjectType } from "../shared/objectType";
import { MutationPayload } from "../shared/payloads";
import { User } from "../users/types";

export const EndorsementState = enumOf(ENDORSEMENT_STATES);
export type EndorsementState = EndorsementStateValue;
registerEnumType(EndorsementState, {
  name: "EndorsementState",
  valuesConfig: {
    AWAITING: { description: "Waiting for the manager." },
    DECLINED: { description: "The manager declined: the request is DENIED." },
    ESCALATED: { description: "No answer in time: the approvers decide without it." },
    SKIPPED: { description: "The requester has no manager: the approvers decide without it." },
    BYPASSED: { description: "An approver decided before the manager answered." },
  },
});

@ObjectType({
  description:
    "The service approves a new request at once, from the requested product,\nwhen every recipient can get a license now; otherwise the request waits for\na person as usual (and `autoApproveSkippedReason` says why).",
})
export class AutoApprovePolicy {
  @Field(() => Int, { description: "At most this many recipients (1 to 50)." })
  maxRecipients: number;

  @Field(() => Group, { nullable: true, description: "Only when the requester is a member of this group; null: anyone." })
  requesterGroup: Group | null;

  @Field(() => [ServicePlan], { description: "Turned off in the licenses it assigns." })
  disabledServicePlans: ServicePlan[];
}

@ObjectType({
  description: "The requester's manager endorses the request before the approvers are\ntold of it (they can see and decide it meanwhile).",
})
export class ManagerEndorsementPolicy {
  @Field(() => Int, {
    description:
      "Without the manager's answer after this many days (1 to 30), the request\ngoes to the approvers with a note that it was not endorsed (or at half the\nrequest's lifetime, when that comes first).",
  })
  escalateAfterDays: number;
}

@ObjectType({ description: "How one product's requests are handled; every part is off by default." })
export class LicenseRequestPolicy {
  @Field(() => Product)
  product: Product;

  @Field(() => AutoApprovePolicy, { nullable: true, description: "Null when requests for the product are never approved automatically." })
  autoApprove: AutoApprovePolicy | null;

  @Field(() => ManagerEndorsementPolicy, { nullable: true, description: "Null when no endorsement is asked." })
  managerEndorsement: ManagerEndorsementPolicy | null;

  @Field(() => Int, {
    nullable: true,
    description: "Licenses assigned by an approval of this product's requests last this\nmany days, then are reclaimed; null: they last until removed.",
  })
  licenseDurationDays: number | null;

  @Field(() => Date, { nullable: true, description: "When it was last set; null while it was never set (every part off)." })
  updatedAt: Date | null;

  @Field(() => User, { nullable: true })
  updatedBy: User | null;
}

@ObjectType()
export class LicenseRequestEndorsement {
  @Field(() => User, { nullable: true })
  manager: User | null;

  @Field(() => EndorsementState)
  state: EndorsementState;

  @Field(() => Date, { nullable: true, description: "When it ended (null while AWAITING)." })
  at: Date | null;

  @Field(() => String, { nullable: true, description: "The manager's comment, if any." })
  comment: string | null;

  @Field(() => Date, { nullable: true, description: "When it escalates if the manager does not answer." })
  escalatesAt: Date | null;
}

@ObjectType({
  description:
    "A product's seats at a glance (for a chart): every count is of people, now.\n`assigned + available = total`; `requested` may exceed `available`.",
})
export class ProductSeats {
  @Field(() => Int)
  total: number;

  @Field(() => Int)
  assigned: number;

  @Field(() => Int)
  available: number;

  @Field(() => Int, { description: "Recipients of the product's pending requests (renewals included)." })
  requested: number;

  @Field(() => Int, { description: "Licenses held now that will be reclaimed within the next 30 days." })
  reclaimingWithin30Days: number;
}

@InputType()
export class AutoApprovePolicyInput {
  @Field(() => Int, { description: "1 to 50." })
  maxRecipients: number;

  @Field(() => ID, { nullable: true, description: "A group of the organization; null or omitted: anyone." })
  requesterGroupId?: string | null;

  @Field(() => [ID], { nullable: true, description: "Service plans of the product (at most 100)." })
  disabledServicePlanIds?: string[] | null;
}

@InputType()
export class ManagerEndorsementPolicyInput {
  @Field(() => Int, { description: "1 to 30." })
  escalateAfterDays: number;
}

@InputType()
export class SetLicenseRequestPolicyInput extends MutationInput {
  @Field(() => ID)
  productId: string;

  @Field(() => AutoApprovePolicyInput, { nullable: true, description: "Null turns it off; omitted keeps it as it is (so do the fields below)." })
  autoApprove?: AutoApprovePolicyInput | null;

  @Field(() => ManagerEndorsementPolicyInput, { nullable: true, description: "Null turns it off; omitted keeps it." })
  managerEndorsement?: ManagerEndorsementPolicyInput | null;

  @Field(() => Int, { nullable: true, description: "1 to 3,650; null: licenses last until removed (applies to later approvals)." })
  licenseDurationDays?: number | null;
}

@ObjectType()
export class SetLicenseRequestPolicyPayload extends MutationPayload {
  @Field(() => LicenseRequestPolicy, { nullable: true })
  policy: LicenseRequestPolicy | null;
}

@InputType()
export class EndorseLicenseRequestInput extends MutationInput {
  @Field(() => ID)
  requestId: string;

  @Field({ description: "False declines: the request is DENIED, with the comment as its message." })
  endorse: boolean;

  @Field(() => String, { nullable: true, description: "At most 1,000 characters." })
  comment?: string | null;
}

@ObjectType()
export class EndorseLicenseRequestPayload extends MutationPayload {
  @Field(() => LicenseRequest, { nullable: true })
  licenseRequest: LicenseRequest | null;
}

@InputType()
export class EndorseLicenseRequestByLinkInput {
  @Field({
    description: "The secret from the manager's email link; it names the request and the\nmanager. No bearer token is needed for this one mutation.",
  })
  endorsementToken: string;

  @Field()
  endorse: boolean;

  @Field(() => String, { nullable: true, description: "At most 1,000 characters." })
  comment?: string | null;

  @Field(() => String, { nullable: true, description: CLIENT_MUTATION_ID_DESCRIPTION })
  clientMutationId?: string | null;
}

@InputType()
export class RequestLicenseRenewalInput extends MutationInput {
  @Field(() => ID, { description: "One of the viewer's own licenses that has an expiresAt." })
  assignmentId: string;

  @Field(() => String, { nullable: true, description: "At most 2,000 characters." })
  justification?: string | null;
}

@ObjectType()
export class RequestLicenseRenewalPayload extends MutationPayload {
  @Field(() => LicenseRequest, {
    nullable: true,
    description: "The renewal request (its `renewalOf` is the license); null when the organization uses its own request process, or on userErrors.",
  })
  licenseRequest: LicenseRequest | null;

  @Field(() => RequestProcessSettings, {
    nullable: true,
    description:
      "Set (with its message and link) when no request was created because the\norganization uses its own request process (an addition to the contract: as submitLicenseRequest answers).",
  })
  ownRequestProcess: RequestProcessSettings | null;
}
