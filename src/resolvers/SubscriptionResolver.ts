/**
 * Subscriptions. Admission (role, visibility of a `requestId`) is checked in
 * graphql-ws `onSubscribe` (src/server/websocket.ts) so a refusal is an `error`
 * message; here each event is re-checked and re-read (services/LiveUpdates.ts).
 */
import { Arg, Ctx, ID, Root, Subscription } from "type-graphql";
import type { Context } from "../context";
import { forbidden } from "../services/errors";
import type { LiveItem } from "../services/LiveUpdates";
import { LicenseRequest } from "../schema/types";

function requestOf(item: LiveItem) {
  if ("revoked" in item) throw forbidden("Your access to this subscription has ended (role or token changed).");
  return item.request;
}

export class SubscriptionResolver {
  @Subscription(() => LicenseRequest, {
    description: "Each new request of the subscriber's organization (global admins only).",
    subscribe: ({ args, context }) => (context as Context).services.live.submitted(context as Context, args.productId),
  })
  licenseRequestSubmitted(
    @Root() item: LiveItem,
    @Ctx() _ctx: Context,
    @Arg("productId", () => ID, { nullable: true }) _productId?: string | null,
  ) {
    return requestOf(item);
  }

  @Subscription(() => LicenseRequest, {
    description:
      "Each change of status of a request the subscriber may see: approved,\npartially approved, denied, expired, cancelled.",
    subscribe: ({ args, context }) => (context as Context).services.live.updated(context as Context, args.requestId),
  })
  licenseRequestUpdated(
    @Root() item: LiveItem,
    @Ctx() _ctx: Context,
    @Arg("requestId", () => ID, { nullable: true }) _requestId?: string | null,
  ) {
    return requestOf(item);
  }
}
