import { Arg, Ctx, ID, Int, Query, Resolver } from "type-graphql";
import type { Context } from "../context";
import { badUserInput } from "../services/shared/errors";
import { MAX_NODES } from "../services/nodes/nodeLookup";
import { localIdOf } from "../services/shared/ids";
import { LicenseRequestFilter, LicenseRequestOrder } from "../schema/inputs";
import { Node } from "../schema/shared/node";
import {
  LicenseRequest,
  LicenseRequestConnection,
  LicenseRequestDecisionConnection,
  Product,
  RequestProcessSettings,
  User,
  UserConnection,
} from "../schema/types";
import { signedIn } from "./shared/helpers";

@Resolver()
export class QueryResolver {
  @Query(() => Node, { nullable: true })
  node(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.nodes.find(viewer, loaders, id);
  }

  @Query(() => [Node], {
    nullable: "items",
    description: "The nodes in the order of ids (at most 100); null where an id resolves to nothing visible.",
  })
  nodes(@Arg("ids", () => [ID]) ids: string[], @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    if (ids.length > MAX_NODES) throw badUserInput(`\`ids\` takes at most ${MAX_NODES} IDs.`, "ids");
    return Promise.all(ids.map((id) => ctx.services.nodes.find(viewer, loaders, id)));
  }

  @Query(() => User)
  me(@Ctx() ctx: Context) {
    return signedIn(ctx).viewer.user;
  }

  @Query(() => LicenseRequestConnection, {
    description:
      "Global admins see every request of their organization; users see the\nrequests they sent or are a recipient of. Default order: requestedAt DESC.",
  })
  licenseRequests(
    @Ctx() ctx: Context,
    @Arg("filter", () => LicenseRequestFilter, { nullable: true }) filter?: LicenseRequestFilter | null,
    @Arg("orderBy", () => LicenseRequestOrder, { nullable: true }) orderBy?: LicenseRequestOrder | null,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
    @Arg("last", () => Int, { nullable: true }) last?: number | null,
    @Arg("before", () => String, { nullable: true }) before?: string | null,
  ) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.requestQueries.list(viewer, loaders, { filter, orderBy, first, after, last, before }, ctx.now);
  }

  @Query(() => LicenseRequest, {
    nullable: true,
    description: "Same visibility as licenseRequests; null when not visible or not found.",
  })
  licenseRequest(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    const requestId = localIdOf(id, "LicenseRequest");
    return requestId === null ? null : ctx.services.requestQueries.findVisible(viewer, loaders, requestId);
  }

  @Query(() => [Product])
  async products(@Ctx() ctx: Context) {
    return await signedIn(ctx).loaders.products();
  }

  @Query(() => Product, { nullable: true })
  async product(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const productId = localIdOf(id, "Product");
    return productId === null ? null : ((await loaders.productById()).get(productId) ?? null);
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

  @Query(() => RequestProcessSettings, {
    description: "Readable by every user of the organization: a requester needs the message\nand link before asking.",
  })
  requestProcessSettings(@Ctx() ctx: Context) {
    return ctx.services.settings.read(signedIn(ctx).loaders);
  }

  @Query(() => LicenseRequestDecisionConnection, {
    description:
      "The organization's decision history, newest first: every decision, cancellation and expiry " +
      "(an addition to the contract). Global admins only; FORBIDDEN otherwise.",
  })
  licenseRequestDecisions(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
    @Arg("last", () => Int, { nullable: true }) last?: number | null,
    @Arg("before", () => String, { nullable: true }) before?: string | null,
  ) {
    return ctx.services.history.list(signedIn(ctx).viewer, { first, after, last, before });
  }
}
