import type { UserEntity } from "../../entities";
import type { RoleValue } from "../../values";

/** The roles that see and decide every request of the organization (api.md "Who decides"). */
export const ADMIN_ROLES: readonly RoleValue[] = ["GLOBAL_ADMIN", "LICENSE_ADMIN", "USER_ADMIN"];

export const isAdminRole = (role: RoleValue): boolean => ADMIN_ROLES.includes(role);

/**
 * What a viewer may decide, computed when used (api.md "Who decides"): by
 * role, as a product's approver, or through a delegation whose window is open
 * and whose delegator holds the right now. Each right names whose it is: null
 * for the viewer's own, else the delegator whose right it is (a decision made
 * with it records them as `decidedOnBehalfOf`). Own rights are preferred; of
 * several delegators, the earliest delegation.
 */
export interface DecisionRights {
  /** Every request of the organization (an admin role, or lent by one); null when not. */
  all: { onBehalfOfId: number | null } | null;
  /** Products decided as an approver or a delegate, with whose right it is. */
  products: ReadonlyMap<number, number | null>;
  /** Holds a right of their own (an admin role, or approver of a product): what a delegation may lend. */
  ownsRight: boolean;
}

export const NO_RIGHTS: DecisionRights = { all: null, products: new Map(), ownsRight: false };
export const ROLE_RIGHTS: DecisionRights = { all: { onBehalfOfId: null }, products: new Map(), ownsRight: true };

/** Who is asking: read from the database on every operation (roles and rights never come from the token). */
export interface Viewer {
  user: UserEntity;
  userId: number;
  organizationId: number;
  role: RoleValue;
  isGlobalAdmin: boolean;
  rights: DecisionRights;
  /** The token's expiry, re-checked on every subscription event. */
  tokenExpiresAt: Date | null;
}

export function viewerOf(user: UserEntity, tokenExpiresAt: Date | null, rights: DecisionRights = isAdminRole(user.role) ? ROLE_RIGHTS : NO_RIGHTS): Viewer {
  return {
    user,
    userId: user.id,
    organizationId: user.organizationId,
    role: user.role,
    isGlobalAdmin: user.role === "GLOBAL_ADMIN",
    rights,
    tokenExpiresAt,
  };
}
