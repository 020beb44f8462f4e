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
  valuesConfig: { RECOMMENDED: { description: "A second opinion was recorded (the status did not change)." } },
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

  @Field(() => LicenseRequestEventKind)
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
  @Field(() => [LicenseRequestEventKind], { nullable: true })
  kinds?: LicenseRequestEventKind[] | null;

  @Field(() => ID, { nullable: true })
  productId?: string | null;

  @Field(() => ID, { nullable: true })
  requestId?: string | null;
}

@ObjectType("LicenseRequestEventEdge")
export class LicenseRequestEventEdge {
  @Field()
  cursor: string;

  @Field(() => LicenseRequestEvent)
  node: LicenseRequestEvent;
}

@ObjectType({ description: "Entries of the activity log the viewer may see, oldest first." })
export class LicenseRequestEventConnection {
  @Field(() => [LicenseRequestEventEdge])
  edges: LicenseRequestEventEdge[];

  @Field(() => [LicenseRequestEvent])
  nodes: LicenseRequestEvent[];

  @Field(() => PageInfo, {
    description:
      "`endCursor` is where this read stopped, also when it stopped past entries the viewer does not see (never null): " +
      "pass it as `after` to go on. `hasNextPage`: the log holds entries after it.",
  })
  pageInfo: PageInfo;

  @Field({
    description:
      "The position of the organization's newest entry when this was read (an addition to the contract): read the lists, " +
      "then subscribe to `licenseRequestEvents(after:)` with it to miss nothing from that moment.",
  })
  newestCursor: string;
}
