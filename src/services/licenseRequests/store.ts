/**
 * Every SQL statement and lock of license requests' writes. Methods take the
 * transaction's manager (a unit of work's) and are scoped by organization; a
 * preview reads through the same methods with the data source's manager, no
 * transaction and no lock.
 * No rule lives here: the orchestrations ask rules.ts and write through this.
 *
 * Concurrency: a decision reads its request with a row lock (MySQL/MariaDB;
 * SQLite serializes writers) and changes it only while it is still PENDING;
 * licenses are taken with a conditional update (`assigned + n <= total`), so
 * N deciders give one winner and a pool is never over-assigned; the unique
 * index on a recipient's pending product makes two pending requests naming
 * one user for one product impossible, even when submissions race.
 *
 * Statements do not grow with the number of recipients: recipients,
 * assignments and their disabled plans are written in one statement each.
 */
import { DataSource, EntityManager, In } from "typeorm";
import {
  AssignmentDisabledPlanEntity,
  DecisionLinkEntity,
  GroupEntity,
  GroupLicensedProductEntity,
  GroupMemberEntity,
  LicenseAssignmentEntity,
  LicenseRequestDisabledPlanEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  OrganizationEntity,
  ProductEntity,
  RequestProcessSettingsEntity,
  UserEntity,
} from "../../entities";
import { loadCatalog } from "../catalog/loaders";
import type { Database } from "../shared/unitOfWork";
import type { Catalog } from "../catalog/catalog";
import type { GroupChoice } from "./rules";
import type { EndorsementStateValue, LinkPurposeValue } from "../../values";

export type NewRequest = Pick<
  LicenseRequestEntity,
  "organizationId" | "productId" | "requesterId" | "justification" | "recipientCount" | "requestedAt" | "expiresAt"
> &
  /** A renewal names the license it asks to extend. */
  Partial<Pick<LicenseRequestEntity, "renewalOfId">>;

export class LicenseRequestStore {
  constructor(private readonly db: Database) {}

  get dataSource(): DataSource {
    return this.db.dataSource;
  }

  // -------------------------------------------------------------- reading

  product(manager: EntityManager, organizationId: number, productId: number): Promise<ProductEntity | null> {
    return manager.getRepository(ProductEntity).findOne({ where: { id: productId, organizationId } });
  }

  /**
   * The product with its row locked for the rest of the transaction (null when
   * it is not the organization's): taken before the activity log's head and a
   * request's tally by every writer that may take from its pool, so none of
   * them waits for another in a circle.
   */
  lockProduct(manager: EntityManager, organizationId: number, productId: number): Promise<ProductEntity | null> {
    const lock = this.db.forUpdate();
    return manager.getRepository(ProductEntity).findOne({ where: { id: productId, organizationId }, ...(lock ? { lock: { mode: lock } } : {}) });
  }

  /** The pool as it is now (a locking read: on MySQL a plain one would see the transaction's snapshot). */
  productForUpdate(manager: EntityManager, productId: number): Promise<ProductEntity> {
    const lock = this.db.forUpdate();
    return manager.getRepository(ProductEntity).findOneOrFail({ where: { id: productId }, ...(lock ? { lock: { mode: lock } } : {}) });
  }

  catalog(manager: EntityManager, organizationId: number): Promise<Catalog> {
    return loadCatalog(manager, organizationId);
  }

  async users(manager: EntityManager, organizationId: number, ids: readonly number[]): Promise<Map<number, UserEntity>> {
    if (!ids.length) return new Map();
    const users = await manager.getRepository(UserEntity).find({ where: { id: In([...new Set(ids)]), organizationId } });
    return new Map(users.map((u) => [u.id, u]));
  }

  organization(manager: EntityManager, organizationId: number): Promise<OrganizationEntity> {
    return manager.getRepository(OrganizationEntity).findOneByOrFail({ id: organizationId });
  }

  /** The users among `userIds` who hold `productId` (a reclaimed license is held no more). */
  async holders(manager: EntityManager, organizationId: number, productId: number, userIds: readonly number[]): Promise<number[]> {
    if (!userIds.length) return [];
    const rows = await manager
      .getRepository(LicenseAssignmentEntity)
      .find({ select: { userId: true }, where: { productId, userId: In([...userIds]), organizationId, held: true } });
    return rows.map((r) => r.userId);
  }

