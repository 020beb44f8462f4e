/**
 * Fixtures a test builds for itself, on a migrated database, instead of
 * borrowing the demo seed: an organization, then its people, products,
 * groups, requests and history, each with whatever the test cares about and
 * defaults for the rest.
 *
 *   const org = await seedOrganization(dataSource);
 *   const admin = await org.user({ role: "GLOBAL_ADMIN" });
 *   const visio = await org.product({ total: 3 });
 *   const request = await org.request({ requester: await org.user(), product: visio });
 */
import { randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import {
  DecisionAction,
  DecisionRecordEntity,
  GroupEntity,
  GroupLicensedProductEntity,
  GroupMemberEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  OrganizationEntity,
  ProductEntity,
  ProductServicePlanEntity,
  ServicePlanEntity,
  StoredRequestStatus,
  UserEntity,
} from "../../src/entities";
import { signToken } from "../../src/services/access/authentication";
import { TEST_JWT_SECRET } from "./fixtures";

const DAY = 86_400_000;
const unique = () => randomBytes(4).toString("hex");

export interface OrganizationSeed {
  organization: OrganizationEntity;
  user(fields?: Partial<Pick<UserEntity, "displayName" | "email" | "role">>): Promise<UserEntity>;
  /** A product with `plans` service plans of its own (default two), blocked for self-service unless told. */
  product(fields?: { name?: string; selfService?: boolean; total?: number; assigned?: number; plans?: number }): Promise<ProductEntity>;
  group(fields: { name?: string; licensedWith?: ProductEntity[]; members?: UserEntity[] }): Promise<GroupEntity>;
  /** A request of `requester` (and `named`) for `product`, pending unless `status` says otherwise. */
  request(fields: {
    requester: UserEntity;
    product: ProductEntity;
    named?: UserEntity[];
    status?: StoredRequestStatus;
    requestedAt?: Date;
  }): Promise<LicenseRequestEntity>;
  /** One history entry of `request`. */
  decision(fields: { request: LicenseRequestEntity; action: DecisionAction; actor: UserEntity | null; at: Date }): Promise<DecisionRecordEntity>;
  token(user: UserEntity): Promise<string>;
}

export async function seedOrganization(dataSource: DataSource, name = `Org ${unique()}`): Promise<OrganizationSeed> {
  const organization = await dataSource.getRepository(OrganizationEntity).save({ name });
  const organizationId = organization.id;
  return {
    organization,
    user: (fields = {}) => {
      const tag = unique();
      return dataSource.getRepository(UserEntity).save({
        organizationId,
        displayName: fields.displayName ?? `Person ${tag}`,
        email: fields.email ?? `person-${tag}@${organizationId}.example`,
        role: fields.role ?? "USER",
      });
    },
    product: async (fields = {}) => {
      const tag = unique();
      const product = await dataSource.getRepository(ProductEntity).save({
        organizationId,
        name: fields.name ?? `Product ${tag}`,
        skuPartNumber: `SKU_${tag}`,
        selfServicePurchaseAllowed: fields.selfService ?? false,
        totalLicenses: fields.total ?? 10,
        assignedLicenses: fields.assigned ?? 0,
      });
      for (let i = 0; i < (fields.plans ?? 2); i++) {
        const plan = await dataSource.getRepository(ServicePlanEntity).save({ organizationId, name: `App ${tag} ${i}`, servicePlanName: `PLAN_${tag}_${i}` });
        await dataSource.getRepository(ProductServicePlanEntity).insert({ organizationId, productId: product.id, servicePlanId: plan.id });
      }
      return product;
    },
    group: async (fields) => {
      const group = await dataSource.getRepository(GroupEntity).save({ organizationId, name: fields.name ?? `Group ${unique()}` });
      for (const product of fields.licensedWith ?? []) {
        await dataSource.getRepository(GroupLicensedProductEntity).insert({ organizationId, groupId: group.id, productId: product.id });
      }
      for (const member of fields.members ?? []) {
        await dataSource.getRepository(GroupMemberEntity).insert({ organizationId, groupId: group.id, userId: member.id });
      }
      return group;
    },
    request: async (fields) => {
      const requestedAt = fields.requestedAt ?? new Date();
      const status = fields.status ?? "PENDING";
      const pending = status === "PENDING";
      const recipients = [fields.requester, ...(fields.named ?? [])];
      const request = await dataSource.getRepository(LicenseRequestEntity).save({
        organizationId,
        productId: fields.product.id,
        requesterId: fields.requester.id,
        justification: null,
        status,
        recipientCount: recipients.length,
        requestedAt,
        expiresAt: new Date(requestedAt.getTime() + 30 * DAY),
        decidedAt: pending ? null : requestedAt,
        decidedById: null,
        decisionMessage: null,
        assignedProductId: null,
      });
      await dataSource.getRepository(LicenseRequestRecipientEntity).insert(
        recipients.map((user, position) => ({
          requestId: request.id,
          userId: user.id,
          organizationId,
          position,
          decision: "PENDING" as const,
          pendingProductId: pending ? fields.product.id : null,
          assignmentId: null,
        })),
      );
      return request;
    },
    decision: (fields) =>
      dataSource.getRepository(DecisionRecordEntity).save({
        organizationId,
        requestId: fields.request.id,
        action: fields.action,
        actorId: fields.actor?.id ?? null,
        at: fields.at,
        productId: null,
        message: null,
      }),
    token: (user) => signToken(TEST_JWT_SECRET, user),
  };
}

/**
 * Leaves the demo data's global admins as its only deciders (its license admin
 * and user admin become users; Power BI Pro's approver is removed), for suites
 * that count the emails a new request writes. Who else hears of a request is
 * test/e2e/decision-links.test.ts's.
 */
export async function onlyGlobalAdminsDecide(dataSource: DataSource): Promise<void> {
  await dataSource.query("UPDATE app_user SET role = 'USER' WHERE role IN ('LICENSE_ADMIN', 'USER_ADMIN')");
  await dataSource.query("DELETE FROM product_approver");
}
