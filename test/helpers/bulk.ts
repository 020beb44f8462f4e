/**
 * Decided requests written straight into the database, many at a time, for
 * the tests that need volume (batching, pagination): each has the requester
 * and two more recipients of the organization (never themselves requesters,
 * so every page has users to load at both depths), an admin who decided it and,
 * every other one, an approval from another product with one plan off.
 */
import type { DataSource } from "typeorm";
import {
  DecisionRecordEntity,
  LicenseRequestDisabledPlanEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  ProductEntity,
  ServicePlanEntity,
  UserEntity,
} from "../../src/entities";

export interface BulkRequestOptions {
  organizationName?: "Contoso" | "Fabrikam";
  /** requestedAt of the first row; each next one is `stepMs` older. */
  newest: Date;
  stepMs?: number;
  /** Record each decision in the history too (one entry per request, by the admin). */
  withHistory?: boolean;
}

/** Inserts `count` decided requests; returns their IDs, newest first. */
export async function insertDecidedRequests(dataSource: DataSource, count: number, options: BulkRequestOptions): Promise<number[]> {
  const domain = options.organizationName === "Fabrikam" ? "fabrikam.example" : "contoso.example";
  const users = await dataSource.getRepository(UserEntity).find({ order: { id: "ASC" } });
  const admin = users.find((u) => u.email === `admin@${domain}`)!;
  const people = users.filter((u) => u.organizationId === admin.organizationId && u.role === "USER");
  const products = await dataSource.getRepository(ProductEntity).findBy({ organizationId: admin.organizationId });
  const requested = products.find((p) => !p.selfServicePurchaseAllowed)!;
  const fulfilling = products.find((p) => p.skuPartNumber === "SPE_E5") ?? requested;
  const plan = await dataSource.getRepository(ServicePlanEntity).findOneByOrFail({ organizationId: admin.organizationId });
  const ids: number[] = [];
  await dataSource.transaction(async (manager) => {
    for (let i = 0; i < count; i++) {
      const requestedAt = new Date(options.newest.getTime() - i * (options.stepMs ?? 60_000));
      const approved = i % 2 === 0;
      // Requesters from the first half of the people, the users they name from the other half.
      const half = Math.floor(people.length / 2);
      const named = people.length - half;
      const recipients = [people[i % half], people[half + (i % named)], people[half + ((i + 1) % named)]];
      const row = await manager.getRepository(LicenseRequestEntity).save({
        organizationId: admin.organizationId,
        productId: requested.id,
        requesterId: recipients[0].id,
        justification: `bulk ${i}`,
        status: approved ? "APPROVED" : "DENIED",
        recipientCount: recipients.length,
        requestedAt,
        expiresAt: new Date(requestedAt.getTime() + 30 * 86_400_000),
        decidedAt: requestedAt,
        decidedById: admin.id,
        decisionMessage: null,
        assignedProductId: approved ? fulfilling.id : null,
      });
      if (approved) {
        await manager
          .getRepository(LicenseRequestDisabledPlanEntity)
          .insert({ requestId: row.id, servicePlanId: plan.id, organizationId: admin.organizationId, position: 0 });
      }
      await manager.getRepository(LicenseRequestRecipientEntity).insert(
        recipients.map((user, position) => ({
          requestId: row.id,
          userId: user.id,
          organizationId: admin.organizationId,
          position,
          decision: approved ? ("APPROVED" as const) : ("DENIED" as const),
          pendingProductId: null,
          assignmentId: null,
        })),
      );
      if (options.withHistory) {
        await manager.getRepository(DecisionRecordEntity).insert({
          organizationId: admin.organizationId,
          requestId: row.id,
          action: row.status === "APPROVED" ? "APPROVED" : "DENIED",
          actorId: admin.id,
          at: requestedAt,
          productId: row.assignedProductId,
          message: null,
        });
      }
      ids.push(row.id);
    }
  });
  return ids;
}