  /** The same, as committed now (a locking read, past the transaction's snapshot on MySQL). */
  async holdersNow(manager: EntityManager, organizationId: number, productId: number, userIds: readonly number[]): Promise<number[]> {
    if (!userIds.length) return [];
    const rows = await manager.getRepository(LicenseAssignmentEntity).find({
      select: { id: true, userId: true },
      where: { productId, userId: In([...userIds]), organizationId, held: true },
      ...(this.db.isMysql ? { lock: { mode: "pessimistic_read" as const } } : {}),
    });
    return rows.map((r) => r.userId);
  }

  /** Recipient rows naming any of `userIds` in a pending request for `productId`, with their requests. */
  async pendingFor(
    manager: EntityManager,
    organizationId: number,
    productId: number,
    userIds: readonly number[],
  ): Promise<{ recipients: LicenseRequestRecipientEntity[]; requests: LicenseRequestEntity[] }> {
    const recipients = await manager
      .getRepository(LicenseRequestRecipientEntity)
      .find({ where: { pendingProductId: productId, userId: In([...userIds]), organizationId } });
    if (!recipients.length) return { recipients, requests: [] };
    const requests = await manager
      .getRepository(LicenseRequestEntity)
      .find({ where: { id: In([...new Set(recipients.map((r) => r.requestId))]), organizationId } });
    return { recipients, requests };
  }

  /** The organization's group `groupId` with the products it is licensed with; null when it is not the organization's. */
  async group(manager: EntityManager, organizationId: number, groupId: number): Promise<GroupChoice | null> {
    const group = await manager.getRepository(GroupEntity).findOne({ where: { id: groupId, organizationId } });
    if (!group) return null;
    const licensed = await manager.getRepository(GroupLicensedProductEntity).find({ where: { groupId, organizationId }, order: { productId: "ASC" } });
    return { group, licensedProductIds: licensed.map((l) => l.productId) };
  }

  settings(manager: EntityManager, organizationId: number): Promise<RequestProcessSettingsEntity | null> {
    return manager.getRepository(RequestProcessSettingsEntity).findOne({ where: { organizationId } });
  }

  /** The request as it is, without a lock (a preview); null when it is not the organization's. */
  request(manager: EntityManager, organizationId: number, requestId: number): Promise<LicenseRequestEntity | null> {
    return manager.getRepository(LicenseRequestEntity).findOne({ where: { id: requestId, organizationId } });
  }

  /** The request with a row lock for the rest of the transaction; null when it is not the organization's. */
  lockRequest(manager: EntityManager, organizationId: number, requestId: number): Promise<LicenseRequestEntity | null> {
    const lock = this.db.forUpdate();
    return manager.getRepository(LicenseRequestEntity).findOne({
      where: { id: requestId, organizationId },
      ...(lock ? { lock: { mode: lock } } : {}),
    });
  }

  /** The requester first, then the named users in order. */
  recipients(manager: EntityManager, requestId: number): Promise<LicenseRequestRecipientEntity[]> {
    return manager.getRepository(LicenseRequestRecipientEntity).find({ where: { requestId }, order: { position: "ASC" } });
  }

  // -------------------------------------------------------------- writing

  async insertRequest(manager: EntityManager, request: NewRequest, recipientIds: readonly number[]): Promise<LicenseRequestEntity> {
    const repository = manager.getRepository(LicenseRequestEntity);
    const saved = await repository.save(
      repository.create({
        ...request,
        status: "PENDING",
        decidedAt: null,
        decidedById: null,
        decisionMessage: null,
        assignedProductId: null,
      }),
    );
    // Throws a duplicate-key error when one of them was named for this product a moment ago.
    await manager.getRepository(LicenseRequestRecipientEntity).insert(
      recipientIds.map((userId, position) => ({
        requestId: saved.id,
        userId,
        organizationId: request.organizationId,
        position,
        decision: "PENDING" as const,
        pendingProductId: request.productId,
        assignmentId: null,
      })),
    );
    return saved;
  }

