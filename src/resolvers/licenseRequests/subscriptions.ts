/**
 * The subscriptions of license requests, over the feeds of
 * services/licenseRequests/live.ts. Admission (role, visibility of a
 * `requestId`) runs before a subscription starts, from the field's extensions
 * (src/server/websocket.ts), so a refusal is an `error` message; each event is
 * re-checked and re-read, and rights that ended end the stream, which
 * graphql-ws answers with an `error` message (FORBIDDEN, UNAUTHENTICATED).
 */
import { Arg, Ctx, Extensions, ID, Root, Subscription } from "type-graphql";
import type { Context } from "../../context";
import type { LicenseRequestEntity } from "../../entities";
import { LicenseRequest } from "../../schema/licenseRequests/types";
import { optionalIdOf } from "../shared/input";
import { liveField } from "../shared/subscriptions";

const submitted = liveField(
  (ctx) => ctx.services.requestFeeds.submitted,
  (args) => ({ productId: optionalIdOf(args["productId"] as string | null | undefined, "Product") }),
);

const updated = liveField(
  (ctx) => ctx.services.requestFeeds.updated,
  (args) => ({
    requestId: optionalIdOf(args["requestId"] as string | null | undefined, "LicenseRequest"),
    productId: optionalIdOf(args["productId"] as string | null | undefined, "Product"),
  }),
);

export class LicenseRequestSubscriptions {
  @Subscription(() => LicenseRequest, {
    description: "Each new request of the subscriber's organization (for those who decide requests: each event only where they may see the request).",
    subscribe: submitted.subscribe,
  })
  @Extensions(submitted.extensions)
  licenseRequestSubmitted(
    @Root() request: LicenseRequestEntity,
    @Ctx() _ctx: Context,
    @Arg("productId", () => ID, { nullable: true }) _productId?: string | null,
  ) {
    return request;
  }

  @Subscription(() => LicenseRequest, {
    description: "Each change of status of a request the subscriber may see: approved,\npartially approved, denied, expired, cancelled.",
    subscribe: updated.subscribe,
  })
  @Extensions(updated.extensions)
  licenseRequestUpdated(
    @Root() request: LicenseRequestEntity,
    @Ctx() _ctx: Context,
    @Arg("requestId", () => ID, { nullable: true }) _requestId?: string | null,
    @Arg("productId", () => ID, {
      nullable: true,
      description: "Only the requests of this product (an addition to the contract); NOT_FOUND for an ID that names no product of the organization.",
    })
    _productId?: string | null,
  ) {
    return request;
  }
}
