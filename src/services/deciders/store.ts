/**
 * Every statement of who decides: product approvers and delegations. Methods
 * take the unit of work's manager and are scoped by organization.
 */
import type { EntityManager } from "typeorm";
import { ApprovalDelegationEntity, ProductApproverEntity, ProductEntity, UserEntity } from "../../entities";
import type { Database } from "../shared/unitOfWork";
import { placeholders, rows } from "../shared/rows";
import { userRow } from "../users/loaders";

export class DecidersStore {
  constructor(private readonly db: Database) {}

  private lock() {
    const mode = this.db.forUpdate();
    return mode ? { lock: { mode } } : {};
  }

  /** The product, its row locked (two lists set at once for it apply one after the other). */
  productForUpdate(manager: EntityManager, organizationId: number, productId: number): Promise<ProductEntity | null> {
    return manager.getRepository(ProductEntity).findOne({ where: { id: productId, organizationId }, ...this.lock() });
  }

  /** The people among `ids` who belong to the organization. */
  async users(manager: EntityManager, organizationId: number, ids: readonly number[]): Promise<Map<number, UserEntity>> {
    if (!ids.length) return new Map();
    const found = await rows(
      manager,
      `SELECT ${userRow.columns} FROM \`app_user\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
      [organizationId, ...ids],
      userRow.map,
    );
    return new Map(found.map((u) => [u.id, u]));
  }

  /** Replaces the product's approvers with `userIds`, in that order. */
  async replaceApprovers(manager: EntityManager, organizationId: number, productId: number, userIds: readonly number[]): Promise<void> {
    await manager.getRepository(ProductApproverEntity).delete({ organizationId, productId });
    if (userIds.length) {
      await manager.getRepository(ProductApproverEntity).insert(userIds.map((userId, position) => ({ organizationId, productId, userId, position })));
    }
  }

  /** The delegator's user row, locked: one delegator's delegations are made one after the other. */
  async lockUser(manager: EntityManager, organizationId: number, userId: number): Promise<void> {
    await manager.getRepository(UserEntity).findOne({ where: { id: userId, organizationId }, ...this.lock() });
  }

  /** The delegator's delegation to `toUserId` that is open or ahead at `now`, if any. */
  openDelegation(manager: EntityManager, organizationId: number, fromUserId: number, toUserId: number, now: Date): Promise<ApprovalDelegationEntity | null> {
    return manager
      .getRepository(ApprovalDelegationEntity)
      .createQueryBuilder("d")
      .where("d.organizationId = :organizationId AND d.fromUserId = :fromUserId AND d.toUserId = :toUserId", { organizationId, fromUserId, toUserId })
      .andWhere("d.cancelledAt IS NULL AND d.endsAt > :now", { now: now.getTime() })
      .getOne();
  }

  async insertDelegation(manager: EntityManager, delegation: Omit<ApprovalDelegationEntity, "id">): Promise<ApprovalDelegationEntity> {
    const inserted = await manager.getRepository(ApprovalDelegationEntity).insert(delegation);
    return Object.assign(new ApprovalDelegationEntity(), delegation, { id: Number(inserted.identifiers[0]?.["id"]) });
  }

  delegation(manager: EntityManager, organizationId: number, id: number): Promise<ApprovalDelegationEntity | null> {
    return manager.getRepository(ApprovalDelegationEntity).findOne({ where: { id, organizationId }, ...this.lock() });
  }

  /** Ends a delegation at `now` unless it was ended already; whether this call ended it. */
  async cancel(manager: EntityManager, id: number, now: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(ApprovalDelegationEntity)
      .set({ cancelledAt: now })
      .where("id = :id AND cancelledAt IS NULL AND endsAt > :now", { id, now: now.getTime() })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}
