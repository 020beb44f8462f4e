/** People: `me`, the people picker `users`, and the fields of User and Organization. */
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { OrganizationEntity, UserEntity } from "../../entities";
import { toGlobalId } from "../../services/shared/ids";
import { Organization, Role, User, UserConnection } from "../../schema/users/types";
import { signedIn } from "../shared/helpers";
import { asMe } from "../shared/me";

@Resolver(() => Organization)
class OrganizationResolver {
  @FieldResolver(() => ID)
  id(@Root() organization: OrganizationEntity) {
    return toGlobalId("Organization", organization.id);
  }
}

@Resolver(() => User)
class UserResolver {
  @FieldResolver(() => ID)
  id(@Root() user: UserEntity) {
    return toGlobalId("User", user.id);
  }

  @FieldResolver(() => [Role])
  roles(@Root() user: UserEntity) {
    return user.role === "USER" ? [Role.USER] : [Role.USER, user.role];
  }

  @FieldResolver(() => Organization)
  organization(@Root() user: UserEntity, @Ctx() ctx: Context) {
    return signedIn(ctx).loaders.users.organization.load(user.organizationId);
  }
}

@Resolver()
class UserQueries {
  @Query(() => User)
  me(@Ctx() ctx: Context) {
    return asMe(signedIn(ctx).viewer.user);
  }

  @Query(() => UserConnection, {
    description: "People of the viewer's organization, matched case-insensitively on\ndisplayName and email, ordered by displayName (a people picker).",
  })
  users(
    @Ctx() ctx: Context,
    @Arg("search", () => String, { nullable: true }) search?: string | null,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ) {
    return ctx.services.users.search(signedIn(ctx).viewer, { search, first, after });
  }
}

export const userResolvers = [OrganizationResolver, UserResolver, UserQueries] as const;
