/**
 * Every statement of request policies: a product's policy (read, locked,
 * written) and its change record. Methods take the unit of work's manager and
 * are scoped by organization.
 */
import type { EntityManager } from "typeorm";
import {
  GroupEntity,
  LicenseRequestEntity,
  LicenseRequestPolicyChangeEntity,
  LicenseRequestPolicyEntity,
  ProductEntity,
  ProductServicePlanEntity,
  UserEntity,
} from "../../entities";
import type { Database } from "../shared/unitOfWork";
import { policyOf, PolicyRecord, RequestPolicy } from "./rules";

export class PolicyStore {
  constructor(private readonly db: Database) {}

  /** The product, its row locked: two changes of its policy apply one after the other. */
  productForUpdate(manager: EntityManager, organizationId: number, productId: number): Promise<ProductEntity | null> {
    const mode = this.db.forUpdate();
    return manager.getRepository(ProductEntity).findOne({ where: { id: productId, organizationId }, ...(mode ? { lock: { mode } } : {}) });
  }

  /** The product's policy as stored (every part off when it never had one). */
  async policy(manager: EntityManager, organizationId: number, productId: number): Promise<PolicyRecord> {
    const row = await manager.getRepository(LicenseRequestPolicyEntity).findOne({ where: { productId, organizationId } });
    return recordOf(organizationId, productId, row);
  }

  groupExists(manager: EntityManager, organizationId: number, groupId: number): Promise<boolean> {
    return manager.getRepository(GroupEntity).exists({ where: { id: groupId, organizationId } });
  }

  /** The IDs of the service plans inside the product. */
  async planIdsOf(manager: EntityManager, organizationId: number, productId: number): Promise<Set<number>> {
    const found = await manager.getRepository(ProductServicePlanEntity).find({ select: { servicePlanId: true }, where: { productId, organizationId } });
    return new Set(found.map((p) => p.servicePlanId));
  }

  /**
   * Whether requests may await the user's endorsement: someone in the
   * organization names them as manager, or a pending request still awaits
   * them (asked before its requester's manager changed).
   */
  async endorsesRequests(manager: EntityManager, organizationId: number, userId: number): Promise<boolean> {
    if (await manager.getRepository(UserEntity).exists({ where: { organizationId, managerId: userId } })) return true;
    return manager
      .getRepository(LicenseRequestEntity)
      .exists({ where: { organizationId, endorsementManagerId: userId, endorsementState: "AWAITING", status: "PENDING" } });
  }

  /** Stores the product's whole policy and records the change (who, when, what). */
  async save(manager: EntityManager, organizationId: number, productId: number, policy: RequestPolicy, at: Date, byUserId: number): Promise<PolicyRecord> {
    const row = {
      productId,
      organizationId,
      autoApproveMaxRecipients: policy.autoApprove?.maxRecipients ?? null,
      autoApproveRequesterGroupId: policy.autoApprove?.requesterGroupId ?? null,
      autoApproveDisabledPlanIds: JSON.stringify(policy.autoApprove?.disabledPlanIds ?? []),
      escalateAfterDays: policy.managerEndorsement?.escalateAfterDays ?? null,
      licenseDurationDays: policy.licenseDurationDays,
      updatedAt: at,
      updatedById: byUserId,
    };
    await manager.getRepository(LicenseRequestPolicyEntity).upsert(row, ["productId"]);
    await manager
      .getRepository(LicenseRequestPolicyChangeEntity)
      .insert({ organizationId, productId, changedById: byUserId, changedAt: at, policy: JSON.stringify(policy) });
    return recordOf(organizationId, productId, row);
  }
}

/** A product's policy with who set it last. */
export function recordOf(
  organizationId: number,
  productId: number,
  row: Omit<LicenseRequestPolicyEntity, "productId" | "organizationId"> | null,
): PolicyRecord {
  return { organizationId, productId, ...policyOf(row), updatedAt: row?.updatedAt ?? null, updatedById: row?.updatedById ?? null };
}
