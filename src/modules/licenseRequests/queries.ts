/**
 * The read side of license requests: visibility, the Requests tab's list with
 * filters and keyset pages, single reads. Visibility (api.md): global admins see
 * every request of their organization; users see what they sent or are named in;
 * nobody sees another organization's.
 */
import { Brackets, DataSource, SelectQueryBuilder } from "typeorm";
import { LicenseRequestEntity } from "../../entities";
import { can, requestScope } from "../access/policy";
import { localIdOf } from "../shared/ids";
import { applyKeyset, encodeKeysetCursor, keysetCursorDecoder, SortDirection } from "../shared/keyset";
import type { Loaders } from "../shared/loaders";
import { Connection, ConnectionArgs, pageWindow, toConnection } from "../shared/pagination";
import { admittedStatuses, RequestState, RequestStatus } from "./status";
import type { Viewer } from "../shared/viewer";

export interface LicenseRequestFilterInput {
  state?: RequestState | null;
  statuses?: RequestStatus[] | null;
  productId?: string | null;
  requesterId?: string | null;
}

export interface LicenseRequestListArgs extends ConnectionArgs {
  filter?: LicenseRequestFilterInput | null;
  orderBy?: { field: "REQUESTED_AT"; direction: SortDirection } | null;
}

export const requestCursor = (r: LicenseRequestEntity): string => encodeKeysetCursor("licenseRequests", r.requestedAt.getTime(), r.id);

const decodeRequestCursor = keysetCursorDecoder("licenseRequests", "number");

export class LicenseRequestQueries {
  constructor(private readonly dataSource: DataSource) {}

  /** The request when the viewer may see it, else null (missing, other organization, not visible). */
  async findVisible(viewer: Viewer, loaders: Loaders, requestId: number): Promise<LicenseRequestEntity | null> {
    const request = await loaders.request.load(requestId);
    if (!request) return null;
    return (await this.isVisible(viewer, loaders, request)) ? request : null;
  }

  async isVisible(viewer: Viewer, loaders: Loaders, request: LicenseRequestEntity): Promise<boolean> {
    const resource = { organizationId: request.organizationId, requesterId: request.requesterId, recipientIds: [] as number[] };
    // Most readers see it without its recipients (admins, the requester): read them only when they decide.
    if (can(viewer, "request.read", resource)) return true;
    if (request.organizationId !== viewer.organizationId) return false;
    resource.recipientIds = (await loaders.recipients.load(request.id)).map((r) => r.userId);
    return can(viewer, "request.read", resource);
  }

  /** The Requests tab: visible requests, filtered, ordered by (requestedAt, id), one keyset page. */
  async list(viewer: Viewer, args: LicenseRequestListArgs, now: Date): Promise<Connection<LicenseRequestEntity>> {
    const window = pageWindow(args, decodeRequestCursor);
    const scope = requestScope(viewer);
    const base = (): SelectQueryBuilder<LicenseRequestEntity> | null => {
      const qb = this.dataSource
        .getRepository(LicenseRequestEntity)
        .createQueryBuilder("lr")
        .where("lr.organizationId = :organizationId", { organizationId: viewer.organizationId });
      if ("recipientId" in scope) {
        qb.andWhere(
          "EXISTS (SELECT 1 FROM license_request_recipient rr WHERE rr.requestId = lr.id AND rr.userId = :viewerId)",
          { viewerId: scope.recipientId },
        );
      }
      return this.applyFilter(qb, args.filter ?? null, now);
    };
    const direction = args.orderBy?.direction ?? "DESC";
    const listQuery = base();
    if (!listQuery) return toConnection([], window, requestCursor, async () => 0);
    const index = this.listIndex(scope, args.filter ?? null);
    const rows = await applyKeyset(listQuery, window, "lr.requestedAt", "lr.id", direction, index).getMany();
    return toConnection(rows, window, requestCursor, () => base()!.getCount());
  }

  /**
   * The index that serves an admin's page in (requestedAt, id) order: by
   * product when filtered by product, by stored status for the pending tab
   * (one status), else by time alone. Undefined (the planner's choice) for a
   * plain user, whose few requests are found through their recipient rows, and
   * for a requester filter.
   */
  private listIndex(scope: ReturnType<typeof requestScope>, filter: LicenseRequestFilterInput | null): string | undefined {
    if (!("all" in scope) || filter?.requesterId != null) return undefined;
    if (filter?.productId != null) return "ix_request_org_product";
    const statuses = filter ? admittedStatuses(filter.state, filter.statuses) : null;
    if (statuses?.length === 1 && statuses[0] !== "EXPIRED") return "ix_request_org_status_time";
    return "ix_request_org_time";
  }

  /** Adds the filter's conditions; null when the filter can match nothing. */
  private applyFilter(
    qb: SelectQueryBuilder<LicenseRequestEntity>,
    filter: LicenseRequestFilterInput | null,
    now: Date,
  ): SelectQueryBuilder<LicenseRequestEntity> | null {
    if (!filter) return qb;
    if (filter.productId != null) {
      const productId = localIdOf(filter.productId, "Product");
      if (productId === null) return null;
      qb.andWhere("lr.productId = :productId", { productId });
    }
    if (filter.requesterId != null) {
      const requesterId = localIdOf(filter.requesterId, "User");
      if (requesterId === null) return null;
      qb.andWhere("lr.requesterId = :requesterId", { requesterId });
    }
    const statuses = admittedStatuses(filter.state, filter.statuses);
    if (statuses === null) return qb;
    if (statuses.length === 0) return null;
    const stored = statuses.filter((s) => s !== "PENDING" && s !== "EXPIRED");
    qb.andWhere(
      new Brackets((or) => {
        // A stored PENDING past expiresAt reads as EXPIRED.
        if (statuses.includes("PENDING")) or.orWhere("(lr.status = 'PENDING' AND lr.expiresAt > :now)", { now: now.getTime() });
        if (statuses.includes("EXPIRED")) {
          or.orWhere("(lr.status = 'EXPIRED' OR (lr.status = 'PENDING' AND lr.expiresAt <= :now))", { now: now.getTime() });
        }
        if (stored.length) or.orWhere("lr.status IN (:...stored)", { stored });
      }),
    );
    return qb;
  }
}
