/** License requests, their recipients and the apps their approvals turned off, read per operation. */
import DataLoader from "dataloader";
import { LicenseRequestEntity, LicenseRequestRecipientEntity } from "../../entities";
import { DECISION_CHANNELS, ENDORSEMENT_STATES, RECIPIENT_DECISIONS, REQUEST_STATUSES } from "../../values";
import { batching, LoaderScope, scoped } from "../shared/loaders";
import { byId, groupBy, int, nullableInt, nullableOneOf, nullableText, nullableTime, oneOf, placeholders, rowMapper, rows, time } from "../shared/rows";
import { userRow, UserLoaders } from "../users/loaders";

export const requestRow = rowMapper(LicenseRequestEntity, {
  id: int,
  organizationId: int,
  productId: int,
  requesterId: int,
  justification: nullableText,
  status: oneOf(REQUEST_STATUSES),
  recipientCount: int,
  requestedAt: time,
  expiresAt: time,
  decidedAt: nullableTime,
  decidedById: nullableInt,
  decisionMessage: nullableText,
  assignedProductId: nullableInt,
  decidedOnBehalfOfId: nullableInt,
  decisionChannel: nullableOneOf(DECISION_CHANNELS),
  autoApproveSkippedReason: nullableText,
  renewalOfId: nullableInt,
  endorsementState: nullableOneOf(ENDORSEMENT_STATES),
  endorsementManagerId: nullableInt,
  endorsementAt: nullableTime,
  endorsementComment: nullableText,
  endorsementEscalatesAt: nullableTime,
});

export const recipientRow = rowMapper(LicenseRequestRecipientEntity, {
  requestId: int,
  userId: int,
  organizationId: int,
  position: int,
  decision: oneOf(RECIPIENT_DECISIONS),
  pendingProductId: nullableInt,
  assignmentId: nullableInt,
});

const RECIPIENTS_WITH_USERS = `${recipientRow.qualified("rr")}, ${userRow.prefixed("u", "user_")}`;
const joinedUser = userRow.joined("user_");

export function requestLoaders(scope: LoaderScope, users: Pick<UserLoaders, "prime">) {
  const { db } = scope;
  return {
    request: new DataLoader<number, LicenseRequestEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT ${requestRow.columns} FROM \`license_request\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            scoped(scope, ids),
            requestRow.map,
          ),
          ids,
        ),
      batching,
    ),

    /**
     * Recipients of each request: the requester first, then the named users in order.
     * Their users come in the same statement and fill the user loader, so a page's
     * `recipients { user }` costs no statement of its own.
     */
    recipients: new DataLoader<number, LicenseRequestRecipientEntity[]>(async (requestIds) => {
      const found = await rows(
        db,
        `SELECT ${RECIPIENTS_WITH_USERS} FROM \`license_request_recipient\` rr LEFT JOIN \`app_user\` u ON u.\`id\` = rr.\`userId\` WHERE rr.\`organizationId\` = ? AND rr.\`requestId\` IN (${placeholders(requestIds.length)}) ORDER BY rr.\`requestId\`, rr.\`position\``,
        scoped(scope, requestIds),
        (r) => ({ recipient: recipientRow.map(r), user: joinedUser(r) }),
      );
      for (const { user } of found) users.prime(user);
      return groupBy(
        found.map((f) => f.recipient),
        (r) => r.requestId,
        requestIds,
      );
    }, batching),

    /** Service plan IDs an approval turned off, per request, in the order given. */
    disabledPlanIds: new DataLoader<number, number[]>(
      async (requestIds) =>
        groupBy(
          await rows(
            db,
            `SELECT \`requestId\`, \`servicePlanId\` FROM \`license_request_disabled_plan\` WHERE \`organizationId\` = ? AND \`requestId\` IN (${placeholders(requestIds.length)}) ORDER BY \`requestId\`, \`position\``,
            scoped(scope, requestIds),
            (r) => ({ requestId: Number(r["requestId"]), servicePlanId: Number(r["servicePlanId"]) }),
          ),
          (d) => d.requestId,
          requestIds,
        ).map((found) => found.map((r) => r.servicePlanId)),
      batching,
    ),
  };
}

export type RequestLoaders = ReturnType<typeof requestLoaders>;
