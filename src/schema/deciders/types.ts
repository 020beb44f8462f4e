/**
 * Who decides (contract-deciders.graphql; api.md "Who decides"): the
 * viewer's permissions, products' approvers, delegations. The fields these
 * add to User, Product, LicenseRequest and LicenseRequestDecision are this
 * feature's resolvers' (src/resolvers/deciders).
 */
import { Field, ID, InputType } from "type-graphql";
import { Product } from "../catalog/types";
import { connectionOf } from "../shared/connection";
import { CLIENT_MUTATION_ID_DESCRIPTION, MutationInput } from "../shared/inputs";
import { Node } from "../shared/node";
import { ObjectType } from "../shared/objectType";
import { MutationPayload } from "../shared/payloads";
import { User } from "../users/types";

@ObjectType({ description: "What the viewer may do in the organization, so a page shows only what works." })
export class ViewerPermissions {
  @Field({ description: "Every request of the organization (global, license and user admins, and their delegates)." })
  decideAllRequests: boolean;

  @Field(() => [Product], {
    description: "Products whose requests the viewer decides as an approver or a delegate\n(empty for the roles above, who decide them all).",
  })
  decidesProducts: Product[];

  @Field({ description: "Request-process settings, policies and product approvers." })
  manageRequestProcess: boolean;

  @Field()
  manageWebhooks: boolean;
}

@ObjectType({
  implements: Node,
  description: "An approver's rights lent to someone else for a while (one level: what was\nlent cannot be lent on).",
})
export class ApprovalDelegation extends Node {
  @Field(() => User)
  from: User;

  @Field(() => User)
  to: User;

  @Field()
  startsAt: Date;

  @Field()
  endsAt: Date;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: "Set when it was ended before endsAt." })
  cancelledAt: Date | null;
}

export const ApprovalDelegationConnection = connectionOf(ApprovalDelegation, "ApprovalDelegation");

@InputType()
export class SetProductApproversInput extends MutationInput {
  @Field(() => ID)
  productId: string;

  @Field(() => [ID], { description: "The whole list (replaces the previous one); at most 20 people of the organization." })
  userIds: string[];
}

@ObjectType()
export class SetProductApproversPayload extends MutationPayload {
  @Field(() => Product, { nullable: true })
  product: Product | null;
}

@InputType()
export class DelegateApprovalsInput extends MutationInput {
  @Field(() => ID)
  toUserId: string;

  @Field(() => Date, { nullable: true, description: "Default now." })
  startsAt?: Date | null;

  @Field({ description: "At most 90 days after startsAt." })
  endsAt: Date;
}

@ObjectType()
export class DelegateApprovalsPayload extends MutationPayload {
  @Field(() => ApprovalDelegation, { nullable: true })
  delegation: ApprovalDelegation | null;
}

@InputType()
export class CancelApprovalDelegationInput {
  @Field(() => ID)
  delegationId: string;

  @Field(() => String, { nullable: true, description: CLIENT_MUTATION_ID_DESCRIPTION })
  clientMutationId?: string | null;
}

@ObjectType()
export class CancelApprovalDelegationPayload extends MutationPayload {
  @Field(() => ApprovalDelegation, { nullable: true })
  delegation: ApprovalDelegation | null;
}
