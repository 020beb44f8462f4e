/** People and their organization (contract.graphql). `User.licenses` is the licenses feature's field. */
import { Field, registerEnumType } from "type-graphql";
import { enumOf, RoleValue, ROLES } from "../../values";
import { connectionOf } from "../shared/connection";
import { Node } from "../shared/node";
import { ObjectType } from "../shared/objectType";

export const Role = enumOf(ROLES);
export type Role = RoleValue;
registerEnumType(Role, { name: "Role" });

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
}

export const UserConnection = connectionOf(User, "User");
