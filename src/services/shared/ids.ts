/**
 * Opaque global IDs: base64url("Type:localId"). Clients must treat them as
 * opaque; a malformed ID, or one of another type, names nothing.
 *
 * The GraphQL edge (src/resolvers) decodes and encodes them; services and
 * rules see local IDs only (`LocalId`), and only authentication reads the
 * global IDs a token carries (.dependency-cruiser.cjs holds both to it).
 */

/** A local ID as the edge decoded it: null where the ID given names nothing (malformed, or of another type). */
export type LocalId = number | null;
export type NodeTypeName =
  | "Organization"
  | "User"
  | "ServicePlan"
  | "Product"
  | "LicenseAssignment"
  | "LicenseRequest"
  | "RequestProcessSettings"
  | "LicenseRequestDecision"
  | "LicenseRequestShare"
  | "LicenseRequestRecommendation"
  | "Group"
  | "LicenseRequestEvent"
  | "WebhookEndpoint"
  | "WebhookDelivery"
  | "ApprovalDelegation";

const NODE_TYPES = new Set<string>([
  "Organization",
  "User",
  "ServicePlan",
  "Product",
  "LicenseAssignment",
  "LicenseRequest",
  "RequestProcessSettings",
  "LicenseRequestDecision",
  "Group",
  "LicenseRequestShare",
  "LicenseRequestRecommendation",
  "LicenseRequestEvent",
  "WebhookEndpoint",
  "WebhookDelivery",
  "ApprovalDelegation",
]);

export function toGlobalId(type: NodeTypeName, localId: number): string {
  return Buffer.from(`${type}:${localId}`, "utf8").toString("base64url");
}

export interface DecodedId {
  type: NodeTypeName;
  localId: number;
}

const MAX_ID_LENGTH = 100;

/** Decodes any global ID; null when it is malformed. */
export function fromGlobalId(globalId: string): DecodedId | null {
  if (typeof globalId !== "string" || globalId.length === 0 || globalId.length > MAX_ID_LENGTH) return null;
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(globalId)) return null;
  const decoded = Buffer.from(globalId, "base64url").toString("utf8");
  const match = /^([A-Za-z]+):([1-9][0-9]{0,9})$/.exec(decoded);
  if (!match?.[1] || !NODE_TYPES.has(match[1])) return null;
  const localId = Number(match[2]);
  if (!Number.isSafeInteger(localId) || localId > 2_147_483_647) return null;
  return { type: match[1] as NodeTypeName, localId };
}

/** The local ID when `globalId` is a well-formed ID of `type`, else null. */
export function localIdOf(globalId: string, type: NodeTypeName): number | null {
  const decoded = fromGlobalId(globalId);
  return decoded && decoded.type === type ? decoded.localId : null;
}
