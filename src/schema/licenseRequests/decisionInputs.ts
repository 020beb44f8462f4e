/** Inputs of group assignment, bulk decisions and the decision preview (contract-admin-center.graphql). */
import { Field, ID, InputType, registerEnumType } from "type-graphql";

export enum LicenseRequestDecisionKind {
  APPROVE = "APPROVE",
  DENY = "DENY",
}

registerEnumType(LicenseRequestDecisionKind, {
  name: "LicenseRequestDecisionKind",
  description: "Which decision: an approval (possibly partial) or a denial.",
});

@InputType({ description: "Assign by adding the approved people to a licensed group instead of directly." })
export class AssignThroughInput {
  @Field(() => ID, {
    description:
      "A group of the organization licensed with one of the request's eligibleProducts (see eligibleGroups); its product is the one assigned, counted in that product's pool.",
  })
  groupId: string;
}

@InputType({ description: "One decision, as approveLicenseRequest or denyLicenseRequest would take it." })
export class LicenseRequestDecisionInput {
  @Field(() => ID)
  requestId: string;

  @Field(() => LicenseRequestDecisionKind)
  decision: LicenseRequestDecisionKind;

  @Field(() => ID, { nullable: true, description: "APPROVE only: the product to assign from (default the requested one, or the group's)." })
  productId?: string | null;

  @Field(() => [ID], { nullable: true, description: "APPROVE only: recipients denied while the rest are approved." })
  excludedUserIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: "APPROVE only: apps of the chosen product to turn off." })
  disabledServicePlanIds?: string[] | null;

  @Field(() => AssignThroughInput, { nullable: true, description: "APPROVE only: assign through this group instead of directly." })
  assignThrough?: AssignThroughInput | null;

  @Field(() => String, { nullable: true, description: "Sent to the recipients with the decision (at most 1,000 chars)." })
  message?: string | null;
}

@InputType({ description: "Up to 50 decisions in one call; each is decided on its own, with the single-decision rules." })
export class DecideLicenseRequestsInput {
  @Field(() => [LicenseRequestDecisionInput], {
    description: "At most 50; each is decided atomically on its own. The same request twice, none, or more than 50: a userError of the call, nothing changed.",
  })
  decisions: LicenseRequestDecisionInput[];

  @Field(() => String, {
    nullable: true,
    description:
      "Makes a retry safe: the same key from the same user within 24 hours replays the decisions that acted and runs again those that gave userErrors (at most 64 chars).",
  })
  idempotencyKey?: string | null;

  @Field(() => String, { nullable: true, description: "Echoed in the payload (Relay); does not deduplicate." })
  clientMutationId?: string | null;
}
