import type { UserEntity } from "../../entities";

/** Who is asking: read from the database on every operation (roles never come from the token). */
export interface Viewer {
  user: UserEntity;
  userId: number;
  organizationId: number;
  isGlobalAdmin: boolean;
  /** The token's expiry, re-checked on every subscription event. */
  tokenExpiresAt: Date | null;
}

export function viewerOf(user: UserEntity, tokenExpiresAt: Date | null): Viewer {
  return {
    user,
    userId: user.id,
    organizationId: user.organizationId,
    isGlobalAdmin: user.role === "GLOBAL_ADMIN",
    tokenExpiresAt,
  };
}