  /** Takes `count` licenses of the pool if it has them; false (nothing taken) otherwise. */
  async takeLicenses(manager: EntityManager, organizationId: number, productId: number, count: number): Promise<boolean> {
    // None needed (a renewal extends a license it holds) is always there, even in a pool assigned past its total.
    if (count === 0) return true;
    const taken = await manager
      .createQueryBuilder()
      .update(ProductEntity)
      .set({ assignedLicenses: () => `assignedLicenses + ${Number(count)}` })
      .where("id = :id AND organizationId = :organizationId AND assignedLicenses + :count <= totalLicenses", { id: productId, organizationId, count })
      .execute();
    return Boolean(taken.affected);
  }

  /**
   * One assignment per user, with `disabledPlanIds` off in each (and kept on
   * the request); the recipients' decisions (approved with their assignment,
   * the rest denied).
   * Throws a duplicate-key error when one of them was just given the product.
   */
  async assign(
    manager: EntityManager,
    request: Pick<LicenseRequestEntity, "id" | "organizationId">,
    plan: {
      productId: number;
      /** The group the licenses come through (null: directly). */
      groupId?: number | null;
      approvedUserIds: readonly number[];
      deniedUserIds: readonly number[];
      disabledPlanIds: readonly number[];
      at: Date;
      /** The licenses' term under the requested product's policy (api.md "Policies"); none: they last. */
      term?: { expiresAt: Date | null; expiryNoticesDone: number };
    },
  ): Promise<LicenseAssignmentEntity[]> {
    const { organizationId } = request;
    const groupId = plan.groupId ?? null;
    const assignmentRepository = manager.getRepository(LicenseAssignmentEntity);
    await assignmentRepository.insert(
      plan.approvedUserIds.map((userId) => ({
        organizationId,
        userId,
        productId: plan.productId,
        assignedAt: plan.at,
        requestId: request.id,
        groupId,
        ...(plan.term ?? {}),
      })),
    );
    const assignments = await assignmentRepository.find({
      where: { requestId: request.id, userId: In([...plan.approvedUserIds]), organizationId },
      order: { id: "ASC" },
    });
    if (plan.disabledPlanIds.length) {
      await manager
        .getRepository(LicenseRequestDisabledPlanEntity)
        .insert(plan.disabledPlanIds.map((servicePlanId, position) => ({ requestId: request.id, servicePlanId, organizationId, position })));
      await manager
        .getRepository(AssignmentDisabledPlanEntity)
        .insert(assignments.flatMap((a) => plan.disabledPlanIds.map((servicePlanId) => ({ assignmentId: a.id, servicePlanId, organizationId }))));
    }
    await manager
      .createQueryBuilder()
      .update(LicenseRequestRecipientEntity)
      .set({
        decision: "APPROVED",
        pendingProductId: null,
        assignmentId: () =>
          "(SELECT a.id FROM license_assignment a WHERE a.requestId = license_request_recipient.requestId AND a.userId = license_request_recipient.userId AND a.held = 1)",
      })
      .where("requestId = :requestId AND userId IN (:...approved)", { requestId: request.id, approved: [...plan.approvedUserIds] })
      .execute();
    if (plan.deniedUserIds.length) {
      await manager
        .getRepository(LicenseRequestRecipientEntity)
        .update({ requestId: request.id, userId: In([...plan.deniedUserIds]) }, { decision: "DENIED", pendingProductId: null });
    }
    return assignments;
  }

  /** Makes `userIds` members of the group (those who are not already), in one statement. */
  async addMembers(manager: EntityManager, organizationId: number, groupId: number, userIds: readonly number[]): Promise<void> {
    if (!userIds.length) return;
    const repository = manager.getRepository(GroupMemberEntity);
    const already = new Set((await repository.find({ select: { userId: true }, where: { groupId, userId: In([...userIds]) } })).map((m) => m.userId));
    const joining = userIds.filter((id) => !already.has(id));
    if (joining.length) await repository.insert(joining.map((userId) => ({ groupId, userId, organizationId })));
  }

  /** Every recipient denied. */
  async denyAll(manager: EntityManager, requestId: number): Promise<void> {
    await manager.getRepository(LicenseRequestRecipientEntity).update({ requestId }, { decision: "DENIED", pendingProductId: null });
  }

