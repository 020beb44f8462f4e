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
  GroupEntity,
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
  toGroup,
  toOrganization,
  toPlan,
  toProduct,
  toRecipient,
  toRequest,
  toSettings,
  toJoinedUser,
  toUser,
  USER_COLUMNS,
  joinedUserColumns,
  qualified,
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
 * Every loader of an operation dispatches its batch once the event loop has run
 * the I/O callbacks that are ready (setImmediate), not at the end of the current
 * tick: keys asked for by resolvers that resume from different statements' rows
 * then share one statement, so an operation's statement count does not depend on
 * how its replies happened to arrive.
 */
const batching = { batchScheduleFn: (dispatch: () => void) => setImmediate(dispatch) } as const;

const RECIPIENTS_WITH_USERS = `${qualified(RECIPIENT_COLUMNS, "rr")}, ${joinedUserColumns("u", "user_")}`;
const joinedUser = toJoinedUser("user_");

export function createLoaders(db: DataSource, organizationId: number) {
  let productsPromise: Promise<ProductEntity[]> | null = null;
  let productMapPromise: Promise<Map<number, ProductEntity>> | null = null;
  let catalogPromise: Promise<Catalog> | null = null;
  let settingsPromise: Promise<RequestProcessSettingsEntity | null> | null = null;
  let groupsPromise: Promise<GroupLicensing[]> | null = null;

  const products = (): Promise<ProductEntity[]> => {
    productsPromise ??= loadProducts(db, organizationId);
    return productsPromise;
  };

  /** `keys` with the organization first: every batch below is `organizationId = ? AND … IN (…)`. */
  const scoped = (keys: readonly number[]) => [organizationId, ...keys];

  /** Users this operation has read, by its loader or through other statements' joins: `userOf` answers them at once. */
  const usersRead = new Map<number, UserEntity | null>();
  /** Users of the organization; other loaders' joins fill it too (`prime`), so a user read with a page costs no statement. */
  const user = new DataLoader<number, UserEntity | null>(async (ids) => {
    const found = byId(
      await rows(db, `SELECT ${USER_COLUMNS} FROM \`app_user\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`, scoped(ids), toUser),
      ids,
    );
    ids.forEach((id, i) => usersRead.set(id, found[i] ?? null));
    return found;
  }, batching);
  /**
   * A user another statement read through a join (on the user's id alone, so that the
   * join is a primary-key lookup): it fills the user loader only when it is of the
   * organization, as the loader's own statement would have found it.
   */
  const primeUser = (found: UserEntity | null): void => {
    if (found && found.organizationId === organizationId) {
      user.prime(found.id, found);
      usersRead.set(found.id, found);
    }
  };
  let productMap: Map<number, ProductEntity> | null = null;
  const productById = (): Promise<Map<number, ProductEntity>> => {
    productMapPromise ??= products().then((list) => (productMap = new Map(list.map((p) => [p.id, p]))));
    return productMapPromise;
  };

  return {
    organizationId,
    /** The organization's products (one statement), when no service plan is needed. */
    products,
    productById,
    /**
     * The organization's product with this id (undefined when it has none): at once when
     * the operation has read its products already, else through `productById`. Resolvers
     * return this as it is, so a value already read costs them no promise to wait on.
     */
    productOf: (id: number): ProductEntity | undefined | Promise<ProductEntity | undefined> =>
      productMap ? productMap.get(id) : productById().then((map) => map.get(id)),
    /** Products with their service plans. */
    catalog: (): Promise<Catalog> => {
      catalogPromise ??= loadCatalog(db, organizationId, products());
      return catalogPromise;
    },

    organization: new DataLoader<number, OrganizationEntity | null>(
      async (ids) =>
        // An organization sees only itself.
        ids.includes(organizationId)
          ? byId(await rows(db, "SELECT `id`, `name` FROM `organization` WHERE `id` = ?", [organizationId], toOrganization), ids)
          : ids.map(() => null),
      batching,
    ),

    user,
    primeUser,
    /**
     * The user with this id (null when the organization has none): at once when the
     * operation has read it already (a page's requesters and its recipients' users come
     * with their rows), else through the loader.
     */
    userOf: (id: number): UserEntity | null | Promise<UserEntity | null> => {
      const known = usersRead.get(id);
      return known !== undefined ? known : user.load(id);
    },

    request: new DataLoader<number, LicenseRequestEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT ${REQUEST_COLUMNS} FROM \`license_request\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            scoped(ids),
            toRequest,
          ),
          ids,
        ),
      batching,
    ),

    /**
     * Recipients of each request: the requester first, then the named users in order.
     * Their users come in the same statement and fill the user loader, so a page's
     * `recipients { user }` costs no statement of its own.
     */
    recipients: new DataLoader<number, LicenseRequestRecipientEntity[]>(async (requestIds) => {
      const found = await rows(
        db,
        `SELECT ${RECIPIENTS_WITH_USERS} FROM \`license_request_recipient\` rr LEFT JOIN \`app_user\` u ON u.\`id\` = rr.\`userId\` WHERE rr.\`organizationId\` = ? AND rr.\`requestId\` IN (${placeholders(requestIds.length)}) ORDER BY rr.\`requestId\`, rr.\`position\``,
        scoped(requestIds),
        (r) => ({ recipient: toRecipient(r), user: joinedUser(r) }),
      );
      for (const { user: named } of found) primeUser(named);
      return groupBy(
        found.map((f) => f.recipient),
        (r) => r.requestId,
        requestIds,
      );
    }, batching),

    assignment: new DataLoader<number, LicenseAssignmentEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT \`id\`, \`organizationId\`, \`userId\`, \`productId\`, \`assignedAt\`, \`requestId\`, \`groupId\` FROM \`license_assignment\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            scoped(ids),
            toAssignment,
          ),
          ids,
        ),
      batching,
    ),

    /** Licenses held by each user, oldest first. */
    assignmentsOfUser: new DataLoader<number, LicenseAssignmentEntity[]>(
      async (userIds) =>
        groupBy(
          await rows(
            db,
            `SELECT \`id\`, \`organizationId\`, \`userId\`, \`productId\`, \`assignedAt\`, \`requestId\`, \`groupId\` FROM \`license_assignment\` WHERE \`organizationId\` = ? AND \`userId\` IN (${placeholders(userIds.length)}) ORDER BY \`assignedAt\`, \`id\``,
            scoped(userIds),
            toAssignment,
          ),
          (a) => a.userId,
          userIds,
        ),
      batching,
    ),

    /** Service plan IDs turned off in each assignment. */
    disabledPlanIdsOfAssignment: new DataLoader<number, number[]>(
      async (assignmentIds) =>
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
      batching,
    ),

    /** Service plan IDs an approval turned off, per request, in the order given. */
    disabledPlanIdsOfRequest: new DataLoader<number, number[]>(
      async (requestIds) =>
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
      batching,
    ),

    /** Who one history entry approved and denied, in recipient order. */
    peopleOfDecision: new DataLoader<number, { approved: number[]; denied: number[] }>(
      async (decisionIds) =>
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
      batching,
    ),

    /** Service plan IDs one history entry turned off, in the order given. */
    disabledPlanIdsOfDecision: new DataLoader<number, number[]>(
      async (decisionIds) =>
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
      batching,
    ),

    decision: new DataLoader<number, DecisionRecordEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT \`id\`, \`organizationId\`, \`requestId\`, \`action\`, \`actorId\`, \`at\`, \`productId\`, \`message\` FROM \`decision_record\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            scoped(ids),
            toDecision,
          ),
          ids,
        ),
      batching,
    ),

    group: new DataLoader<number, GroupEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT \`id\`, \`organizationId\`, \`name\` FROM \`security_group\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            scoped(ids),
            toGroup,
          ),
          ids,
        ),
      batching,
    ),

    /** Members of each group (a count per group, one statement per batch). */
    memberCount: new DataLoader<number, number>(async (groupIds) => {
      const counts = await rows(
        db,
        `SELECT \`groupId\`, COUNT(*) AS \`members\` FROM \`group_member\` WHERE \`organizationId\` = ? AND \`groupId\` IN (${placeholders(groupIds.length)}) GROUP BY \`groupId\``,
        scoped(groupIds),
        (r) => ({ groupId: Number(r["groupId"]), members: Number(r["members"]) }),
      );
      const byGroup = new Map(counts.map((c) => [c.groupId, c.members]));
      return groupIds.map((id) => byGroup.get(id) ?? 0);
    }, batching),

    /** Product IDs each group is licensed with. */
    licensedProductIdsOfGroup: new DataLoader<number, number[]>(
      async (groupIds) =>
        groupBy(
          await rows(
            db,
            `SELECT \`groupId\`, \`productId\` FROM \`group_licensed_product\` WHERE \`organizationId\` = ? AND \`groupId\` IN (${placeholders(groupIds.length)}) ORDER BY \`groupId\`, \`productId\``,
            scoped(groupIds),
            (r) => ({ groupId: Number(r["groupId"]), productId: Number(r["productId"]) }),
          ),
          (g) => g.groupId,
          groupIds,
        ).map((found) => found.map((r) => r.productId)),
      batching,
    ),

    /** Every group of the organization with its licensed products, by name (two statements, once per operation): eligibleGroups of any request. */
    groupLicensing: (): Promise<GroupLicensing[]> => {
      groupsPromise ??= Promise.all([
        rows(db, "SELECT `id`, `organizationId`, `name` FROM `security_group` WHERE `organizationId` = ?", [organizationId], toGroup),
        rows(
          db,
          "SELECT `groupId`, `productId` FROM `group_licensed_product` WHERE `organizationId` = ? ORDER BY `groupId`, `productId`",
          [organizationId],
          (r) => ({
            groupId: Number(r["groupId"]),
            productId: Number(r["productId"]),
          }),
        ),
      ]).then(([groups, links]) =>
        groups.sort(compareByName).map((group) => ({ group, licensedProductIds: links.filter((l) => l.groupId === group.id).map((l) => l.productId) })),
      );
      return groupsPromise;
    },

    settings: (): Promise<RequestProcessSettingsEntity | null> => {
      settingsPromise ??= rows(
        db,
        "SELECT `organizationId`, `useOwnRequestProcess`, `message`, `documentationUrl`, `updatedAt`, `updatedById`, `adminNotification` FROM `request_process_settings` WHERE `organizationId` = ?",
        [organizationId],
        toSettings,
      ).then((found) => found[0] ?? null);
      return settingsPromise;
    },
  };
}

/** A group with the products it is licensed with. */
export interface GroupLicensing {
  group: GroupEntity;
  licensedProductIds: number[];
}

export type Loaders = ReturnType<typeof createLoaders>;
