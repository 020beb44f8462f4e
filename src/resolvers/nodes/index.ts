/** `node` and `nodes`: any global ID to what it names, when the viewer may see it. */
import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import type { Context } from "../../context";
import { checkNodeCount } from "../../services/nodes/nodeLookup";
import { fromGlobalId } from "../../services/shared/ids";
import { Node } from "../../schema/shared/node";
import { signedIn } from "../shared/helpers";

@Resolver()
class NodeQueries {
  @Query(() => Node, { nullable: true })
  node(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.nodes.find(viewer, loaders, fromGlobalId(id));
  }

  @Query(() => [Node], {
    nullable: "items",
    description: "The nodes in the order of ids (at most 100); null where an id resolves to nothing visible.",
  })
  nodes(@Arg("ids", () => [ID]) ids: string[], @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    checkNodeCount(ids.length);
    return Promise.all(ids.map((id) => ctx.services.nodes.find(viewer, loaders, fromGlobalId(id))));
  }
}

export const nodeResolvers = [NodeQueries] as const;
