/**
 * The live feeds of license requests (api.md "Subscriptions"):
 * `licenseRequestSubmitted` (global admins; optionally one product) and
 * `licenseRequestUpdated` (requests the subscriber may see; optionally one
 * request, or the requests of one product). Both read the activity log live
 * (services/activity/tail.ts): a SUBMITTED entry is a new request, any other
 * entry (a shared link given or withdrawn included) an update.
 * Each event is re-read under the subscriber's visibility (services/shared/live.ts).
 */
import type { LicenseRequestEntity, LicenseRequestEventEntity } from "../../entities";
import { assertCan, can, organizationOf, refusalOf } from "../access/policy";
import type { Loaders } from "../loaders";
import type { EventStream } from "../shared/events";
import type { LocalId } from "../shared/ids";
import type { LiveFeed, LiveRefusal } from "../shared/live";
import type { LicenseRequestQueries } from "./queries";

type SubmittedFeed = LiveFeed<LicenseRequestEventEntity, { productId?: LocalId | undefined }, Loaders, LicenseRequestEntity>;
type UpdatedFeed = LiveFeed<LicenseRequestEventEntity, { requestId?: LocalId | undefined; productId?: LocalId | undefined }, Loaders, LicenseRequestEntity>;

/** NOT_FOUND unless `productId` (when given) names a product of the viewer's organization. */
async function productRefusal(loaders: Loaders, productId: LocalId | undefined): Promise<LiveRefusal | null> {
  if (productId === undefined) return null;
  const products = await loaders.catalog.productById();
  return productId === null || !products.has(productId) ? { code: "NOT_FOUND", message: "No such product." } : null;
}

/** The organization's log from now on (services/activity/tail.ts `ActivityTails.open`). */
export type LiveLog = (organizationId: number, after: number | null) => EventStream<LicenseRequestEventEntity>;

export function licenseRequestFeeds(requests: LicenseRequestQueries, log: LiveLog): { submitted: SubmittedFeed; updated: UpdatedFeed } {
  return {
    submitted: {
      open: (organizationId) => log(organizationId, null),
      async admit(viewer, loaders, args) {
        if (!can(viewer, "requests.subscribeSubmitted", organizationOf(viewer))) {
          return { code: "FORBIDDEN", message: refusalOf("requests.subscribeSubmitted") };
        }
        return productRefusal(loaders, args.productId);
      },
      matches: (event, args) => event.kind === "SUBMITTED" && (args.productId === undefined || event.productId === args.productId),
      visible(viewer, loaders, event) {
        // A global admin demoted since subscribing: the subscription ends.
        assertCan(viewer, "requests.subscribeSubmitted", organizationOf(viewer));
        return requests.findVisible(viewer, loaders, event.requestId);
      },
    },
    updated: {
      open: (organizationId) => log(organizationId, null),
      async admit(viewer, loaders, args) {
        const refusal = await productRefusal(loaders, args.productId);
        if (refusal || args.requestId === undefined) return refusal;
        const visible = args.requestId !== null && (await requests.findVisible(viewer, loaders, args.requestId));
        return visible ? null : { code: "NOT_FOUND", message: "No such license request." };
      },
      matches: (event, args) => event.kind !== "SUBMITTED" && (args.requestId === undefined || event.requestId === args.requestId),
      async visible(viewer, loaders, event, args) {
        const request = await requests.findVisible(viewer, loaders, event.requestId);
        // The event names the request only: its product is judged once it is read.
        return request && (args.productId === undefined || request.productId === args.productId) ? request : null;
      },
    },
  };
}
