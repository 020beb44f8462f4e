/** What bulk decisions did and what a decision would do (contract-admin-center.graphql). */
import { Field, ID, Int } from "type-graphql";
import { Group } from "../groups/types";
import { LicenseAssignment } from "../licenses/types";
import { ObjectType } from "../shared/objectType";
import { UserError } from "../shared/payloads";
import { Product } from "../catalog/types";
import { User } from "../users/types";
import { LicenseRequest } from "./types";

@ObjectType({ description: "What one decision of decideLicenseRequests did." })
export class LicenseRequestDecisionResult {
  @Field(() => ID, { description: "The request's ID as the decision gave it." })
  requestId: string;

  @Field(() => LicenseRequest, { nullable: true, description: "Null when this decision's userErrors is not empty." })
  licenseRequest: LicenseRequest | null;

  @Field(() => [LicenseAssignment], { description: "The licenses this decision assigned (empty for a denial and on userErrors)." })
  assignments: LicenseAssignment[];

  @Field(() => [UserError], {
    description: 'Why this decision did nothing; fields are under its place in the input, e.g. ["input", "decisions", "2", "productId"].',
  })
  userErrors: UserError[];
}

@ObjectType({ description: "The results of decideLicenseRequests." })
export class DecideLicenseRequestsPayload {
  @Field(() => [LicenseRequestDecisionResult], { description: "One per decision, in input order." })
  results: LicenseRequestDecisionResult[];

  @Field(() => [UserError], { description: "Errors of the call as a whole (e.g. more than 50 decisions); then nothing changed." })
  userErrors: UserError[];

  @Field(() => String, { nullable: true })
  clientMutationId: string | null;
}

@ObjectType({ description: "An email a decision would send." })
export class EmailPreview {
  @Field({ description: "The recipient's address." })
  to: string;

  @Field()
  subject: string;
}

@ObjectType({ description: "What a decision would do (previewLicenseRequestDecision); nothing was changed." })
export class LicenseRequestDecisionPreview {
  @Field(() => LicenseRequest, { nullable: true, description: "The request as it is now; null when the input names none the viewer may see." })
  licenseRequest: LicenseRequest | null;

  @Field(() => [User], { description: "Recipients who would be approved." })
  approvedUsers: User[];

  @Field(() => [User], { description: "Recipients who would be denied." })
  deniedUsers: User[];

  @Field(() => Product, { nullable: true, description: "The product the licenses would come from (directly or through the group)." })
  product: Product | null;

  @Field(() => Group, { nullable: true, description: "The group the approved people would join; null when assigned directly." })
  group: Group | null;

  @Field(() => Int, { nullable: true, description: "The product's availableLicenses after the decision." })
  availableLicensesAfter: number | null;

  @Field(() => [EmailPreview], { description: "The emails the decision would send, one per recipient (none when it would fail)." })
  emails: EmailPreview[];

  @Field(() => [UserError], { description: "What the real call would answer; empty when it would succeed." })
  userErrors: UserError[];
}
