/** The inputs of license requests: the list's filter and order, and the mutations' inputs. Bounds are checked in the services (api.md "Rules"). */
import { Field, ID, InputType } from "type-graphql";
import { OrderDirection } from "../shared/enums";
import { MutationInput } from "../shared/inputs";
import { AssignThroughInput } from "./decisionInputs";
import { LicenseRequestOrderField, LicenseRequestState, LicenseRequestStatus } from "./enums";

@InputType({ description: "All given criteria must hold (state and statuses intersect)." })
export class LicenseRequestFilter {
  @Field(() => LicenseRequestState, { nullable: true })
  state?: LicenseRequestState | null;

  @Field(() => [LicenseRequestStatus], { nullable: true })
  statuses?: LicenseRequestStatus[] | null;

  @Field(() => ID, { nullable: true })
  productId?: string | null;

  @Field(() => ID, { nullable: true })
  requesterId?: string | null;
}

@InputType()
export class LicenseRequestOrder {
  @Field(() => LicenseRequestOrderField)
  field: LicenseRequestOrderField;

  @Field(() => OrderDirection)
  direction: OrderDirection;
}

@InputType()
export class SubmitLicenseRequestInput extends MutationInput {
  @Field(() => ID)
  productId: string;

  @Field(() => [ID], { nullable: true, description: "Other users of the organization who also need the product." })
  additionalUserIds?: string[] | null;

  @Field(() => String, { nullable: true })
  justification?: string | null;
}

@InputType()
export class ApproveLicenseRequestInput extends MutationInput {
  @Field(() => ID)
  requestId: string;

  @Field(() => ID, {
    nullable: true,
    description: "The product to assign licenses from; one of eligibleProducts. Default: the requested product.",
  })
  productId?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description: '"Don\'t assign to these users": recipients denied while the rest are approved.',
  })
  excludedUserIds?: string[] | null;

  @Field(() => [ID], {
    nullable: true,
    description: "Apps and services of the chosen product to turn off in the assigned licenses.",
  })
  disabledServicePlanIds?: string[] | null;

  @Field(() => String, { nullable: true })
  message?: string | null;

  @Field(() => AssignThroughInput, {
    nullable: true,
    description: "Default: licenses are assigned directly from productId. With a group, the approved people join it and get its product.",
  })
  assignThrough?: AssignThroughInput | null;
}

@InputType()
export class DenyLicenseRequestInput extends MutationInput {
  @Field(() => ID)
  requestId: string;

  @Field(() => String, { nullable: true })
  message?: string | null;
}

@InputType()
export class CancelLicenseRequestInput extends MutationInput {
  @Field(() => ID)
  requestId: string;
}
