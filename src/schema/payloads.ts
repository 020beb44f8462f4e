/** Mutation payloads: the result, `userErrors` (then nothing changed), and the echoed clientMutationId. */
import { Field, ObjectType } from "type-graphql";
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

@ObjectType()
export class SubmitLicenseRequestPayload {
  @Field(() => LicenseRequest, {
    nullable: true,
    description: "Null when the organization uses its own request process, or on userErrors.",
  })
  licenseRequest: LicenseRequest | null;

  @Field(() => RequestProcessSettings, {
    nullable: true,
    description:
      "Set (with its message and link) when no request was created because the\norganization uses its own request process.",
  })
  ownRequestProcess: RequestProcessSettings | null;

  @Field(() => [UserError])
  userErrors: UserError[];

  @Field(() => String, { nullable: true })
  clientMutationId: string | null;
}

@ObjectType()
export class ApproveLicenseRequestPayload {
  @Field(() => LicenseRequest, { nullable: true, description: "Null when userErrors is not empty." })
  licenseRequest: LicenseRequest | null;

  @Field(() => [LicenseAssignment], { description: "The licenses this approval assigned (empty on userErrors)." })
  assignments: LicenseAssignment[];

  @Field(() => [UserError])
  userErrors: UserError[];

  @Field(() => String, { nullable: true })
  clientMutationId: string | null;
}

@ObjectType()
export class DenyLicenseRequestPayload {
  @Field(() => LicenseRequest, { nullable: true, description: "Null when userErrors is not empty." })
  licenseRequest: LicenseRequest | null;

  @Field(() => [UserError])
  userErrors: UserError[];

  @Field(() => String, { nullable: true })
  clientMutationId: string | null;
}

@ObjectType()
export class CancelLicenseRequestPayload {
  @Field(() => LicenseRequest, { nullable: true, description: "Null when userErrors is not empty." })
  licenseRequest: LicenseRequest | null;

  @Field(() => [UserError])
  userErrors: UserError[];

  @Field(() => String, { nullable: true })
  clientMutationId: string | null;
}

@ObjectType()
export class UpdateRequestProcessSettingsPayload {
  @Field(() => RequestProcessSettings, { nullable: true, description: "Null when userErrors is not empty." })
  settings: RequestProcessSettings | null;

  @Field(() => [UserError])
  userErrors: UserError[];

  @Field(() => String, { nullable: true })
  clientMutationId: string | null;
}
