/**
 * Reads that skip TypeORM's query building and entity hydration: on the read
 * path (loaders, the list, the viewer) those cost more than the statements
 * themselves (bench/results/). Each statement is written once here, for both
 * databases (backquoted identifiers and `?` placeholders mean the same to
 * MySQL/MariaDB and SQLite), and its rows become the entities' shape: plain
 * objects with the entities' fields, timestamps as Dates, flags as booleans.
 *
 * Writes stay with TypeORM (src/services/licenseRequests/store.ts and others):
 * they are few, and transactional.
 */
import type { DataSource, EntityManager } from "typeorm";
import {
  DecisionRecordEntity,
  GroupEntity,
  LicenseAssignmentEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  OrganizationEntity,
  ProductEntity,
  RequestProcessSettingsEntity,
  ServicePlanEntity,
  UserEntity,
} from "../../entities";
import { ADMIN_NOTIFICATIONS, AdminNotificationValue } from "../../values";

type Row = Record<string, unknown>;
type Queryable = Pick<DataSource | EntityManager, "query">;

/** `?, ?, ?` for `count` values (never empty: callers ask for at least one). */
export const placeholders = (count: number): string => new Array<string>(count).fill("?").join(", ");

const int = (value: unknown): number => Number(value);
const nullableInt = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const time = (value: unknown): Date => new Date(Number(value));
const nullableTime = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(Number(value)));
/** Text columns come back as strings; anything else is refused loudly rather than stringified to "[object Object]". */
const text = (value: unknown): string => {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  throw new TypeError(`a text column held a ${typeof value}`);
};
const nullableText = (value: unknown): string | null => (value === null || value === undefined ? null : text(value));
const flag = (value: unknown): boolean => value === true || value === 1 || value === "1";

/** `columns` (a backquoted list such as REQUEST_COLUMNS) qualified by a table alias: `a`.`b` → a.`b`. */
export const qualified = (columns: string, alias: string): string => columns.replace(/`(\w+)`/g, `${alias}.\`$1\``);

const USER_FIELDS = ["id", "organizationId", "displayName", "email", "role"] as const;
export const USER_COLUMNS = USER_FIELDS.map((field) => `\`${field}\``).join(", ");
/**
 * A user's columns read through a join, from the table aliased `alias`, each
 * named `<prefix><column>` so they do not meet the other table's (read back by
 * `toJoinedUser(prefix)`).
 */
export const joinedUserColumns = (alias: string, prefix: string): string =>
  USER_FIELDS.map((field) => `${alias}.\`${field}\` AS \`${prefix}${field}\``).join(", ");
const userOf = (r: Row, prefix: string) =>
  Object.assign(new UserEntity(), {
    id: int(r[`${prefix}id`]),
    organizationId: int(r[`${prefix}organizationId`]),
    displayName: text(r[`${prefix}displayName`]),
    email: text(r[`${prefix}email`]),
    role: text(r[`${prefix}role`]),
  });
export const toUser = (r: Row) => userOf(r, "");
/** The user a LEFT JOIN read with `joinedUserColumns(…, prefix)`, or null when the join found none. */
export const toJoinedUser =
  (prefix: string) =>
  (r: Row): UserEntity | null =>
    r[`${prefix}id`] === null || r[`${prefix}id`] === undefined ? null : userOf(r, prefix);

export const REQUEST_COLUMNS =
  "`id`, `organizationId`, `productId`, `requesterId`, `justification`, `status`, `recipientCount`, `requestedAt`, `expiresAt`, `decidedAt`, `decidedById`, `decisionMessage`, `assignedProductId`";
export const toRequest = (r: Row) =>
  Object.assign(new LicenseRequestEntity(), {
    id: int(r["id"]),
    organizationId: int(r["organizationId"]),
    productId: int(r["productId"]),
    requesterId: int(r["requesterId"]),
    justification: nullableText(r["justification"]),
    status: text(r["status"]),
    recipientCount: int(r["recipientCount"]),
    requestedAt: time(r["requestedAt"]),
    expiresAt: time(r["expiresAt"]),
    decidedAt: nullableTime(r["decidedAt"]),
    decidedById: nullableInt(r["decidedById"]),
    decisionMessage: nullableText(r["decisionMessage"]),
    assignedProductId: nullableInt(r["assignedProductId"]),
  });

