/**
 * Reading decision rights (api.md "Who decides"): a person's own (an admin
 * role, approver rows) and those lent to them by delegations whose window is
 * open at `now` and whose delegator holds a right of their own at `now` (one
 * level: what was lent is never lent on). One statement for any number of
 * people; none for the admin roles, whose rights follow from the role.
 */
import type { UserEntity } from "../../entities";
import { ROLES } from "../../values";
import { placeholders, Queryable } from "../shared/rows";
import { ADMIN_ROLES, DecisionRights, isAdminRole, NO_RIGHTS, ROLE_RIGHTS } from "../shared/viewer";

interface RightRow {
  holderId: unknown;
  productId: unknown;
  delegatorId: unknown;
  delegatorRole: unknown;
}

/** A delegation `d` whose window is open at a moment (its two parameters: the moment, twice). */
const OPEN_DELEGATION = "d.`cancelledAt` IS NULL AND d.`startsAt` <= ? AND d.`endsAt` > ?";

/**
 * A column of the user `u` (app_user) read with them: 1 when they may hold a
 * decision right besides an admin role (an approver row, or a delegation to
 * them open at `now`), so that the rights themselves are read only then. An
 * admin role's answer is 0 at once: their rights follow from the role, and
 * their reads (the hot path of the Requests tab) look no further.
 */
export function mayHoldRightsColumn(now: Date): { sql: string; parameters: unknown[] } {
  return {
    sql:
      `CASE WHEN u.\`role\` IN (${placeholders(ADMIN_ROLES.length)}) THEN 0 ` +
      `WHEN EXISTS (SELECT 1 FROM \`product_approver\` pa WHERE pa.\`organizationId\` = u.\`organizationId\` AND pa.\`userId\` = u.\`id\`) THEN 1 ` +
      `WHEN EXISTS (SELECT 1 FROM \`approval_delegation\` d WHERE d.\`organizationId\` = u.\`organizationId\` AND d.\`toUserId\` = u.\`id\` AND ${OPEN_DELEGATION}) THEN 1 ` +
      `ELSE 0 END`,
    parameters: [...ADMIN_ROLES, now.getTime(), now.getTime()],
  };
}

/** The rights of each of `users` (of one organization) at `now`, in their order. */
export async function readDecisionRights(db: Queryable, organizationId: number, users: readonly UserEntity[], now: Date): Promise<DecisionRights[]> {
  const others = [...new Set(users.filter((u) => !isAdminRole(u.role)).map((u) => u.id))];
  const rows: RightRow[] = others.length
    ? await db.query(
        // Own approver rows, then open delegations to them from a delegator who holds a right now
        // (an admin role, or approver rows), earliest delegation first.
        `SELECT pa.\`userId\` AS holderId, pa.\`productId\` AS productId, NULL AS delegatorId, NULL AS delegatorRole, 0 AS delegationId ` +
          `FROM \`product_approver\` pa WHERE pa.\`organizationId\` = ? AND pa.\`userId\` IN (${placeholders(others.length)}) ` +
          `UNION ALL ` +
          `SELECT d.\`toUserId\`, pa.\`productId\`, d.\`fromUserId\`, u.\`role\`, d.\`id\` FROM \`approval_delegation\` d ` +
          `JOIN \`app_user\` u ON u.\`id\` = d.\`fromUserId\` AND u.\`organizationId\` = d.\`organizationId\` ` +
          `LEFT JOIN \`product_approver\` pa ON pa.\`userId\` = d.\`fromUserId\` AND pa.\`organizationId\` = d.\`organizationId\` ` +
          `WHERE d.\`organizationId\` = ? AND d.\`toUserId\` IN (${placeholders(others.length)}) AND ${OPEN_DELEGATION} ` +
          `AND (u.\`role\` IN (${placeholders(ADMIN_ROLES.length)}) OR pa.\`productId\` IS NOT NULL) ` +
          `ORDER BY delegationId`,
        [organizationId, ...others, organizationId, ...others, now.getTime(), now.getTime(), ...ADMIN_ROLES],
      )
    : [];
  const byHolder = new Map<number, { all: { onBehalfOfId: number | null } | null; products: Map<number, number | null>; ownsRight: boolean }>();
  for (const row of rows) {
    const holderId = Number(row.holderId);
    let rights = byHolder.get(holderId);
    if (!rights) byHolder.set(holderId, (rights = { all: null, products: new Map(), ownsRight: false }));
    const delegatorId = row.delegatorId === null ? null : Number(row.delegatorId);
    const productId = row.productId === null ? null : Number(row.productId);
    if (delegatorId === null) rights.ownsRight = true;
    const role = (ROLES as readonly unknown[]).includes(row.delegatorRole) ? (row.delegatorRole as (typeof ROLES)[number]) : null;
    if (delegatorId !== null && role !== null && isAdminRole(role)) rights.all ??= { onBehalfOfId: delegatorId };
    // Own rows come first (delegationId 0), so an own right is never replaced by a lent one.
    if (productId !== null && !rights.products.has(productId)) rights.products.set(productId, delegatorId);
  }
  return users.map((u) => (isAdminRole(u.role) ? ROLE_RIGHTS : (byHolder.get(u.id) ?? NO_RIGHTS)));
}
