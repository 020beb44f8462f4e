/**
 * Per-operation DataLoaders, every one scoped to the viewer's organization: a key
 * of another organization loads as missing. Batch functions return one result per
 * key, in key order. Build a fresh set for every operation (and, for
 * subscriptions, for every event).
 */
import DataLoader from "dataloader";
import { DataSource, EntityManager, In } from "typeorm";
import {
  AssignmentDisabledPlanEntity,
  DecisionRecordDisabledPlanEntity,
  DecisionRecordEntity,
  DecisionRecordUserEntity,
  LicenseAssignmentEntity,
  LicenseRequestDisabledPlanEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  OrganizationEntity,
  ProductEntity,
  ProductServicePlanEntity,
  RequestProcessSettingsEntity,
  ServicePlanEntity,
  UserEntity,
} from "../../entities";
import type { Catalog } from "./catalog";

export type { Catalog } from "./catalog";

function byId<T extends { id: number }>(rows: T[], keys: readonly number[]): (T | null)[] {
  const map = new Map(rows.map((r) => [r.id, r]));
  return keys.map((k) => map.get(k) ?? null);
}

function groupBy<T>(rows: T[], keyOf: (row: T) => number, keys: readonly number[]): T[][] {
  const map = new Map<number, T[]>();
  for (const row of rows) {
    const list = map.get(keyOf(row));
    if (list) list.push(row);
    else map.set(keyOf(row), [row]);
  }
  return keys.map((k) => map.get(k) ?? []);
}

const compareByName = (a: { name: string; id: number }, b: { name: string; id: number }) =>
  a.name.localeCompare(b.name) || a.id - b.id;

/** Reads the organization's catalog (three queries) through a data source or a transaction's manager. */
export async function loadCatalog(manager: EntityManager, organizationId: number): Promise<Catalog> {
  const orgScope = { organizationId };
  const [products, plans, links] = await Promise.all([
    manager.getRepository(ProductEntity).find({ where: orgScope }),
    manager.getRepository(ServicePlanEntity).find({ where: orgScope }),
    manager.getRepository(ProductServicePlanEntity).find({ where: orgScope }),
  ]);
  const planById = new Map(plans.map((p) => [p.id, p]));
  const planIdsByProductId = new Map<number, number[]>();
  for (const link of links) {
    const list = planIdsByProductId.get(link.productId) ?? [];
    list.push(link.servicePlanId);
    planIdsByProductId.set(link.productId, list);
  }
  for (const ids of planIdsByProductId.values()) ids.sort((a, b) => compareByName(planById.get(a)!, planById.get(b)!));
  return {
    products: products.sort(compareByName),
    productById: new Map(products.map((p) => [p.id, p])),
    planById,
    planIdsByProductId,
  };
}

export function createLoaders(db: DataSource, organizationId: number) {
  const orgScope = { organizationId };
  let catalogPromise: Promise<Catalog> | null = null;
  let settingsPromise: Promise<RequestProcessSettingsEntity | null> | null = null;

  const catalog = (): Promise<Catalog> => {
    catalogPromise ??= loadCatalog(db.manager, organizationId);
    return catalogPromise;
  };

  return {
    organizationId,
    catalog,

    organization: new DataLoader<number, OrganizationEntity | null>(async (ids) =>
      // An organization sees only itself.
      byId(await db.getRepository(OrganizationEntity).find({ where: { id: In(ids.filter((id) => id === organizationId)) } }), ids),
    ),

    user: new DataLoader<number, UserEntity | null>(async (ids) =>
      byId(await db.getRepository(UserEntity).find({ where: { id: In([...ids]), organizationId } }), ids),
    ),

    request: new DataLoader<number, LicenseRequestEntity | null>(async (ids) =>
      byId(await db.getRepository(LicenseRequestEntity).find({ where: { id: In([...ids]), organizationId } }), ids),
    ),

    /** Recipients of each request: the requester first, then the named users in order. */
    recipients: new DataLoader<number, LicenseRequestRecipientEntity[]>(async (requestIds) =>
      groupBy(
        await db.getRepository(LicenseRequestRecipientEntity).find({
          where: { requestId: In([...requestIds]), organizationId },
          order: { requestId: "ASC", position: "ASC" },
        }),
        (r) => r.requestId,
        requestIds,
      ),
    ),

    assignment: new DataLoader<number, LicenseAssignmentEntity | null>(async (ids) =>
      byId(await db.getRepository(LicenseAssignmentEntity).find({ where: { id: In([...ids]), organizationId } }), ids),
    ),

    /** Licenses held by each user, oldest first. */
    assignmentsOfUser: new DataLoader<number, LicenseAssignmentEntity[]>(async (userIds) =>
      groupBy(
        await db.getRepository(LicenseAssignmentEntity).find({
          where: { userId: In([...userIds]), organizationId },
          order: { assignedAt: "ASC", id: "ASC" },
        }),
        (a) => a.userId,
        userIds,
      ),
    ),

    /** Service plan IDs turned off in each assignment. */
    disabledPlanIdsOfAssignment: new DataLoader<number, number[]>(async (assignmentIds) =>
      groupBy(
        await db.getRepository(AssignmentDisabledPlanEntity).find({
          where: { assignmentId: In([...assignmentIds]), organizationId },
        }),
        (d) => d.assignmentId,
        assignmentIds,
      ).map((rows) => rows.map((r) => r.servicePlanId)),
    ),

    /** Service plan IDs an approval turned off, per request, in the order given. */
    disabledPlanIdsOfRequest: new DataLoader<number, number[]>(async (requestIds) =>
      groupBy(
        await db.getRepository(LicenseRequestDisabledPlanEntity).find({
          where: { requestId: In([...requestIds]), organizationId },
          order: { requestId: "ASC", position: "ASC" },
        }),
        (d) => d.requestId,
        requestIds,
      ).map((rows) => rows.map((r) => r.servicePlanId)),
    ),

    /** Who one history entry approved and denied, in recipient order. */
    peopleOfDecision: new DataLoader<number, { approved: number[]; denied: number[] }>(async (decisionIds) =>
      groupBy(
        await db.getRepository(DecisionRecordUserEntity).find({
          where: { decisionId: In([...decisionIds]), organizationId },
          order: { decisionId: "ASC", position: "ASC" },
        }),
        (d) => d.decisionId,
        decisionIds,
      ).map((rows) => ({
        approved: rows.filter((r) => r.outcome === "APPROVED").map((r) => r.userId),
        denied: rows.filter((r) => r.outcome === "DENIED").map((r) => r.userId),
      })),
    ),

    /** Service plan IDs one history entry turned off, in the order given. */
    disabledPlanIdsOfDecision: new DataLoader<number, number[]>(async (decisionIds) =>
      groupBy(
        await db.getRepository(DecisionRecordDisabledPlanEntity).find({
          where: { decisionId: In([...decisionIds]), organizationId },
          order: { decisionId: "ASC", position: "ASC" },
        }),
        (d) => d.decisionId,
        decisionIds,
      ).map((rows) => rows.map((r) => r.servicePlanId)),
    ),

    decision: new DataLoader<number, DecisionRecordEntity | null>(async (ids) =>
      byId(await db.getRepository(DecisionRecordEntity).find({ where: { id: In([...ids]), organizationId } }), ids),
    ),

    settings: (): Promise<RequestProcessSettingsEntity | null> => {
      settingsPromise ??= db.getRepository(RequestProcessSettingsEntity).findOne({ where: orgScope });
      return settingsPromise;
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
