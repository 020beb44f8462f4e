/**
 * The read side of license requests: visibility, the Requests tab's list with
 * filters and keyset pages, single reads. Visibility (api.md): the admin roles
 * (and their delegates) see every request of their organization; a product's
 * approvers (and theirs) its requests; users what they sent or are named in;
 * nobody sees another organization's.
 */
import type { DataSource } from "typeorm";
import { isMysqlFamily } from "../../db/dataSource";
import { LicenseRequestEntity } from "../../entities";
import { can, requestScope } from "../access/policy";
import type { LocalId } from "../shared/ids";
import { encodeKeysetCursor, keysetConnection, keysetCursorDecoder, KeysetList, SortDirection, Statement } from "../shared/keyset";
import { placeholders } from "../shared/rows";
import type { Loaders } from "../loaders";
import { Connection, ConnectionArgs, pageWindow, toConnection } from "../shared/pagination";
import { productRow } from "../catalog/loaders";
import { userRow } from "../users/loaders";
import { requestRow } from "./loaders";
import { admittedStatuses, RequestState, RequestStatus } from "./status";
import type { Viewer } from "../shared/viewer";

export interface LicenseRequestFilterInput {
  state?: RequestState | null | undefined;
  statuses?: RequestStatus[] | null | undefined;
  /** Undefined: any product; null: an ID that names no product (nothing matches). */
  productId?: LocalId | undefined;
  requesterId?: LocalId | undefined;
}

export interface LicenseRequestListArgs extends ConnectionArgs {
  filter?: LicenseRequestFilterInput | null | undefined;
  orderBy?: { field: "REQUESTED_AT"; direction: SortDirection } | null | undefined;
}

export const requestCursor = (r: LicenseRequestEntity): string => encodeKeysetCursor("licenseRequests", r.requestedAt.getTime(), r.id);

const decodeRequestCursor = keysetCursorDecoder("licenseRequests", "number");

/** A page's requests with their requesters and products, in one statement. */
const PAGE_COLUMNS = `${requestRow.qualified("lr")}, ${userRow.prefixed("u", "requester_")}, ${productRow.prefixed("p", "product_")}`;
const joinedRequester = userRow.joined("requester_");
const joinedProduct = productRow.joined("product_");

export class LicenseRequestQueries {
  constructor(private readonly dataSource: DataSource) {}

  /** The request when the viewer may see it, else null (missing, other organization, not visible). */
  async findVisible(viewer: Viewer, loaders: Loaders, requestId: number): Promise<LicenseRequestEntity | null> {
    const request = await loaders.requests.request.load(requestId);
    if (!request) return null;
    return (await this.isVisible(viewer, loaders, request)) ? request : null;
  }

  async isVisible(viewer: Viewer, loaders: Loaders, request: LicenseRequestEntity): Promise<boolean> {
    const resource = { ...request, recipientIds: [] as number[] };
    // Most readers see it without its recipients (its deciders, the requester): read them only when they decide.
    if (can(viewer, "request.read", resource)) return true;
    if (request.organizationId !== viewer.organizationId) return false;
    resource.recipientIds = (await loaders.requests.recipients.load(request.id)).map((r) => r.userId);
    return can(viewer, "request.read", resource);
  }

  /**
   * The Requests tab: visible requests, filtered, ordered by (requestedAt, id),
   * one keyset page, in one statement written by hand and read through the
   * index that serves it. The page brings its requesters and products along
   * and fills the operation's loaders with them: the tab always shows who
   * asked for what. `reads.totalCount`: the operation reads the count, which
   * then comes in the page's statement too (`keysetConnection`'s `withTotal`;
   * an empty page counts by a statement of its own).
   */
  async list(
    viewer: Viewer,
    loaders: Pick<Loaders, "users" | "catalog">,
    args: LicenseRequestListArgs,
    now: Date,
    reads: { totalCount: boolean } = { totalCount: false },
  ): Promise<Connection<LicenseRequestEntity>> {
    const window = pageWindow(args, decodeRequestCursor);
    const list = this.listOf(viewer, args.filter ?? null, args.orderBy?.direction ?? "DESC", now);
    if (!list) return toConnection([], window, requestCursor, async () => 0);
    return keysetConnection(this.dataSource, isMysqlFamily(this.dataSource), list, window, {
      map: (r) => {
        // The requester and the product fill the operation's loaders: the tab always shows who asked for what.
        loaders.users.prime(joinedRequester(r));
        loaders.catalog.prime(joinedProduct(r));
        return requestRow.map(r);
      },
      cursorOf: requestCursor,
      // An admin's count from the organization's tally; a user's, row by row (keysetCount).
      count: () => this.tallyCount(viewer, args.filter ?? null, now),
      withTotal: reads.totalCount,
    });
  }

  /** The requests a viewer's page reads (visibility from the policy, then the filter), in `direction`; null when it can match nothing. */
  listOf(viewer: Viewer, filter: LicenseRequestFilterInput | null, direction: SortDirection, now: Date): KeysetList | null {
    const where = this.conditions(viewer, filter, now);
    if (!where) return null;
    return {
      select: PAGE_COLUMNS,
      table: "license_request",
      alias: "lr",
      index: this.listIndex(requestScope(viewer), filter),
      joins: "LEFT JOIN `app_user` u ON u.`id` = lr.`requesterId` LEFT JOIN `product` p ON p.`id` = lr.`productId`",
      where: where.sql,
      parameters: where.parameters,
      sort: "lr.`requestedAt`",
      id: "lr.`id`",
      direction,
    };
  }

