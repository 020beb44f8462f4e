/**
 * Per-operation DataLoaders, every one scoped to the viewer's organization: a key
 * of another organization loads as missing. Batch functions return one result per
 * key, in key order. Build a fresh set for every operation (and, for
 * subscriptions, for every event).
 *
 * Every statement is written by hand (rows.ts): one per batch, no entity
 * hydration; the statements a page costs do not grow with its size
 * (test/integration/batching.test.ts).
 */
import DataLoader from "dataloader";
import type { DataSource, EntityManager } from "typeorm";
import type {
  DecisionRecordEntity,
  LicenseAssignmentEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  OrganizationEntity,
  ProductEntity,
  RequestProcessSettingsEntity,
  UserEntity,
} from "../../entities";
import type { Catalog } from "./catalog";
import {
  placeholders,
  PRODUCT_COLUMNS,
  RECIPIENT_COLUMNS,
  REQUEST_COLUMNS,
  rows,
  toAssignment,
  toDecision,
  toOrganization,
  toPlan,
  toProduct,
  toRecipient,
  toRequest,
  toSettings,
  toUser,
  USER_COLUMNS,
} from "./rows";

export type { Catalog } from "./catalog";

type Queryable = Pick<DataSource | EntityManager, "query">;

function byId<T extends { id: number }>(found: T[], keys: readonly number[]): (T | null)[] {
  const map = new Map(found.map((r) => [r.id, r]));
  return keys.map((k) => map.get(k) ?? null);
}

function groupBy<T>(found: T[], keyOf: (row: T) => number, keys: readonly number[]): T[][] {
  const map = new Map<number, T[]>();
  for (const row of found) {
    const list = map.get(keyOf(row));
    if (list) list.push(row);
    else map.set(keyOf(row), [row]);
  }
  return keys.map((k) => map.get(k) ?? []);
}

const compareByName = (a: { name: string; id: number }, b: { name: string; id: number }) => a.name.localeCompare(b.name) || a.id - b.id;

/** The organization's products, by name (one statement). */
export async function loadProducts(db: Queryable, organizationId: number): Promise<ProductEntity[]> {
  const products = await rows(db, `SELECT ${PRODUCT_COLUMNS} FROM \`product\` WHERE \`organizationId\` = ?`, [organizationId], toProduct);
  return products.sort(compareByName);
}

/** The organization's catalog: its products and their service plans (three statements), through a data source or a transaction's manager. */
export async function loadCatalog(db: Queryable, organizationId: number, products?: Promise<ProductEntity[]>): Promise<Catalog> {
  const [productList, plans, links] = await Promise.all([
    products ?? loadProducts(db, organizationId),
    rows(db, "SELECT `id`, `organizationId`, `name`, `servicePlanName` FROM `service_plan` WHERE `organizationId` = ?", [organizationId], toPlan),
    rows(db, "SELECT `productId`, `servicePlanId` FROM `product_service_plan` WHERE `organizationId` = ?", [organizationId], (r) => ({
      productId: Number(r["productId"]),
      servicePlanId: Number(r["servicePlanId"]),
    })),
  ]);
  const planById = new Map(plans.map((p) => [p.id, p]));
  const planIdsByProductId = new Map<number, number[]>();
  for (const link of links) {
    const list = planIdsByProductId.get(link.productId) ?? [];
    list.push(link.servicePlanId);
    planIdsByProductId.set(link.productId, list);
  }
  for (const ids of planIdsByProductId.values()) ids.sort((a, b) => compareByName(planById.get(a)!, planById.get(b)!));
  return { products: productList, productById: new Map(productList.map((p) => [p.id, p])), planById, planIdsByProductId };
}

/**
 * When an operation's batches go out. A batch is dispatched once the event
 * loop has run the I/O callbacks that are ready (setImmediate), not at the end
 * of the current tick, and only while none of the operation's batches is in
 * flight, the nearest to the root first (`level`: requests before their
 * recipients, recipients before the people they name): keys asked for by
 * resolvers that resume from different statements' rows then share one
 * statement (the requesters of a page and the users its recipients name are
 * one statement, not two), so an operation's statement count depends neither
 * on how its replies happened to arrive nor on the order its fields resolve.
 * No batch function waits for another loader, so holding a batch back never
 * blocks the one it waits for.
 */
