/**
 * License requests (contract.graphql). Fields other features add to
 * `LicenseRequest` (history, eligibleGroups, recommendations, shares) are
 * declared by their resolvers, in their own folders.
 */
import { Field, Int } from "type-graphql";
import { Product, ServicePlan } from "../catalog/types";
import { LicenseAssignment } from "../licenses/types";
import { connectionOf } from "../shared/connection";
import { Node } from "../shared/node";
import { ObjectType } from "../shared/objectType";
import { User } from "../users/types";
import { LicenseRequestStatus, RecipientDecision } from "./enums";

@ObjectType({ description: "One user a request asks a license for: the requester and each user they named." })
export class LicenseRequestRecipient {
  @Field(() => User)
  user: User;

  @Field(() => RecipientDecision)
  decision: RecipientDecision;

  @Field(() => LicenseAssignment, {
    nullable: true,
    description: "Set once this recipient's license was assigned; null unless the viewer\ndecides this request's product or is this recipient.",
  })
  assignment: LicenseAssignment | null;
}

@ObjectType({ implements: Node })
export class LicenseRequest extends Node {
  @Field(() => Product, { description: "The product that was requested." })
  product: Product;

  @Field(() => User)
  requester: User;

  @Field(() => [LicenseRequestRecipient], { description: "The requester first, then the users they named, in the order given." })
  recipients: LicenseRequestRecipient[];

  @Field(() => Int)
  recipientCount: number;

  @Field(() => String, { nullable: true, description: "The requester's own note." })
  justification: string | null;

  @Field(() => LicenseRequestStatus)
  status: LicenseRequestStatus;

  @Field()
  requestedAt: Date;

  @Field({ description: "requestedAt + 30 days; a request still pending then becomes EXPIRED." })
  expiresAt: Date;

  @Field(() => Date, { nullable: true, description: "When it was approved, denied, cancelled or expired." })
  decidedAt: Date | null;

  @Field(() => User, { nullable: true, description: "The admin who decided, or the requester who cancelled; null when it expired." })
  decidedBy: User | null;

  @Field(() => String, { nullable: true, description: "The admin's optional message, sent to the recipients with the decision." })
  decisionMessage: string | null;

  @Field(() => Product, { nullable: true, description: "The product the licenses were assigned from (may differ from product)." })
  assignedProduct: Product | null;

  @Field(() => [ServicePlan])
  disabledServicePlans: ServicePlan[];

  @Field(() => [Product], {
    description:
      "Products that can fulfil this request: the requested one, and every owned\nproduct whose service plans include all of the requested product's plans.\nThe requested product first, then by name; products with no available\nlicense included (the UI shows availableLicenses).",
  })
  eligibleProducts: Product[];

  @Field({ description: "True when the viewer may approve or deny it now (they decide its product and are not one of its recipients; PENDING, not expired)." })
  viewerCanDecide: boolean;

  @Field({ description: "True when the viewer may cancel it now (its requester, PENDING, not expired)." })
  viewerCanCancel: boolean;
}

export const LicenseRequestConnection = connectionOf(LicenseRequest, "LicenseRequest");
