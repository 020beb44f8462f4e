/** Licenses held, read per operation. */
import DataLoader from "dataloader";
import { LicenseAssignmentEntity } from "../../entities";
import { batching, LoaderScope, scoped } from "../shared/loaders";
import { byId, groupBy, int, nullableInt, nullableTime, placeholders, rowMapper, rows, time } from "../shared/rows";

export const assignmentRow = rowMapper(LicenseAssignmentEntity, {
  id: int,
  organizationId: int,
  userId: int,
  productId: int,
  assignedAt: time,
  requestId: nullableInt,
  groupId: nullableInt,
  expiresAt: nullableTime,
  reclaimedAt: nullableTime,
  held: (value) => (value === null || value === undefined ? null : true),
  expiryNoticesDone: int,
});

export function licenseLoaders(scope: LoaderScope) {
  const { db } = scope;
  return {
    assignment: new DataLoader<number, LicenseAssignmentEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT ${assignmentRow.columns} FROM \`license_assignment\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            scoped(scope, ids),
            assignmentRow.map,
          ),
          ids,
        ),
      batching,
    ),

    /** Licenses held by each user, oldest first (a reclaimed license is no longer held). */
    assignmentsOfUser: new DataLoader<number, LicenseAssignmentEntity[]>(
      async (userIds) =>
        groupBy(
          await rows(
            db,
            `SELECT ${assignmentRow.columns} FROM \`license_assignment\` WHERE \`organizationId\` = ? AND \`userId\` IN (${placeholders(userIds.length)}) AND \`held\` = 1 ORDER BY \`assignedAt\`, \`id\``,
            scoped(scope, userIds),
            assignmentRow.map,
          ),
          (a) => a.userId,
          userIds,
        ),
      batching,
    ),

    /** Service plan IDs turned off in each assignment. */
    disabledPlanIds: new DataLoader<number, number[]>(
      async (assignmentIds) =>
        groupBy(
          await rows(
            db,
            `SELECT \`assignmentId\`, \`servicePlanId\` FROM \`assignment_disabled_plan\` WHERE \`organizationId\` = ? AND \`assignmentId\` IN (${placeholders(assignmentIds.length)}) ORDER BY \`assignmentId\`, \`servicePlanId\``,
            scoped(scope, assignmentIds),
            (r) => ({ assignmentId: Number(r["assignmentId"]), servicePlanId: Number(r["servicePlanId"]) }),
          ),
          (d) => d.assignmentId,
          assignmentIds,
        ).map((found) => found.map((r) => r.servicePlanId)),
      batching,
    ),
  };
}

export type LicenseLoaders = ReturnType<typeof licenseLoaders>;
