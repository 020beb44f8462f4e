/** The decision history, read per operation: entries, each request's entries, and who and which apps an entry names. */
import DataLoader from "dataloader";
import { DecisionRecordEntity } from "../../entities";
import { DECISION_ACTIONS, DECISION_CHANNELS } from "../../values";
import { batching, LoaderScope, scoped } from "../shared/loaders";
import { byId, groupBy, int, nullableInt, nullableOneOf, nullableText, oneOf, placeholders, rowMapper, rows, time } from "../shared/rows";

export const decisionRow = rowMapper(DecisionRecordEntity, {
  id: int,
  organizationId: int,
  requestId: int,
  action: oneOf(DECISION_ACTIONS),
  actorId: nullableInt,
  at: time,
  productId: nullableInt,
  message: nullableText,
  groupId: nullableInt,
  onBehalfOfId: nullableInt,
  channel: nullableOneOf(DECISION_CHANNELS),
});

export function historyLoaders(scope: LoaderScope) {
  const { db } = scope;
  return {
    decision: new DataLoader<number, DecisionRecordEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT ${decisionRow.columns} FROM \`decision_record\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            scoped(scope, ids),
            decisionRow.map,
          ),
          ids,
        ),
      batching,
    ),

    /** Each request's entries, oldest first: one statement for a page of requests. */
    ofRequest: new DataLoader<number, DecisionRecordEntity[]>(
      async (requestIds) =>
        groupBy(
          await rows(
            db,
            `SELECT ${decisionRow.columns} FROM \`decision_record\` WHERE \`organizationId\` = ? AND \`requestId\` IN (${placeholders(requestIds.length)}) ORDER BY \`requestId\`, \`at\`, \`id\``,
            scoped(scope, requestIds),
            decisionRow.map,
          ),
          (d) => d.requestId,
          requestIds,
        ),
      batching,
    ),

    /** Who one entry approved and denied, in recipient order. */
    people: new DataLoader<number, { approved: number[]; denied: number[] }>(
      async (decisionIds) =>
        groupBy(
          await rows(
            db,
            `SELECT \`decisionId\`, \`userId\`, \`outcome\` FROM \`decision_record_user\` WHERE \`organizationId\` = ? AND \`decisionId\` IN (${placeholders(decisionIds.length)}) ORDER BY \`decisionId\`, \`position\``,
            scoped(scope, decisionIds),
            (r) => ({ decisionId: Number(r["decisionId"]), userId: Number(r["userId"]), outcome: String(r["outcome"]) }),
          ),
          (d) => d.decisionId,
          decisionIds,
        ).map((found) => ({
          approved: found.filter((r) => r.outcome === "APPROVED").map((r) => r.userId),
          denied: found.filter((r) => r.outcome === "DENIED").map((r) => r.userId),
        })),
      batching,
    ),

    /** Service plan IDs one entry turned off, in the order given. */
    disabledPlanIds: new DataLoader<number, number[]>(
      async (decisionIds) =>
        groupBy(
          await rows(
            db,
            `SELECT \`decisionId\`, \`servicePlanId\` FROM \`decision_record_disabled_plan\` WHERE \`organizationId\` = ? AND \`decisionId\` IN (${placeholders(decisionIds.length)}) ORDER BY \`decisionId\`, \`position\``,
            scoped(scope, decisionIds),
            (r) => ({ decisionId: Number(r["decisionId"]), servicePlanId: Number(r["servicePlanId"]) }),
          ),
          (d) => d.decisionId,
          decisionIds,
        ).map((found) => found.map((r) => r.servicePlanId)),
      batching,
    ),
  };
}

export type HistoryLoaders = ReturnType<typeof historyLoaders>;
