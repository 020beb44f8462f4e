/** The payloads of license requests' mutations: the result, `userErrors` (then nothing changed), and the echoed clientMutationId. */
import { Field } from "type-graphql";
import { LicenseAssignment } from "../licenses/types";
import { ObjectType } from "../shared/objectType";
import { MutationPayload } from "../shared/payloads";
import { RequestProcessSettings } from "../settings/types";
import { LicenseRequest } from "./types";

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
