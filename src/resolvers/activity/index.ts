/**
 * The activity log (contract-live.graphql): `licenseRequestEvents` as a
 * query and as a subscription, and the fields of an entry. IDs in the filter
 * are decoded here; the cursor is the service's (it names a position of the
 * viewer's organization's log, services/activity/cursor.ts).
 */
import { Arg, Ctx, Extensions, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from "type-graphql";
import type { Context } from "../../context";
import type { LicenseRequestEventEntity } from "../../entities";
import { LicenseRequestEvent, LicenseRequestEventConnection, LicenseRequestEventFilter } from "../../schema/activity/types";
import { LicenseRequest } from "../../schema/licenseRequests/types";
import { User } from "../../schema/users/types";
import { encodeActivityCursor } from "../../services/activity/cursor";
import type { ActivityFilter } from "../../services/activity/log";
import { toGlobalId } from "../../services/shared/ids";
import { signedIn } from "../shared/helpers";
import { optionalIdOf } from "../shared/input";
import { liveField } from "../shared/subscriptions";
import { ViewerField } from "../shared/viewerField";

/** The filter with its IDs decoded (an ID that names nothing of its type matches nothing). */
export function activityFilterOf(filter: LicenseRequestEventFilter | null | undefined): ActivityFilter | null {
  if (!filter) return null;
  return {
    kinds: filter.kinds ? [...new Set(filter.kinds)] : null,
    productId: optionalIdOf(filter.productId, "Product"),
    requestId: optionalIdOf(filter.requestId, "LicenseRequest"),
  };
}

const events = liveField(
  (ctx) => ctx.services.activityFeed,
  (args) => ({
    filter: activityFilterOf(args["filter"] as LicenseRequestEventFilter | null | undefined),
    after: (args["after"] as string | null | undefined) ?? null,
  }),
);

@Resolver(() => LicenseRequestEvent)
export class LicenseRequestEventResolver {
  @FieldResolver(() => ID, { description: "The entry's global ID (`node(id:)` reads it)." })
  id(@Root() entry: LicenseRequestEventEntity) {
    return toGlobalId("LicenseRequestEvent", entry.id);
  }

  @FieldResolver(() => String)
  cursor(@Root() entry: LicenseRequestEventEntity) {
    return encodeActivityCursor(entry);
  }

  @FieldResolver(() => User, { nullable: true })
  actor(@Root() entry: LicenseRequestEventEntity, @Ctx() ctx: Context) {
    return entry.actorId === null ? null : signedIn(ctx).loaders.users.userOf(entry.actorId);
  }

  @ViewerField(() => LicenseRequest, { nullable: true, asks: ["request.read"] })
  licenseRequest(@Root() entry: LicenseRequestEventEntity, @Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.requestQueries.findVisible(viewer, loaders, entry.requestId);
  }
}

@Resolver()
export class ActivityOperations {
  @Query(() => LicenseRequestEventConnection, {
    description:
      "The activity the viewer may see, oldest first, after `after` (what a dashboard missed while away). Same visibility as " +
      "licenseRequests. A cursor older than the log keeps is a top-level CURSOR_EXPIRED error: read the lists afresh, then go " +
      "on from the newest cursor. `first`: 1 to 100, default 20; one read looks at no more than 2,000 entries.",
  })
  licenseRequestEvents(
    @Ctx() ctx: Context,
    @Arg("filter", () => LicenseRequestEventFilter, { nullable: true, description: "Which entries; null: every entry the viewer may see." })
    filter?: LicenseRequestEventFilter | null,
    @Arg("first", () => Int, { nullable: true, description: "How many entries at most: 1 to 100, default 20." }) first?: number | null,
    @Arg("after", () => String, {
      nullable: true,
      description:
        "Read the entries after this position (exclusive): an entry's `cursor`, a page's `endCursor` or a `newestCursor`. Null: from the oldest entry the log keeps.",
    })
    after?: string | null,
  ) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.activity.read(viewer, loaders, { filter: activityFilterOf(filter), first: first ?? null, after: after ?? null });
  }
}

@Resolver()
export class ActivitySubscriptions {
  @Subscription(() => LicenseRequestEvent, {
    description:
      "Every entry the subscriber may see, in log order. With `after`: first the entries since that cursor, then live ones, with " +
      "no gap and no duplicate (CURSOR_EXPIRED as for the query when it is too old). Without it: live ones from now.",
    subscribe: events.subscribe,
  })
  @Extensions(events.extensions)
  licenseRequestEvents(
    @Root() entry: LicenseRequestEventEntity,
    @Ctx() _ctx: Context,
    @Arg("filter", () => LicenseRequestEventFilter, { nullable: true, description: "Which entries; null: every entry the subscriber may see." })
    _filter?: LicenseRequestEventFilter | null,
    @Arg("after", () => String, {
      nullable: true,
      description:
        "Replay the entries after this position (exclusive) first, then go on live: the last `cursor` received, or a `newestCursor`. Null: live only, from now.",
    })
    _after?: string | null,
  ) {
    return entry;
  }
}

export const activityResolvers = [LicenseRequestEventResolver, ActivityOperations, ActivitySubscriptions] as const;
