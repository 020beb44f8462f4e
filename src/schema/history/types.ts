/**
 * The decision history (an addition to the contract): one entry per decision,
 * cancellation, expiry or second opinion. `LicenseRequest.history` is this
 * feature's field.
 */
import { Field, registerEnumType } from "type-graphql";
import { DECISION_ACTIONS, DecisionActionValue, enumOf } from "../../values";
import { Product, ServicePlan } from "../catalog/types";
import { LicenseRequest } from "../licenseRequests/types";
import { connectionOf } from "../shared/connection";
import { Node } from "../shared/node";
import { ObjectType } from "../shared/objectType";
import { User } from "../users/types";

/** What happened to a request, as kept in its history. */
export const LicenseRequestDecisionAction = enumOf(DECISION_ACTIONS);
export type LicenseRequestDecisionAction = DecisionActionValue;
registerEnumType(LicenseRequestDecisionAction, {
  name: "LicenseRequestDecisionAction",
  description:
    "What happened to a request: a decision, a cancellation or its expiry; or a second opinion recorded through a shared link (RECOMMENDED_APPROVAL, RECOMMENDED_DENIAL: the actor is the person asked, the message their comment; it decides nothing).",
});

@ObjectType({
  implements: Node,
  description:
    "One entry of a request's history (an addition to the contract): a decision, a cancellation or the expiry, " +
    "with who, when, from which product, which apps were off and the message. Kept after the request's 30 days; " +
    "visible to those who decide its request (the admin roles for every request, a product's approvers and delegates for theirs).",
})
export class LicenseRequestDecision extends Node {
  @Field(() => LicenseRequest)
  request: LicenseRequest;

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

export const LicenseRequestDecisionConnection = connectionOf(LicenseRequestDecision, "LicenseRequestDecision", {
  edge: "A page of a request history (an addition to the contract).",
  connection: "The organization's decision history, newest first (an addition to the contract).",
});