export const RECIPIENT_COLUMNS = "`requestId`, `userId`, `organizationId`, `position`, `decision`, `pendingProductId`, `assignmentId`";
export const toRecipient = (r: Row) =>
  Object.assign(new LicenseRequestRecipientEntity(), {
    requestId: int(r["requestId"]),
    userId: int(r["userId"]),
    organizationId: int(r["organizationId"]),
    position: int(r["position"]),
    decision: text(r["decision"]),
    pendingProductId: nullableInt(r["pendingProductId"]),
    assignmentId: nullableInt(r["assignmentId"]),
  });

export const PRODUCT_COLUMNS = "`id`, `organizationId`, `name`, `skuPartNumber`, `selfServicePurchaseAllowed`, `totalLicenses`, `assignedLicenses`";
export const toProduct = (r: Row) =>
  Object.assign(new ProductEntity(), {
    id: int(r["id"]),
    organizationId: int(r["organizationId"]),
    name: text(r["name"]),
    skuPartNumber: text(r["skuPartNumber"]),
    selfServicePurchaseAllowed: flag(r["selfServicePurchaseAllowed"]),
    totalLicenses: int(r["totalLicenses"]),
    assignedLicenses: int(r["assignedLicenses"]),
  });

export const toPlan = (r: Row) =>
  Object.assign(new ServicePlanEntity(), {
    id: int(r["id"]),
    organizationId: int(r["organizationId"]),
    name: text(r["name"]),
    servicePlanName: text(r["servicePlanName"]),
  });

export const toAssignment = (r: Row) =>
  Object.assign(new LicenseAssignmentEntity(), {
    id: int(r["id"]),
    organizationId: int(r["organizationId"]),
    userId: int(r["userId"]),
    productId: int(r["productId"]),
    assignedAt: time(r["assignedAt"]),
    requestId: nullableInt(r["requestId"]),
    groupId: nullableInt(r["groupId"]),
  });

export const toDecision = (r: Row) =>
  Object.assign(new DecisionRecordEntity(), {
    id: int(r["id"]),
    organizationId: int(r["organizationId"]),
    requestId: int(r["requestId"]),
    action: text(r["action"]),
    actorId: nullableInt(r["actorId"]),
    at: time(r["at"]),
    productId: nullableInt(r["productId"]),
    message: nullableText(r["message"]),
  });

/** A stored adminNotification; IMMEDIATELY (the default) for anything else. */
const adminNotificationOf = (value: unknown): AdminNotificationValue =>
  (ADMIN_NOTIFICATIONS as readonly unknown[]).includes(value) ? (value as AdminNotificationValue) : "IMMEDIATELY";

export const toSettings = (r: Row) =>
  Object.assign(new RequestProcessSettingsEntity(), {
    organizationId: int(r["organizationId"]),
    useOwnRequestProcess: flag(r["useOwnRequestProcess"]),
    message: nullableText(r["message"]),
    documentationUrl: nullableText(r["documentationUrl"]),
    updatedAt: nullableTime(r["updatedAt"]),
    updatedById: nullableInt(r["updatedById"]),
    adminNotification: adminNotificationOf(r["adminNotification"]),
  });

export const toGroup = (r: Row) => Object.assign(new GroupEntity(), { id: int(r["id"]), organizationId: int(r["organizationId"]), name: text(r["name"]) });

export const toOrganization = (r: Row) => Object.assign(new OrganizationEntity(), { id: int(r["id"]), name: text(r["name"]) });

/** Rows of one statement, through the data source (or a transaction's manager). */
export async function rows<T>(db: Queryable, sql: string, parameters: unknown[], map: (row: Row) => T): Promise<T[]> {
  const result = await db.query<Row[]>(sql, parameters);
  return result.map(map);
}
