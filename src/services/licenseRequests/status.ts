/**
 * How a stored request reads at a given time: a PENDING request past `expiresAt`
 * is EXPIRED everywhere (lists, filters, totalCount, single reads), with
 * `decidedAt = expiresAt`, until the sweep stores exactly that.
 */
import type { LicenseRequestEntity, StoredRequestStatus } from "../../entities";
import { REQUEST_STATUSES, RequestStateValue } from "../../values";
import { can } from "../access/policy";
import type { Viewer } from "../shared/viewer";

export type RequestStatus = StoredRequestStatus;
export type RequestState = RequestStateValue;

export function isPastExpiry(request: Pick<LicenseRequestEntity, "expiresAt">, now: Date): boolean {
  return request.expiresAt.getTime() <= now.getTime();
}

export function effectiveStatus(request: Pick<LicenseRequestEntity, "status" | "expiresAt">, now: Date): RequestStatus {
  return request.status === "PENDING" && isPastExpiry(request, now) ? "EXPIRED" : request.status;
}

export function effectiveDecidedAt(request: Pick<LicenseRequestEntity, "status" | "expiresAt" | "decidedAt">, now: Date): Date | null {
  return request.status === "PENDING" && isPastExpiry(request, now) ? request.expiresAt : request.decidedAt;
}

/**
 * True when the viewer may approve or deny it now: they decide its product and
 * are not one of its recipients, and the request is pending and not expired.
 * The recipients are read (`recipientIds`) only when the rest holds.
 */
export function canDecide(viewer: Viewer, request: LicenseRequestEntity, now: Date, recipientIds: () => Promise<number[]>): boolean | Promise<boolean> {
  if (effectiveStatus(request, now) !== "PENDING" || !can(viewer, "request.decide", { ...request, recipientIds: [] })) return false;
  return recipientIds().then((ids) => can(viewer, "request.decide", { ...request, recipientIds: ids }));
}

/** True when the viewer may cancel it now: its requester, and the request pending and not expired. */
export function canCancel(viewer: Viewer, request: LicenseRequestEntity, now: Date): boolean {
  return can(viewer, "request.cancel", { ...request, recipientIds: [] }) && effectiveStatus(request, now) === "PENDING";
}

/** The statuses a state filter admits. */
export function statusesOfState(state: RequestState): RequestStatus[] {
  return state === "PENDING" ? ["PENDING"] : REQUEST_STATUSES.filter((status) => status !== "PENDING");
}

/**
 * Intersects a state filter with a status filter; null means "no constraint".
 * An empty array means nothing can match.
 */
export function admittedStatuses(state: RequestState | null | undefined, statuses: RequestStatus[] | null | undefined): RequestStatus[] | null {
  let admitted: RequestStatus[] | null = state ? statusesOfState(state) : null;
  if (statuses) {
    const wanted = new Set(statuses);
    admitted = (admitted ?? [...wanted]).filter((s) => wanted.has(s));
  }
  return admitted;
}