  /**
   * An admin's count, from the organization's tally (a row per product and
   * stored status, kept by the database: migration 1766400000000) instead of
   * the requests themselves, so it costs the same at any size. A stored
   * PENDING past its expiry reads as EXPIRED: those few (the sweep stores
   * them EXPIRED within a minute) are counted through the expiry index and
   * moved from one status to the other. Null when the tally cannot say: a
   * plain user's requests (visibility by recipient) and a requester filter are
   * counted row by row, through their own indexes.
   */
  private tallyCount(viewer: Viewer, filter: LicenseRequestFilterInput | null, now: Date): Statement | null {
    if (!("all" in requestScope(viewer)) || filter?.requesterId !== undefined) return null;
    // `conditions` has checked that the product ID is a product's (else nothing is counted); another
    // organization's product has no tally rows in this one.
    const productId = filter?.productId ?? null;
    const statuses = filter ? admittedStatuses(filter.state, filter.statuses) : null;
    const tally = ["t.`organizationId` = ?"];
    const tallyParameters: unknown[] = [viewer.organizationId];
    if (productId !== null) {
      tally.push("t.`productId` = ?");
      tallyParameters.push(productId);
    }
    if (statuses !== null) {
      tally.push(`t.\`status\` IN (${placeholders(statuses.length)})`);
      tallyParameters.push(...statuses);
    }
    const sum = `(SELECT COALESCE(SUM(t.\`requests\`), 0) FROM \`license_request_tally\` t WHERE ${tally.join(" AND ")})`;
    const pending = statuses === null || statuses.includes("PENDING");
    const expired = statuses === null || statuses.includes("EXPIRED");
    if (pending === expired) return { sql: `SELECT ${sum} AS total`, parameters: tallyParameters };
    const from = isMysqlFamily(this.dataSource) ? "`license_request` lr FORCE INDEX (`ix_request_status_expiry`)" : "`license_request` lr";
    const stale = [`lr.\`status\` = 'PENDING'`, "lr.`expiresAt` <= ?", "lr.`organizationId` = ?"];
    const staleParameters: unknown[] = [now.getTime(), viewer.organizationId];
    if (productId !== null) {
      stale.push("lr.`productId` = ?");
      staleParameters.push(productId);
    }
    return {
      sql: `SELECT ${sum} ${pending ? "-" : "+"} (SELECT COUNT(*) FROM ${from} WHERE ${stale.join(" AND ")}) AS total`,
      parameters: [...tallyParameters, ...staleParameters],
    };
  }

  /** What a viewer's page is filtered by (visibility from the policy, then the filter); null when it can match nothing. */
  private conditions(viewer: Viewer, filter: LicenseRequestFilterInput | null, now: Date): { sql: string[]; parameters: unknown[] } | null {
    const sql = ["lr.`organizationId` = ?"];
    const parameters: unknown[] = [viewer.organizationId];
    const scope = requestScope(viewer);
    if ("recipientId" in scope) {
      const named = "EXISTS (SELECT 1 FROM `license_request_recipient` rr WHERE rr.`requestId` = lr.`id` AND rr.`userId` = ?)";
      // A product's approvers (and their delegates) see its requests too, and a manager those whose endorsement was asked of them.
      const product = scope.productIds.length ? `lr.\`productId\` IN (${placeholders(scope.productIds.length)}) OR ` : "";
      sql.push(`(${product}${named} OR lr.\`endorsementManagerId\` = ?)`);
      parameters.push(...scope.productIds, scope.recipientId, scope.endorsementManagerId);
    }
    if (!filter) return { sql, parameters };
    if (filter.productId !== undefined) {
      if (filter.productId === null) return null;
      sql.push("lr.`productId` = ?");
      parameters.push(filter.productId);
    }
    if (filter.requesterId !== undefined) {
      if (filter.requesterId === null) return null;
      sql.push("lr.`requesterId` = ?");
      parameters.push(filter.requesterId);
    }
    const statuses = admittedStatuses(filter.state, filter.statuses);
    if (statuses === null) return { sql, parameters };
    if (statuses.length === 0) return null;
    const any: string[] = [];
    // A stored PENDING past expiresAt reads as EXPIRED.
    if (statuses.includes("PENDING")) {
      any.push("(lr.`status` = 'PENDING' AND lr.`expiresAt` > ?)");
      parameters.push(now.getTime());
    }
    if (statuses.includes("EXPIRED")) {
      any.push("(lr.`status` = 'EXPIRED' OR (lr.`status` = 'PENDING' AND lr.`expiresAt` <= ?))");
      parameters.push(now.getTime());
    }
    const stored = statuses.filter((s) => s !== "PENDING" && s !== "EXPIRED");
    if (stored.length) {
      any.push(`lr.\`status\` IN (${placeholders(stored.length)})`);
      parameters.push(...stored);
    }
    sql.push(`(${any.join(" OR ")})`);
    return { sql, parameters };
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
}