function operationBatches() {
  const waiting: { level: number; dispatch: () => void }[] = [];
  let inFlight = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (inFlight > 0 || waiting.length === 0) return;
    let level = Infinity;
    for (const w of waiting) level = Math.min(level, w.level);
    const ready = waiting.filter((w) => w.level === level);
    waiting.splice(0, waiting.length, ...waiting.filter((w) => w.level !== level));
    for (const w of ready) w.dispatch();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  return {
    /** DataLoader options for a loader of this operation at `level`, its batch function counted while in flight. */
    options<K, V>(level: number, batch: (keys: readonly K[]) => Promise<V[]>): [DataLoader.BatchLoadFn<K, V>, DataLoader.Options<K, V>] {
      const counted = async (keys: readonly K[]) => {
        inFlight += 1;
        try {
          return await batch(keys);
        } finally {
          inFlight -= 1;
          if (inFlight === 0 && waiting.length) schedule();
        }
      };
      return [
        counted,
        {
          batchScheduleFn: (dispatch: () => void) => {
            waiting.push({ level, dispatch });
            schedule();
          },
        },
      ];
    },
  };
}

/** Dispatch order of the loaders (operationBatches): rows nearer the root of a typical operation first. */
const LEVEL = {
  request: 0,
  organization: 0,
  recipients: 1,
  decision: 1,
  assignment: 2,
  disabledPlanIdsOfRequest: 2,
  peopleOfDecision: 2,
  disabledPlanIdsOfDecision: 2,
  user: 3,
  assignmentsOfUser: 4,
  disabledPlanIdsOfAssignment: 5,
} as const;

