/**
 * Subscriptions. Admission (role, visibility of a `requestId`) is checked in
 * graphql-ws `onSubscribe` (src/server/websocket.ts) so a refusal is an `error`
 * message, not `@Authorized` (which would fail inside `subscribe` and answer
 * with a `next` carrying errors). Each event is re-checked and re-read in
 * services/live/liveUpdates.ts; rights that ended end the stream, which graphql-ws
 * answers with an `error` message (FORBIDDEN, UNAUTHENTICATED).
 */
import { Arg, Ctx, ID, Root, Subscription } from "type-graphql";
import type { Context } from "../../context";
import type { LicenseRequestEntity } from "../../entities";
import { LicenseRequest } from "../../schema/licenseRequests/types";

export class LicenseRequestSubscriptions {
  @Subscription(() => LicenseRequest, {
    description: "Each new request of the subscriber's organization (global admins only).",
    subscribe: ({ args, context }) => (context as Context).services.live.submitted(context as Context, (args as { productId?: string | null }).productId),
  })
  licenseRequestSubmitted(
    @Root() request: LicenseRequestEntity,
    @Ctx() _ctx: Context,
    @Arg("productId", () => ID, { nullable: true }) _productId?: string | null,
  ) {
    return request;
  }

  @Subscription(() => LicenseRequest, {
    description: "Each change of status of a request the subscriber may see: approved,\npartially approved, denied, expired, cancelled.",
    subscribe: ({ args, context }) => (context as Context).services.live.updated(context as Context, (args as { requestId?: string | null }).requestId),
  })
  licenseRequestUpdated(
    @Root() request: LicenseRequestEntity,
    @Ctx() _ctx: Context,
    @Arg("requestId", () => ID, { nullable: true }) _requestId?: string | null,
  ) {
    return request;
  }
}
