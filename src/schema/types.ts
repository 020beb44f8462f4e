/**
 * The public object types of the contract (shared/design/contract.graphql).
 * Field resolvers in src/resolvers compute what is no column (global IDs,
 * relations, effective status, viewer fields).
 */
import { Field, Int } from "type-graphql";
import { ObjectType } from "./shared/objectType";
import { LicenseRequestDecisionAction, LicenseRequestStatus, RecipientDecision, Role } from "./enums";
import { connectionOf, PageInfo } from "./shared/connection";

export { PageInfo };
import type { Lazy } from "./shared/node";
import { Node } from "./shared/node";

@ObjectType({ implements: Node })
export class Organization extends Node {
  @Field()
  name: string;
}

@ObjectType({ implements: Node })
export class User extends Node {
  @Field()
  displayName: string;

  @Field()
  email: string;

  @Field(() => [Role], { description: "Every user has USER; global admins have GLOBAL_ADMIN too." })
  roles: Role[];

  @Field(() => Organization)
  organization: Organization;

  @Field(() => [LicenseAssignment], {
    nullable: true,
    description: "Licenses assigned to this user; null unless the viewer is a global admin\nor this user.",
  })
  licenses: LicenseAssignment[] | null;
}

@ObjectType({ implements: Node, description: "An app or service inside a product (e.g. Exchange Online, Power BI)." })
export class ServicePlan extends Node {
  @Field({ description: 'Display name, e.g. "Power BI Pro".' })
  name: string;

  @Field({ description: 'Stable code, e.g. "BI_AZURE_P2".' })
  servicePlanName: string;
}

@ObjectType({ implements: Node, description: "A product the organization owns licenses for (a SKU with its license pool)." })
export class Product extends Node {
  @Field()
  name: string;

  @Field()
  skuPartNumber: string;

  @Field({ description: "When false, users cannot buy it themselves and must send a license request." })
  selfServicePurchaseAllowed: boolean;

  @Field(() => [ServicePlan])
  servicePlans: ServicePlan[];

  @Field(() => Int)
  totalLicenses: number;

  @Field(() => Int)
  assignedLicenses: number;

  @Field(() => Int)
  availableLicenses: number;
}

@ObjectType({ implements: Node })
export class LicenseAssignment extends Node {
  @Field(() => User)
  user: User;

  @Field(() => Product)
  product: Product;

  @Field(() => [ServicePlan], { description: "Apps and services turned off in this license." })
  disabledServicePlans: ServicePlan[];

  @Field()
  assignedAt: Date;

  @Field(() => LicenseRequest, { nullable: true, description: "The request this assignment came from, if any." })
  request: Lazy<LicenseRequest> | null;
}

@ObjectType({ description: "One user a request asks a license for: the requester and each user they named." })
export class LicenseRequestRecipient {
  @Field(() => User)
  user: User;

  @Field(() => RecipientDecision)
  decision: RecipientDecision;

  @Field(() => LicenseAssignment, {
    nullable: true,
    description: "Set once this recipient's license was assigned; null unless the viewer is\na global admin or this recipient.",
  })
  assignment: LicenseAssignment | null;
}

@ObjectType({
  implements: Node,
  description:
    "One entry of a request's history (an addition to the contract): a decision, a cancellation or the expiry, " +
    "with who, when, from which product, which apps were off and the message. Kept after the request's 30 days; " +
    "visible to the organization's global admins only.",
})
export class LicenseRequestDecision extends Node {
  @Field(() => LicenseRequest)
  request: Lazy<LicenseRequest>;

  @Field(() => LicenseRequestDecisionAction)
  action: LicenseRequestDecisionAction;

  @Field(() => User, {
    nullable: true,
    description: "The admin who decided, the requester who cancelled, or the person who gave a second opinion; null for expiry.",
  })
  actor: User | null;

  @Field()
  at: Date;

  @Field(() => Product, { nullable: true, description: "The product the licenses were assigned from (approvals)." })
  product: Product | null;

  @Field(() => [ServicePlan])
  disabledServicePlans: ServicePlan[];

  @Field(() => [User], { description: "Recipients who were approved by this decision." })
  approvedUsers: User[];

  @Field(() => [User], { description: "Recipients who were denied by this decision." })
  deniedUsers: User[];

  @Field(() => String, { nullable: true })
  message: string | null;
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

  @Field({ description: "True when the viewer may approve or deny it now (global admin, PENDING, not expired)." })
  viewerCanDecide: boolean;

  @Field({ description: "True when the viewer may cancel it now (its requester, PENDING, not expired)." })
  viewerCanCancel: boolean;

  @Field(() => [LicenseRequestDecision], {
    nullable: true,
    description: "Its history, oldest first (an addition to the contract): null unless the viewer is a global admin.",
  })
  history: LicenseRequestDecision[] | null;
}

@ObjectType({ implements: Node, description: "The organization's choice to use its own request process instead of requests." })
export class RequestProcessSettings extends Node {
  @Field()
  useOwnRequestProcess: boolean;

  @Field(() => String, { nullable: true, description: "What users see instead of a request form while useOwnRequestProcess is on." })
  message: string | null;

  @Field(() => String, { nullable: true, description: "Optional link to the organization's policy or documentation." })
  documentationUrl: string | null;

  @Field(() => Date, { nullable: true })
  updatedAt: Date | null;

  @Field(() => User, { nullable: true })
  updatedBy: User | null;
}

export const LicenseRequestConnection = connectionOf(LicenseRequest, "LicenseRequest");
export const UserConnection = connectionOf(User, "User");
export const LicenseRequestDecisionConnection = connectionOf(LicenseRequestDecision, "LicenseRequestDecision", {
  edge: "A page of a request history (an addition to the contract).",
  connection: "The organization's decision history, newest first (an addition to the contract).",
});
