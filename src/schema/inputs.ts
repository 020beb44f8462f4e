/** Input types of the contract. Bounds are checked in the services (see api.md "Rules"). */
import { Field, ID, InputType } from "type-graphql";
import { AssignThroughInput } from "./licenseRequests/decisionInputs";
import { LicenseRequestOrderField, LicenseRequestState, LicenseRequestStatus, OrderDirection } from "./enums";
import { AdminNotification } from "./settings/adminNotification";

const IDEMPOTENCY_KEY_DESCRIPTION =
  "Makes a retry safe: the same key from the same user for the same mutation\nwithin 24 hours acts once and answers as the first call did (at most 64 chars).";
const CLIENT_MUTATION_ID_DESCRIPTION = "Echoed in the payload (Relay); does not deduplicate.";

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

/** What every mutation input has: a key that makes a retry safe, and the Relay echo. No argument takes the base itself, so the schema has no type of that name. */
@InputType()
abstract class MutationInput {
  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  idempotencyKey?: string | null;

  @Field(() => String, { nullable: true, description: CLIENT_MUTATION_ID_DESCRIPTION })
  clientMutationId?: string | null;
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

@InputType({ description: "An omitted message or documentationUrl keeps its value; an explicit null clears it." })
export class UpdateRequestProcessSettingsInput extends MutationInput {
  @Field()
  useOwnRequestProcess: boolean;

  @Field(() => String, { nullable: true })
  message?: string | null;

  @Field(() => String, { nullable: true })
  documentationUrl?: string | null;

  @Field(() => AdminNotification, { nullable: true, description: "When the global admins hear of a new request; omitted or null keeps the current choice." })
  adminNotification?: AdminNotification | null;
}
