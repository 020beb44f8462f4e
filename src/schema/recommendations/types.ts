/**
 * Second opinions (contract-admin-center.graphql; api.md "Second opinions"):
 * a request shared with one person, their recommendation, and the inputs and
 * payloads of shareLicenseRequest and recordRecommendation; and, as additions
 * to the contract, `LicenseRequestShare.revokedAt` and revokeLicenseRequestShare.
 * `LicenseRequest.recommendations` and `LicenseRequest.shares` are this
 * feature's fields (src/resolvers/recommendations).
 */
import { Field, ID, InputType, registerEnumType } from "type-graphql";
import { ObjectType } from "../shared/objectType";
import { enumOf } from "../../values";
import { Node } from "../shared/node";
import { UserError } from "../shared/payloads";
import { LicenseRequest } from "../licenseRequests/types";
import { User } from "../users/types";

export const RecommendationVerdict = enumOf(["APPROVE", "DENY"] as const);
export type RecommendationVerdict = (typeof RecommendationVerdict)[keyof typeof RecommendationVerdict];
registerEnumType(RecommendationVerdict, {
  name: "RecommendationVerdict",
  description: "What a person asked for a second opinion recommends: approving the request or denying it.",
});

@ObjectType({
  implements: Node,
  description: "One person's answer to a request shared for a second opinion. It is advice to the admins: it never decides the request.",
})
export class LicenseRequestRecommendation extends Node {
  @Field(() => User, { description: "The person the request was shared with." })
  by: User;

  @Field(() => RecommendationVerdict)
  verdict: RecommendationVerdict;

  @Field(() => String, { nullable: true, description: "Their optional comment (at most 1,000 characters)." })
  comment: string | null;

  @Field({ description: "When they answered." })
  at: Date;
}

@ObjectType({ implements: Node, description: "A request shared with one person for a second opinion." })
export class LicenseRequestShare extends Node {
  @Field(() => LicenseRequest)
  licenseRequest: LicenseRequest;

  @Field(() => User)
  sharedWith: User;

  @Field(() => User)
  sharedBy: User;

  @Field()
  sharedAt: Date;

  @Field({
    description: "The link stops working then (and when the request is decided): 7 days after sharedAt, or the request's expiresAt when that comes first.",
  })
  expiresAt: Date;

  @Field(() => LicenseRequestRecommendation, { nullable: true, description: "Null until they answer." })
  recommendation: LicenseRequestRecommendation | null;

  @Field(() => Date, {
    nullable: true,
    description:
      "When an admin withdrew the link with revokeLicenseRequestShare (an addition to the contract); null while it was not. A withdrawn link records nothing.",
  })
  revokedAt: Date | null;
}

@InputType({ description: "Shares a pending request with 1 to 10 people of the organization (those who decide it)." })
export class ShareLicenseRequestInput {
  @Field(() => ID)
  requestId: string;

  @Field(() => [ID], {
    description: "People of the organization, any role; each gets one email with a link. 1 to 10 people; a person named twice is asked once.",
  })
  userIds: string[];

  @Field(() => String, { nullable: true, description: "The email's subject (at most 200 characters); default: who asks about which product." })
  subject?: string | null;

  @Field(() => String, { nullable: true, description: "A message to them, in the email (at most 1,000 characters)." })
  message?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Makes a retry safe: the same key from the same user for the same mutation\nwithin 24 hours acts once and answers as the first call did (at most 64 chars).",
  })
  idempotencyKey?: string | null;

  @Field(() => String, { nullable: true, description: "Echoed in the payload (Relay); does not deduplicate." })
  clientMutationId?: string | null;
}

@ObjectType()
export class ShareLicenseRequestPayload {
  @Field(() => [LicenseRequestShare], { description: "Empty on userErrors." })
  shares: LicenseRequestShare[];

  @Field(() => LicenseRequest, { nullable: true, description: "Null when userErrors is not empty." })
  licenseRequest: LicenseRequest | null;

  @Field(() => [UserError])
  userErrors: UserError[];

  @Field(() => String, { nullable: true })
  clientMutationId: string | null;
}

@InputType({ description: "One answer through a shared link." })
export class RecordRecommendationInput {
  @Field({
    description:
      "The secret from the shared link; it identifies the share and its person.\nNo bearer token is needed for this one mutation. A link answers once.",
  })
  shareToken: string;

  @Field(() => RecommendationVerdict)
  verdict: RecommendationVerdict;

  @Field(() => String, { nullable: true, description: "At most 1,000 characters." })
  comment?: string | null;

  @Field(() => String, { nullable: true, description: "Echoed in the payload (Relay); does not deduplicate." })
  clientMutationId?: string | null;
}

@ObjectType()
export class RecordRecommendationPayload {
  @Field(() => LicenseRequestRecommendation, { nullable: true, description: "Null when userErrors is not empty." })
  recommendation: LicenseRequestRecommendation | null;

  @Field(() => [UserError], {
    description:
      "NOT_FOUND for a link that names nothing (unknown, malformed or forged); CONFLICT for one already used, expired, or whose request is no longer pending.",
  })
  userErrors: UserError[];

  @Field(() => String, { nullable: true })
  clientMutationId: string | null;
}

@InputType({ description: "Withdraws a shared link (those who decide its request; an addition to the contract)." })
export class RevokeLicenseRequestShareInput {
  @Field(() => ID, { description: "The LicenseRequestShare whose link to withdraw." })
  shareId: string;

  @Field(() => String, {
    nullable: true,
    description:
      "Makes a retry safe: the same key from the same user for the same mutation\nwithin 24 hours acts once and answers as the first call did (at most 64 chars).",
  })
  idempotencyKey?: string | null;

  @Field(() => String, { nullable: true, description: "Echoed in the payload (Relay); does not deduplicate." })
  clientMutationId?: string | null;
}

@ObjectType({ description: "What revokeLicenseRequestShare did (an addition to the contract)." })
export class RevokeLicenseRequestSharePayload {
  @Field(() => LicenseRequestShare, { nullable: true, description: "The share, its revokedAt set; null when userErrors is not empty." })
  share: LicenseRequestShare | null;

  @Field(() => [UserError], {
    description:
      "NOT_FOUND for a share that names nothing (another organization's included); CONFLICT for a link already withdrawn, already used, expired, or whose request is no longer pending, saying which.",
  })
  userErrors: UserError[];

  @Field(() => String, { nullable: true })
  clientMutationId: string | null;
}