export function createLoaders(db: DataSource, organizationId: number) {
  let productsPromise: Promise<ProductEntity[]> | null = null;
  let productMapPromise: Promise<Map<number, ProductEntity>> | null = null;
  let catalogPromise: Promise<Catalog> | null = null;
  let settingsPromise: Promise<RequestProcessSettingsEntity | null> | null = null;

  const products = (): Promise<ProductEntity[]> => {
    productsPromise ??= loadProducts(db, organizationId);
    return productsPromise;
  };

  const batches = operationBatches();
  const loader = <K, V>(level: number, batch: (keys: readonly K[]) => Promise<V[]>) => new DataLoader<K, V>(...batches.options(level, batch));

  /** `keys` with the organization first: every batch below is `organizationId = ? AND … IN (…)`. */
  const scoped = (keys: readonly number[]) => [organizationId, ...keys];

  return {
    organizationId,
    /** The organization's products (one statement), when no service plan is needed. */
    products,
    productById: (): Promise<Map<number, ProductEntity>> => {
      productMapPromise ??= products().then((list) => new Map(list.map((p) => [p.id, p])));
      return productMapPromise;
    },
    /** Products with their service plans. */
    catalog: (): Promise<Catalog> => {
      catalogPromise ??= loadCatalog(db, organizationId, products());
      return catalogPromise;
    },

    organization: loader<number, OrganizationEntity | null>(LEVEL.organization, async (ids) =>
      // An organization sees only itself.
      ids.includes(organizationId)
        ? byId(await rows(db, "SELECT `id`, `name` FROM `organization` WHERE `id` = ?", [organizationId], toOrganization), ids)
        : ids.map(() => null),
    ),

    user: loader<number, UserEntity | null>(LEVEL.user, async (ids) =>
      byId(
        await rows(
          db,
          `SELECT ${USER_COLUMNS} FROM \`app_user\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
          scoped(ids),
          toUser,
        ),
        ids,
      ),
    ),

    request: loader<number, LicenseRequestEntity | null>(LEVEL.request, async (ids) =>
      byId(
        await rows(
          db,
          `SELECT ${REQUEST_COLUMNS} FROM \`license_request\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
          scoped(ids),
          toRequest,
        ),
        ids,
      ),
    ),

    /** Recipients of each request: the requester first, then the named users in order. */
    recipients: loader<number, LicenseRequestRecipientEntity[]>(LEVEL.recipients, async (requestIds) =>
      groupBy(
        await rows(
          db,
          `SELECT ${RECIPIENT_COLUMNS} FROM \`license_request_recipient\` WHERE \`organizationId\` = ? AND \`requestId\` IN (${placeholders(requestIds.length)}) ORDER BY \`requestId\`, \`position\``,
          scoped(requestIds),
          toRecipient,
        ),
        (r) => r.requestId,
        requestIds,
      ),
    ),

    assignment: loader<number, LicenseAssignmentEntity | null>(LEVEL.assignment, async (ids) =>
      byId(
        await rows(
          db,
          `SELECT \`id\`, \`organizationId\`, \`userId\`, \`productId\`, \`assignedAt\`, \`requestId\` FROM \`license_assignment\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
          scoped(ids),
          toAssignment,
        ),
        ids,
      ),
    ),

    /** Licenses held by each user, oldest first. */
    assignmentsOfUser: loader<number, LicenseAssignmentEntity[]>(LEVEL.assignmentsOfUser, async (userIds) =>
      groupBy(
        await rows(
          db,
          `SELECT \`id\`, \`organizationId\`, \`userId\`, \`productId\`, \`assignedAt\`, \`requestId\` FROM \`license_assignment\` WHERE \`organizationId\` = ? AND \`userId\` IN (${placeholders(userIds.length)}) ORDER BY \`assignedAt\`, \`id\``,
          scoped(userIds),
          toAssignment,
        ),
        (a) => a.userId,
        userIds,
      ),
    ),

    /** Service plan IDs turned off in each assignment. */
    disabledPlanIdsOfAssignment: loader<number, number[]>(LEVEL.disabledPlanIdsOfAssignment, async (assignmentIds) =>
      groupBy(
        await rows(
          db,
          `SELECT \`assignmentId\`, \`servicePlanId\` FROM \`assignment_disabled_plan\` WHERE \`organizationId\` = ? AND \`assignmentId\` IN (${placeholders(assignmentIds.length)}) ORDER BY \`assignmentId\`, \`servicePlanId\``,
          scoped(assignmentIds),
          (r) => ({ assignmentId: Number(r["assignmentId"]), servicePlanId: Number(r["servicePlanId"]) }),
        ),
        (d) => d.assignmentId,
        assignmentIds,
      ).map((found) => found.map((r) => r.servicePlanId)),
    ),

    /** Service plan IDs an approval turned off, per request, in the order given. */
    disabledPlanIdsOfRequest: loader<number, number[]>(LEVEL.disabledPlanIdsOfRequest, async (requestIds) =>
      groupBy(
        await rows(
          db,
          `SELECT \`requestId\`, \`servicePlanId\` FROM \`license_request_disabled_plan\` WHERE \`organizationId\` = ? AND \`requestId\` IN (${placeholders(requestIds.length)}) ORDER BY \`requestId\`, \`position\``,
          scoped(requestIds),
          (r) => ({ requestId: Number(r["requestId"]), servicePlanId: Number(r["servicePlanId"]) }),
        ),
        (d) => d.requestId,
        requestIds,
      ).map((found) => found.map((r) => r.servicePlanId)),
    ),

    /** Who one history entry approved and denied, in recipient order. */
    peopleOfDecision: loader<number, { approved: number[]; denied: number[] }>(LEVEL.peopleOfDecision, async (decisionIds) =>
      groupBy(
        await rows(
          db,
          `SELECT \`decisionId\`, \`userId\`, \`outcome\` FROM \`decision_record_user\` WHERE \`organizationId\` = ? AND \`decisionId\` IN (${placeholders(decisionIds.length)}) ORDER BY \`decisionId\`, \`position\``,
          scoped(decisionIds),
          (r) => ({ decisionId: Number(r["decisionId"]), userId: Number(r["userId"]), outcome: String(r["outcome"]) }),
        ),
        (d) => d.decisionId,
        decisionIds,
      ).map((found) => ({
        approved: found.filter((r) => r.outcome === "APPROVED").map((r) => r.userId),
        denied: found.filter((r) => r.outcome === "DENIED").map((r) => r.userId),
      })),
    ),

    /** Service plan IDs one history entry turned off, in the order given. */
    disabledPlanIdsOfDecision: loader<number, number[]>(LEVEL.disabledPlanIdsOfDecision, async (decisionIds) =>
      groupBy(
        await rows(
          db,
          `SELECT \`decisionId\`, \`servicePlanId\` FROM \`decision_record_disabled_plan\` WHERE \`organizationId\` = ? AND \`decisionId\` IN (${placeholders(decisionIds.length)}) ORDER BY \`decisionId\`, \`position\``,
          scoped(decisionIds),
          (r) => ({ decisionId: Number(r["decisionId"]), servicePlanId: Number(r["servicePlanId"]) }),
        ),
        (d) => d.decisionId,
        decisionIds,
      ).map((found) => found.map((r) => r.servicePlanId)),
    ),

    decision: loader<number, DecisionRecordEntity | null>(LEVEL.decision, async (ids) =>
      byId(
        await rows(
          db,
          `SELECT \`id\`, \`organizationId\`, \`requestId\`, \`action\`, \`actorId\`, \`at\`, \`productId\`, \`message\` FROM \`decision_record\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
          scoped(ids),
          toDecision,
        ),
        ids,
      ),
    ),

    settings: (): Promise<RequestProcessSettingsEntity | null> => {
      settingsPromise ??= rows(
        db,
        "SELECT `organizationId`, `useOwnRequestProcess`, `message`, `documentationUrl`, `updatedAt`, `updatedById` FROM `request_process_settings` WHERE `organizationId` = ?",
        [organizationId],
        toSettings,
      ).then((found) => found[0] ?? null);
      return settingsPromise;
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
