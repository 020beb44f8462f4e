/**
 * A license held by a user (contract.graphql). `request` is the license
 * requests feature's field and `group` the groups feature's: they point up.
 */
import { Field } from "type-graphql";
import { Product, ServicePlan } from "../catalog/types";
import { Node } from "../shared/node";
import { ObjectType } from "../shared/objectType";
import { User } from "../users/types";

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
}
