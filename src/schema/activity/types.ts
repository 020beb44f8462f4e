/**
 * The activity log (contract-live.graphql; api.md "Nothing missed"): every
 * change of a request as an entry, in the order the changes committed, read
 * from a cursor as a query or a subscription.
 */
import { Field, ID, InputType, registerEnumType } from "type-graphql";
import { ACTIVITY_KINDS, ActivityKindValue, enumOf } from "../../values";
import { LicenseRequestStatus } from "../licenseRequests/enums";
import { LicenseRequest } from "../licenseRequests/types";
import { PageInfo } from "../shared/connection";
import { Node } from "../shared/node";
import { ObjectType } from "../shared/objectType";
import { User } from "../users/types";

export const LicenseRequestEventKind = enumOf(ACTIVITY_KINDS);
export type LicenseRequestEventKind = ActivityKindValue;
registerEnumType(LicenseRequestEventKind, {
  name: "LicenseRequestEventKind",
  description: "What happened to the request: the change an entry of the activity log records.",
  valuesConfig: {
    SUBMITTED: { description: "The request was sent (status PENDING)." },
    APPROVED: { description: "An admin approved it for every recipient." },
    PARTIALLY_APPROVED: { description: "An admin approved it for some recipients and denied it for the others." },
    DENIED: { description: "An admin denied it." },
    CANCELLED: { description: "Its requester cancelled it." },
    EXPIRED: { description: "It expired undecided; `at` is when the service stored the expiry, and there is no actor." },
    RECOMMENDED: { description: "A second opinion was recorded (the status did not change)." },
    ENDORSED: { description: "The requester's manager endorsed it (a decline is DENIED); the actor is the manager." },
    ESCALATED: { description: "The manager did not answer in time: the approvers decide without the endorsement (no actor)." },
    LICENSE_RECLAIMED: { description: "A license this request gave was reclaimed at its expiresAt (no actor); the status does not change." },
  },
});

@ObjectType({
  implements: Node,
  description: "One entry of the organization's activity log: what happened to a request, in the order the changes committed.",
})
export class LicenseRequestEvent extends Node {
  @Field({
    description: "Opaque. Later entries of the organization have later cursors; pass one as `after` to read or subscribe from there.",
  })
  cursor: string;

  @Field(() => LicenseRequestEventKind, { description: "What happened." })
  kind: LicenseRequestEventKind;

  @Field({ description: "When the change committed." })
  at: Date;

  @Field(() => User, {
    nullable: true,
    description: "Who caused it; null when the service did (an expiry, a policy). For RECOMMENDED, the person who answered.",
  })
  actor: User | null;

  @Field(() => LicenseRequestStatus, { description: "The request's status right after this change." })
  status: LicenseRequestStatus;

  @Field(() => LicenseRequest, { nullable: true, description: "The request as it is now; null when the viewer may not see it." })
  licenseRequest: LicenseRequest | null;
}

@InputType({ description: "Which entries to read; every field narrows (`kinds: []` or null means all kinds)." })
export class LicenseRequestEventFilter {
  @Field(() => [LicenseRequestEventKind], { nullable: true, description: "Only entries of these kinds; null or empty: every kind." })
  kinds?: LicenseRequestEventKind[] | null;

  @Field(() => ID, { nullable: true, description: "Only the entries of requests for this product." })
  productId?: string | null;

  @Field(() => ID, { nullable: true, description: "Only the entries of this request." })
  requestId?: string | null;
}

@ObjectType("LicenseRequestEventEdge", { description: "One entry of a page of the activity log, with its position." })
export class LicenseRequestEventEdge {
  @Field({ description: "The entry's position in the log (the same as `node.cursor`)." })
  cursor: string;

  @Field(() => LicenseRequestEvent, { description: "The entry." })
  node: LicenseRequestEvent;
}

// Each field is read when first selected (services/activity/log.ts `ActivityPage`: promises), so each has a
// resolver that compiled operations wait for (they read a field without one as a plain value).
@ObjectType({ description: "Entries of the activity log the viewer may see, oldest first." })
export class LicenseRequestEventConnection {
  @Field(() => [LicenseRequestEventEdge], { simple: false, description: "This page's entries, oldest first, each with its cursor." })
  edges: LicenseRequestEventEdge[];

  @Field(() => [LicenseRequestEvent], { simple: false, description: "The same entries without their edges." })
  nodes: LicenseRequestEvent[];

  @Field(() => PageInfo, {
    simple: false,
    description:
      "`endCursor` is where this read stopped, also when it stopped past entries the viewer does not see (never null): " +
      "pass it as `after` to go on. `hasNextPage`: the log holds entries after it.",
  })
  pageInfo: PageInfo;

  @Field({
    simple: false,
    description:
      "The position of the organization's newest entry when this was read (an addition to the contract): read the lists, " +
      "then subscribe to `licenseRequestEvents(after:)` with it to miss nothing from that moment.",
  })
  newestCursor: string;
}
