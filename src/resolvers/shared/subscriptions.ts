/**
 * A subscription field over a feature's live feed (services/shared/live.ts):
 * the edge decodes the field's arguments once, and the same decoding serves
 * its admission (before it starts, on the field's extensions, which the
 * transport reads) and its stream.
 */
import type { Context } from "../../context";
import type { Loaders } from "../../services/loaders";
import type { LiveFeed } from "../../services/shared/live";
import { SUBSCRIPTION_ADMISSION, SubscriptionAdmission } from "../../schema/shared/extensions";
import { signedIn } from "./helpers";

export function liveField<E extends object, Args, P>(
  feedOf: (context: Context) => LiveFeed<E, Args, Loaders, P>,
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
