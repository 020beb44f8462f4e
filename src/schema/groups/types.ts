/**
 * Security groups (contract-admin-center.graphql). `LicenseRequest.eligibleGroups`,
 * `LicenseAssignment.group` and `LicenseRequestDecision.group` are this feature's fields.
 */
import { Field, Int } from "type-graphql";
import { Product } from "../catalog/types";
import { connectionOf } from "../shared/connection";
import { Node } from "../shared/node";
import { ObjectType } from "../shared/objectType";
import { UserConnection } from "../users/types";

@ObjectType({
  implements: Node,
  description: "A security group of the organization. A group licensed with a product gives\neach member a license of it, counted in that product's pool.",
})
export class Group extends Node {
  @Field()
  name: string;

  @Field(() => [Product], { description: "The products this group is licensed with." })
  licensedProducts: Product[];

  @Field(() => Int, { description: "How many people are members." })
  memberCount: number;

  @Field(() => UserConnection, { nullable: true, description: "Members by displayName; null unless the viewer decides requests." })
  members: InstanceType<typeof UserConnection> | null;
}

export const GroupConnection = connectionOf(Group, "Group", {
  edge: "A group in a page of groups.",
  connection: "The organization's security groups, by name.",
});
