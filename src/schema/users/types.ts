/** People and their organization (contract.graphql). `User.licenses` is the licenses feature's field. */
import { Field, registerEnumType } from "type-graphql";
import { enumOf, RoleValue, ROLES } from "../../values";
import { connectionOf } from "../shared/connection";
import { Node } from "../shared/node";
import { ObjectType } from "../shared/objectType";

export const Role = enumOf(ROLES);
export type Role = RoleValue;
registerEnumType(Role, {
  name: "Role",
  valuesConfig: {
    LICENSE_ADMIN: {
      description: "Sees and decides every request of the organization; manages the request\nprocess, policies and product approvers (not webhooks).",
    },
    USER_ADMIN: { description: "Sees and decides every request of the organization." },
  },
});

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

  @Field(() => [Role], { description: "Every user has USER; an admin has their admin role too (GLOBAL_ADMIN, LICENSE_ADMIN or USER_ADMIN)." })
  roles: Role[];

  @Field(() => Organization)
  organization: Organization;
}

export const UserConnection = connectionOf(User, "User");
