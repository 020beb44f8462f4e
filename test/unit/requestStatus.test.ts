/**
 * How a stored request reads at a time (src/services/licenseRequests/status.ts): a PENDING
 * request whose `expiresAt` has come (the instant itself included) reads EXPIRED,
 * decided at `expiresAt`; every other stored status reads as stored.
 */
import type { LicenseRequestEntity, StoredRequestStatus } from "../../src/entities";
import { admittedStatuses, canCancel, canDecide, effectiveDecidedAt, effectiveStatus, isPastExpiry } from "../../src/services/licenseRequests/status";
import type { Viewer } from "../../src/services/shared/viewer";

const expiresAt = new Date("2026-12-24T12:00:00.000Z");
const justBefore = new Date(expiresAt.getTime() - 1);
const justAfter = new Date(expiresAt.getTime() + 1);

function stored(status: StoredRequestStatus, decidedAt: Date | null = null): LicenseRequestEntity {
  return { status, expiresAt, decidedAt, requesterId: 5 } as LicenseRequestEntity;
}

const admin = { userId: 1, isGlobalAdmin: true } as Viewer;
const requester = { userId: 5, isGlobalAdmin: false } as Viewer;

describe("effectiveStatus", () => {
  it("reads a pending request as PENDING until the instant before expiresAt", () => {
    expect(effectiveStatus(stored("PENDING"), justBefore)).toBe("PENDING");
    expect(isPastExpiry(stored("PENDING"), justBefore)).toBe(false);
    expect(effectiveDecidedAt(stored("PENDING"), justBefore)).toBeNull();
  });

  it("reads a pending request as EXPIRED at expiresAt itself, decided at expiresAt", () => {
    expect(effectiveStatus(stored("PENDING"), expiresAt)).toBe("EXPIRED");
    expect(effectiveDecidedAt(stored("PENDING"), expiresAt)).toEqual(expiresAt);
  });

  it("reads a pending request as EXPIRED after expiresAt", () => {
    expect(effectiveStatus(stored("PENDING"), justAfter)).toBe("EXPIRED");
    expect(effectiveDecidedAt(stored("PENDING"), justAfter)).toEqual(expiresAt);
  });

  it.each<StoredRequestStatus>(["APPROVED", "PARTIALLY_APPROVED", "DENIED", "CANCELLED", "EXPIRED"])(
    "leaves a %s request as stored, with its own decidedAt, even past expiresAt",
    (status) => {
      const decidedAt = new Date("2026-12-01T08:00:00.000Z");
      expect(effectiveStatus(stored(status, decidedAt), justAfter)).toBe(status);
      expect(effectiveDecidedAt(stored(status, decidedAt), justAfter)).toEqual(decidedAt);
    },
  );
});

describe("who may act on a request now", () => {
  it("lets a global admin decide, and the requester cancel, only while it reads PENDING", () => {
    expect(canDecide(admin, stored("PENDING"), justBefore)).toBe(true);
    expect(canDecide(admin, stored("PENDING"), expiresAt)).toBe(false);
    expect(canCancel(requester, stored("PENDING"), justBefore)).toBe(true);
    expect(canCancel(requester, stored("PENDING"), expiresAt)).toBe(false);
  });

  it("lets neither a non-admin decide nor anyone but the requester cancel", () => {
    expect(canDecide(requester, stored("PENDING"), justBefore)).toBe(false);
    expect(canCancel(admin, stored("PENDING"), justBefore)).toBe(false);
  });

  it("lets no one act on a decided request", () => {
    expect(canDecide(admin, stored("APPROVED"), justBefore)).toBe(false);
    expect(canCancel(requester, stored("DENIED"), justBefore)).toBe(false);
  });
});

describe("admittedStatuses", () => {
  it("is unconstrained without filters", () => {
    expect(admittedStatuses(null, null)).toBeNull();
  });

  it("maps a state to its statuses", () => {
    expect(admittedStatuses("PENDING", null)).toEqual(["PENDING"]);
    expect(admittedStatuses("COMPLETED", undefined)).toEqual(["APPROVED", "PARTIALLY_APPROVED", "DENIED", "EXPIRED", "CANCELLED"]);
  });

  it("intersects a state with statuses, possibly to nothing", () => {
    expect(admittedStatuses("COMPLETED", ["PENDING", "DENIED"])).toEqual(["DENIED"]);
    expect(admittedStatuses("PENDING", ["DENIED"])).toEqual([]);
    expect(admittedStatuses(null, ["EXPIRED"])).toEqual(["EXPIRED"]);
  });
});
