/**
 * A subscription field over a feature's live feed (services/shared/live.ts):
 * the edge decodes the field's arguments once, and the same decoding serves
 * its admission (before it starts, on the field's extensions, which the
 * transport reads) and its stream.
 */
import type { Context } from "../../context";
import type { Loaders } from "../../services/loaders";
import type { TopicName } from "../../services/shared/events";
import type { LiveFeed } from "../../services/shared/live";
import { SUBSCRIPTION_ADMISSION, SubscriptionAdmission } from "../../schema/shared/extensions";
import { signedIn } from "./helpers";

export function liveField<T extends TopicName, Args, P>(
  feedOf: (context: Context) => LiveFeed<T, Args, Loaders, P>,
  decodeArgs: (args: Record<string, unknown>) => Args,
): {
  subscribe: (resolverData: { args: Record<string, unknown>; context: unknown }) => AsyncIterableIterator<P>;
  extensions: { [SUBSCRIPTION_ADMISSION]: SubscriptionAdmission };
} {
  const admission: SubscriptionAdmission = (context, args) => {
    const ctx = context as Context;
    return ctx.services.live.admit(feedOf(ctx), signedIn(ctx).viewer, decodeArgs(args));
  };
  return {
    subscribe: ({ args, context }) => {
      const ctx = context as Context;
      return ctx.services.live.stream(feedOf(ctx), ctx, decodeArgs(args));
    },
    extensions: { [SUBSCRIPTION_ADMISSION]: admission },
  };
}
