/**
 * How a stored request reads at a time (src/services/licenseRequests/status.ts): a PENDING
 * request whose `expiresAt` has come (the instant itself included) reads EXPIRED,
 * decided at `expiresAt`; every other stored status reads as stored.
 */
import type { LicenseRequestEntity, StoredRequestStatus, UserEntity } from "../../src/entities";
import { admittedStatuses, canCancel, canDecide, effectiveDecidedAt, effectiveStatus, isPastExpiry } from "../../src/services/licenseRequests/status";
import { viewerOf } from "../../src/services/shared/viewer";

const expiresAt = new Date("2026-12-24T12:00:00.000Z");
const justBefore = new Date(expiresAt.getTime() - 1);
const justAfter = new Date(expiresAt.getTime() + 1);

function stored(status: StoredRequestStatus, decidedAt: Date | null = null): LicenseRequestEntity {
  return { status, expiresAt, decidedAt, requesterId: 5, organizationId: 1, productId: 7 } as LicenseRequestEntity;
}

const admin = viewerOf({ id: 1, organizationId: 1, role: "LICENSE_ADMIN" } as UserEntity, null);
const requester = viewerOf({ id: 5, organizationId: 1, role: "USER" } as UserEntity, null);
/** Decides product 7 as its approver. */
const approver = viewerOf({ id: 9, organizationId: 1, role: "USER" } as UserEntity, null, { all: null, products: new Map([[7, null]]), ownsRight: true });
const recipients =
  (...ids: number[]) =>
  () =>
    Promise.resolve(ids);

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
  it("lets an admin or the product's approver decide, and the requester cancel, only while it reads PENDING", async () => {
    expect(await canDecide(admin, stored("PENDING"), justBefore, recipients(5))).toBe(true);
    expect(await canDecide(approver, stored("PENDING"), justBefore, recipients(5))).toBe(true);
    expect(await canDecide(admin, stored("PENDING"), expiresAt, recipients(5))).toBe(false);
    expect(canCancel(requester, stored("PENDING"), justBefore)).toBe(true);
    expect(canCancel(requester, stored("PENDING"), expiresAt)).toBe(false);
  });

  it("lets neither a plain user nor a recipient decide, nor anyone but the requester cancel", async () => {
    expect(await canDecide(requester, stored("PENDING"), justBefore, recipients(5))).toBe(false);
    expect(await canDecide(approver, stored("PENDING"), justBefore, recipients(5, 9))).toBe(false);
    expect(await canDecide(admin, stored("PENDING"), justBefore, recipients(5, 1))).toBe(false);
    expect(canCancel(admin, stored("PENDING"), justBefore)).toBe(false);
  });

  it("lets no one act on a decided request", async () => {
    expect(await canDecide(admin, stored("APPROVED"), justBefore, recipients(5))).toBe(false);
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
