/** Mutation payloads: the result, `userErrors` (then nothing changed), and the echoed clientMutationId. */
import { Field } from "type-graphql";
import { ObjectType } from "./shared/objectType";
import { UserErrorCode } from "./enums";
import { LicenseAssignment, LicenseRequest, RequestProcessSettings } from "./types";

@ObjectType()
export class UserError {
  @Field(() => UserErrorCode)
  code: UserErrorCode;

  @Field({ description: "A sentence a person can act on." })
  message: string;

  @Field(() => [String], {
    nullable: true,
    description: 'Path to the input field at fault, e.g. ["input", "excludedUserIds", "1"].',
  })
  field: string[] | null;
}

/** What every payload has: the user errors (then nothing changed) and the echoed clientMutationId. No field returns the base itself, so the schema has no type of that name. */
@ObjectType()
abstract class MutationPayload {
  @Field(() => [UserError])
  userErrors: UserError[];

  @Field(() => String, { nullable: true })
  clientMutationId: string | null;
}

@ObjectType()
export class SubmitLicenseRequestPayload extends MutationPayload {
  @Field(() => LicenseRequest, {
    nullable: true,
    description: "Null when the organization uses its own request process, or on userErrors.",
  })
  licenseRequest: LicenseRequest | null;

  @Field(() => RequestProcessSettings, {
    nullable: true,
    description: "Set (with its message and link) when no request was created because the\norganization uses its own request process.",
  })
  ownRequestProcess: RequestProcessSettings | null;
}

@ObjectType()
export class ApproveLicenseRequestPayload extends MutationPayload {
  @Field(() => LicenseRequest, { nullable: true, description: "Null when userErrors is not empty." })
  licenseRequest: LicenseRequest | null;

  @Field(() => [LicenseAssignment], { description: "The licenses this approval assigned (empty on userErrors)." })
  assignments: LicenseAssignment[];
}

@ObjectType()
export class DenyLicenseRequestPayload extends MutationPayload {
  @Field(() => LicenseRequest, { nullable: true, description: "Null when userErrors is not empty." })
  licenseRequest: LicenseRequest | null;
}

@ObjectType()
export class CancelLicenseRequestPayload extends MutationPayload {
  @Field(() => LicenseRequest, { nullable: true, description: "Null when userErrors is not empty." })
  licenseRequest: LicenseRequest | null;
}

@ObjectType()
export class UpdateRequestProcessSettingsPayload extends MutationPayload {
  @Field(() => RequestProcessSettings, { nullable: true, description: "Null when userErrors is not empty." })
  settings: RequestProcessSettings | null;
}