  /** The recipients no longer wait for this request (cancelled, expired): their decisions stay PENDING. */
  async release(manager: EntityManager, requestId: number): Promise<void> {
    await manager.getRepository(LicenseRequestRecipientEntity).update({ requestId }, { pendingProductId: null });
  }

  /** Writes a decision onto the (locked) request row, only while it is still PENDING; false when it no longer is. */
  async storeOutcome(manager: EntityManager, request: LicenseRequestEntity): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(LicenseRequestEntity)
      .set({
        status: request.status,
        decidedAt: request.decidedAt,
        decidedById: request.decidedById,
        decisionMessage: request.decisionMessage,
        assignedProductId: request.assignedProductId,
        decidedOnBehalfOfId: request.decidedOnBehalfOfId,
        decisionChannel: request.decisionChannel,
      })
      .where("id = :id AND status = 'PENDING'", { id: request.id })
      .execute();
    return Boolean(result.affected);
  }

  /** The status a request has now (after a lost race). */
  async statusOf(manager: EntityManager, requestId: number): Promise<LicenseRequestEntity["status"]> {
    return (await manager.getRepository(LicenseRequestEntity).findOneByOrFail({ id: requestId })).status;
  }

  /** Stores EXPIRED (decidedAt = expiresAt) if the request is still stored as PENDING; false when someone got there first. */
  async expire(manager: EntityManager, request: LicenseRequestEntity): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(LicenseRequestEntity)
      .set({ status: "EXPIRED", decidedAt: request.expiresAt, decidedById: null })
      .where("id = :id AND status = 'PENDING'", { id: request.id })
      .execute();
    if (!result.affected) return false;
    await this.release(manager, request.id);
    Object.assign(request, { status: "EXPIRED", decidedAt: request.expiresAt, decidedById: null });
    return true;
  }

  /** Pending requests past their expiry, oldest expiry first (the sweep). */
  dueForExpiry(now: Date, limit: number): Promise<LicenseRequestEntity[]> {
    return this.dataSource
      .getRepository(LicenseRequestEntity)
      .createQueryBuilder("lr")
      .where("lr.status = 'PENDING' AND lr.expiresAt <= :now", { now: now.getTime() })
      .orderBy("lr.expiresAt", "ASC")
      .limit(limit)
      .getMany();
  }

  // -------------------------------------------------------------- licenses for a while (api.md "Policies")

  /**
   * One of the organization's licenses, held or reclaimed; null when it is not
   * the organization's. With `lock`, in a unit of work, row-locked to the
   * commit and read as committed (past the transaction's snapshot on MySQL):
   * a renewal's approval holds it so that the reclaim of the license waits,
   * then finds its expiry moved.
   */
  license(manager: EntityManager, organizationId: number, assignmentId: number, options: { lock?: boolean } = {}): Promise<LicenseAssignmentEntity | null> {
    const mode = options.lock ? this.db.forUpdate() : undefined;
    return manager.getRepository(LicenseAssignmentEntity).findOne({ where: { id: assignmentId, organizationId }, ...(mode ? { lock: { mode } } : {}) });
  }

  /** Starts a held license's new term (a renewal's approval); false when it is no longer held. */
  async extendLicense(manager: EntityManager, assignmentId: number, term: { expiresAt: Date | null; expiryNoticesDone: number }): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(LicenseAssignmentEntity)
      .set({ expiresAt: term.expiresAt, expiryNoticesDone: term.expiryNoticesDone })
      .where("id = :assignmentId AND held = 1", { assignmentId })
      .execute();
    return Boolean(result.affected);
  }

  /** A renewal's recipient approved with the license the renewal extends. */
  async approveRenewal(manager: EntityManager, requestId: number, userId: number, assignmentId: number): Promise<void> {
    await manager.getRepository(LicenseRequestRecipientEntity).update({ requestId, userId }, { decision: "APPROVED", pendingProductId: null, assignmentId });
  }

  /** Held licenses expired at `now`, soonest expiry first (the reclaim sweep; any organization). */
  dueForReclaim(now: Date, limit: number): Promise<LicenseAssignmentEntity[]> {
    return this.dataSource
      .getRepository(LicenseAssignmentEntity)
      .createQueryBuilder("a")
      .where("a.held = 1 AND a.expiresAt <= :now", { now: now.getTime() })
      .orderBy("a.expiresAt", "ASC")
      .addOrderBy("a.id", "ASC")
      .limit(limit)
      .getMany();
  }

  /**
   * Reclaims the license if it is still held and expired at `now`, as
   * committed: on MySQL the update waits for a renewal's approval holding the
   * row and then reads its new expiry. False when another instance reclaimed
   * it first or a renewal moved its expiry: exactly one reclaim, ever.
   */
  async reclaim(manager: EntityManager, assignmentId: number, now: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(LicenseAssignmentEntity)
      .set({ held: null, reclaimedAt: now })
      .where("id = :assignmentId AND held = 1 AND expiresAt <= :now", { assignmentId, now: now.getTime() })
      .execute();
    return Boolean(result.affected);
  }

  /** One seat of the product back in its pool (never below zero assigned). */
  async releaseSeat(manager: EntityManager, productId: number): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(ProductEntity)
      .set({ assignedLicenses: () => "CASE WHEN assignedLicenses > 0 THEN assignedLicenses - 1 ELSE 0 END" })
      .where("id = :productId", { productId })
      .execute();
  }

  /** `userId` is a member of the group no more. */
  async removeMember(manager: EntityManager, groupId: number, userId: number): Promise<void> {
    await manager.getRepository(GroupMemberEntity).delete({ groupId, userId });
  }

  /**
   * Held licenses that may owe an expiry notice at `now` (any organization):
   * not expired, with `done` notices done and an expiry by that horizon
   * (policies/rules.ts expiryNoticeHorizons), soonest expiry first.
   */
  dueForExpiryNotice(now: Date, horizons: readonly { done: number; by: Date }[], limit: number): Promise<LicenseAssignmentEntity[]> {
    const owed = horizons.map((_, i) => `(a.expiryNoticesDone = :done${i} AND a.expiresAt <= :by${i})`).join(" OR ");
    const parameters = Object.fromEntries(
      horizons.flatMap((h, i) => [
        [`done${i}`, h.done],
        [`by${i}`, h.by.getTime()],
      ]),
    );
    return this.dataSource
      .getRepository(LicenseAssignmentEntity)
      .createQueryBuilder("a")
      .where(`a.held = 1 AND a.expiresAt > :now AND (${owed})`, { now: now.getTime(), ...parameters })
      .orderBy("a.expiresAt", "ASC")
      .addOrderBy("a.id", "ASC")
      .limit(limit)
      .getMany();
  }

  /**
   * Records that the license's notices up to `done` are done, if it still
   * stands where the caller read it (held, the same expiry, `from` done): the
   * one instance whose update changed the row writes the notice.
   */
  async markExpiryNotice(
    manager: EntityManager,
    license: Pick<LicenseAssignmentEntity, "id" | "expiresAt" | "expiryNoticesDone">,
    done: number,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(LicenseAssignmentEntity)
      .set({ expiryNoticesDone: done })
      .where("id = :id AND held = 1 AND expiryNoticesDone = :from AND expiresAt = :expiresAt", {
        id: license.id,
        from: license.expiryNoticesDone,
        expiresAt: license.expiresAt?.getTime() ?? null,
      })
      .execute();
    return Boolean(result.affected);
  }

  // -------------------------------------------------------------- replays

  requestById(requestId: number): Promise<LicenseRequestEntity> {
    return this.dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ id: requestId });
  }

  assignmentsByIds(ids: readonly number[]): Promise<LicenseAssignmentEntity[]> {
    return this.dataSource.getRepository(LicenseAssignmentEntity).find({ where: { id: In([...ids]) }, order: { id: "ASC" } });
  }

  settingsOf(organizationId: number): Promise<RequestProcessSettingsEntity> {
    return this.dataSource.getRepository(RequestProcessSettingsEntity).findOneByOrFail({ organizationId });
  }

  // -------------------------------------------------------------- decision links

  /**
   * The link whose secret hashes to `tokenHash` (any organization: the secret
   * is the credential) when it may do `purpose` (default DECIDE: a manager's
   * ENDORSE link decides nothing); with `lock`, row-locked.
   */
  decisionLink(manager: EntityManager, tokenHash: string, options: { lock?: boolean; purpose?: LinkPurposeValue } = {}): Promise<DecisionLinkEntity | null> {
    const mode = options.lock ? this.db.forUpdate() : undefined;
    return manager
      .getRepository(DecisionLinkEntity)
      .findOne({ where: { tokenHash, purpose: options.purpose ?? "DECIDE" }, ...(mode ? { lock: { mode } } : {}) });
  }

  /** Marks the link used at `at`; false when it was used already. */
  async useDecisionLink(manager: EntityManager, linkId: number, at: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(DecisionLinkEntity)
      .set({ usedAt: at })
      .where("id = :linkId AND usedAt IS NULL", { linkId })
      .execute();
    return result.affected === 1;
  }

  // -------------------------------------------------------------- policies (api.md "Policies")

  /** Whether `userId` is a member of the organization's group `groupId`. */
  isGroupMember(manager: EntityManager, organizationId: number, groupId: number, userId: number): Promise<boolean> {
    return manager.getRepository(GroupMemberEntity).exists({ where: { groupId, userId, organizationId } });
  }

  /** Stores why the product's automatic approval left the request to people (cut to the column's 300 characters). */
  async skipAutoApproval(manager: EntityManager, request: LicenseRequestEntity, reason: string): Promise<void> {
    const autoApproveSkippedReason = reason.length > 300 ? `${reason.slice(0, 299)}…` : reason;
    await manager.getRepository(LicenseRequestEntity).update({ id: request.id }, { autoApproveSkippedReason });
    request.autoApproveSkippedReason = autoApproveSkippedReason;
  }

  /** Stores the endorsement a new request starts with (AWAITING its manager, or SKIPPED). */
  async beginEndorsement(
    manager: EntityManager,
    request: LicenseRequestEntity,
    endorsement: Pick<LicenseRequestEntity, "endorsementState" | "endorsementManagerId" | "endorsementAt" | "endorsementEscalatesAt">,
  ): Promise<void> {
    await manager.getRepository(LicenseRequestEntity).update({ id: request.id }, endorsement);
    Object.assign(request, endorsement);
  }

  /**
   * Ends an AWAITING endorsement as `state` at `at` (with the manager's
   * comment, if any), only while it still awaits and the request is still
   * stored PENDING: a conditional update, so it ends once whoever races for
   * it (the manager, an approver, the escalation sweep of any instance).
   * False, and nothing written, when it no longer awaits.
   */
  async endEndorsement(
    manager: EntityManager,
    request: LicenseRequestEntity,
    state: Exclude<EndorsementStateValue, "AWAITING">,
    at: Date,
    comment: string | null = null,
  ): Promise<boolean> {
    const ended = { endorsementState: state, endorsementAt: at, endorsementComment: comment };
    const result = await manager
      .createQueryBuilder()
      .update(LicenseRequestEntity)
      .set(ended)
      .where("id = :id AND endorsementState = 'AWAITING' AND status = 'PENDING'", { id: request.id })
      .execute();
    if (!result.affected) return false;
    Object.assign(request, ended);
    return true;
  }

  /** Requests whose endorsement awaits past its escalation at `now` and that are still pending and unexpired, soonest first (the sweep). */
  dueForEscalation(now: Date, limit: number): Promise<LicenseRequestEntity[]> {
    return this.dataSource
      .getRepository(LicenseRequestEntity)
      .createQueryBuilder("lr")
      .where("lr.endorsementState = 'AWAITING' AND lr.endorsementEscalatesAt <= :now AND lr.status = 'PENDING' AND lr.expiresAt > :now", {
        now: now.getTime(),
      })
      .orderBy("lr.endorsementEscalatesAt", "ASC")
      .addOrderBy("lr.id", "ASC")
      .limit(limit)
      .getMany();
  }

  /** Stores a manager's endorsement link (only its secret's hash), bound to them and the request. */
  async insertEndorsementLink(
    manager: EntityManager,
    link: Pick<DecisionLinkEntity, "organizationId" | "requestId" | "userId" | "tokenHash" | "createdAt" | "expiresAt">,
  ): Promise<void> {
    await manager.getRepository(DecisionLinkEntity).insert({ ...link, purpose: "ENDORSE", usedAt: null });
  }
}
