/**
 * Every SQL statement of admin notices (api.md "Admin notices"). Exactly once
 * holds by construction: a notice is written in the transaction that inserts
 * its row of `license_request_notice` (primary key: request and kind) and a
 * digest in the one that inserts its row of `admin_digest` (organization and
 * UTC day); a second writer's insert fails on the key and it writes nothing.
 * On MySQL/MariaDB the second insert waits for the first transaction and fails
 * once it committed; SQLite serializes writers.
 */
import { EntityManager, In } from "typeorm";
import {
  AdminDigestEntity,
  DecisionLinkEntity,
  LicenseRequestEntity,
  LicenseRequestNoticeEntity,
  LicenseRequestRecipientEntity,
  OrganizationEntity,
  ProductEntity,
  RequestProcessSettingsEntity,
  UserEntity,
} from "../../entities";
import type { RequestNoticeKind } from "../../entities";
import type { AdminNotificationValue } from "../../values";
import { decidingRightFor } from "../access/policy";
import { readDecisionRights } from "../access/rights";
import type { NoticeRequest } from "./emails";
import { Database, isDuplicateKeyError } from "../shared/unitOfWork";
import { ADMIN_ROLES, DecisionRights, NO_RIGHTS } from "../shared/viewer";
import { reminderOwed } from "./rules";

/** A person who may decide requests of some of the products asked about, with their rights at that moment. */
export interface Decider {
  user: UserEntity;
  rights: DecisionRights;
}

/** Whether `decider` may decide requests for `productId` (as the policy judges it: decidingRightFor). */
export const decidesProduct = (decider: Decider, productId: number): boolean => decidingRightFor(decider.rights, productId) !== undefined;

/** What the approvers are told of the manager's endorsement: whether it was given (ENDORSED) or not in time (ESCALATED); null otherwise. */
function endorsementNoteOf(request: LicenseRequestEntity, users: ReadonlyMap<number, UserEntity>): NoticeRequest["endorsement"] {
  const state = request.endorsementState;
  if ((state !== "ENDORSED" && state !== "ESCALATED") || request.endorsementManagerId === null) return null;
  return { state, managerName: users.get(request.endorsementManagerId)?.displayName ?? "", comment: request.endorsementComment };
}

export class AdminNoticeStore {
  constructor(private readonly db: Database) {}

  private lock() {
    const mode = this.db.forUpdate();
    return mode ? { lock: { mode } } : {};
  }

  /**
   * Inserts the notice's row; false (and nothing written) when it exists: the
   * notice was written already, by this instance or another.
   */
  async claimNotice(
    manager: EntityManager,
    row: { requestId: number; kind: RequestNoticeKind; organizationId: number; mode?: AdminNotificationValue | null; createdAt: Date; sentAt: Date | null },
  ): Promise<boolean> {
    try {
      await manager.getRepository(LicenseRequestNoticeEntity).insert({ mode: null, digestDay: null, ...row });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** Inserts the organization's digest of `day`; false when another instance wrote it. */
  async claimDigest(manager: EntityManager, organizationId: number, day: Date, at: Date): Promise<boolean> {
    try {
      await manager.getRepository(AdminDigestEntity).insert({ organizationId, day, requestCount: 0, createdAt: at });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async countDigest(manager: EntityManager, organizationId: number, day: Date, requestCount: number): Promise<void> {
    await manager.getRepository(AdminDigestEntity).update({ organizationId, day }, { requestCount });
  }

  adminNotification(manager: EntityManager, organizationId: number): Promise<AdminNotificationValue> {
    return manager
      .getRepository(RequestProcessSettingsEntity)
      .findOne({ select: { organizationId: true, adminNotification: true }, where: { organizationId } })
      .then((s) => s?.adminNotification ?? "IMMEDIATELY");
  }

  /** Whether the organization's new-request notices carry decision links (default on). */
  decisionLinksInEmail(manager: EntityManager, organizationId: number): Promise<boolean> {
    return manager
      .getRepository(RequestProcessSettingsEntity)
      .findOne({ select: { organizationId: true, decisionLinksInEmail: true }, where: { organizationId } })
      .then((s) => s?.decisionLinksInEmail ?? true);
  }

  /**
   * Everyone who may decide requests of any of `productIds` at `now`, each once,
   * by ID (api.md "Who hears of a request"): the admin roles, the products'
   * approvers, and the delegates whose window is open of a delegator who holds
   * such a right of their own. One statement finds them; their rights are then
   * read by the policy's own reader (readDecisionRights, one statement, none
   * when all are admins), so who hears of a request and who may decide it are
   * judged by the same code (`decidesProduct`).
   */
  async decidersOf(manager: EntityManager, organizationId: number, productIds: readonly number[], now: Date): Promise<Decider[]> {
    if (!productIds.length) return [];
    const at = now.getTime();
    const users = await manager
      .getRepository(UserEntity)
      .createQueryBuilder("u")
      .where("u.organizationId = :organizationId", { organizationId })
      .andWhere(
        "(u.role IN (:...adminRoles) OR u.id IN (" +
          "SELECT pa.`userId` FROM `product_approver` pa WHERE pa.`organizationId` = :organizationId AND pa.`productId` IN (:...productIds) " +
          "UNION SELECT d.`toUserId` FROM `approval_delegation` d " +
          "JOIN `app_user` f ON f.`id` = d.`fromUserId` AND f.`organizationId` = d.`organizationId` " +
          "LEFT JOIN `product_approver` fa ON fa.`userId` = d.`fromUserId` AND fa.`organizationId` = d.`organizationId` AND fa.`productId` IN (:...productIds) " +
          "WHERE d.`organizationId` = :organizationId AND d.`cancelledAt` IS NULL AND d.`startsAt` <= :at AND d.`endsAt` > :at " +
          "AND (f.`role` IN (:...adminRoles) OR fa.`productId` IS NOT NULL)))",
        { adminRoles: [...ADMIN_ROLES], productIds: [...productIds], at },
      )
      .orderBy("u.id", "ASC")
      .getMany();
    const rights = await readDecisionRights(manager, organizationId, users, now);
    return users
      .map((user, index) => ({ user, rights: rights[index] ?? NO_RIGHTS }))
      .filter((decider) => productIds.some((productId) => decidesProduct(decider, productId)));
  }

  /** Stores decision links (only their secrets' hashes). */
  async insertDecisionLinks(
    manager: EntityManager,
    links: { organizationId: number; requestId: number; userId: number; tokenHash: string; createdAt: Date; expiresAt: Date }[],
  ): Promise<void> {
    if (!links.length) return;
    await manager.getRepository(DecisionLinkEntity).insert(links.map((link) => ({ ...link, usedAt: null })));
  }

  organization(manager: EntityManager, organizationId: number): Promise<OrganizationEntity> {
    return manager.getRepository(OrganizationEntity).findOneByOrFail({ id: organizationId });
  }

  user(manager: EntityManager, userId: number): Promise<UserEntity> {
    return manager.getRepository(UserEntity).findOneByOrFail({ id: userId });
  }

  /** The requests as the notices describe them, in the order of `requests`. */
  async describe(manager: EntityManager, requests: LicenseRequestEntity[]): Promise<NoticeRequest[]> {
    if (!requests.length) return [];
    const recipients = await manager
      .getRepository(LicenseRequestRecipientEntity)
      .find({ where: { requestId: In(requests.map((r) => r.id)) }, order: { requestId: "ASC", position: "ASC" } });
    const managerIds = requests.flatMap((r) => (r.endorsementManagerId === null ? [] : [r.endorsementManagerId]));
    const userIds = [...new Set([...recipients.map((r) => r.userId), ...requests.map((r) => r.requesterId), ...managerIds])];
    const users = new Map((await manager.getRepository(UserEntity).find({ where: { id: In(userIds) } })).map((u) => [u.id, u]));
    const productIds = [...new Set(requests.map((r) => r.productId))];
    const products = new Map((await manager.getRepository(ProductEntity).find({ where: { id: In(productIds) } })).map((p) => [p.id, p]));
    return requests.map((r) => ({
      id: r.id,
      productId: r.productId,
      productName: products.get(r.productId)?.name ?? "",
      requesterName: users.get(r.requesterId)?.displayName ?? "",
      recipientNames: recipients.filter((x) => x.requestId === r.id).map((x) => users.get(x.userId)?.displayName ?? ""),
      recipientIds: recipients.filter((x) => x.requestId === r.id).map((x) => x.userId),
      justification: r.justification,
      requestedAt: r.requestedAt,
      expiresAt: r.expiresAt,
      status: r.status,
      endorsement: endorsementNoteOf(r, users),
    }));
  }

  /** One request as the notices describe it. */
  async describeOne(manager: EntityManager, request: LicenseRequestEntity): Promise<NoticeRequest> {
    const [described] = await this.describe(manager, [request]);
    if (!described) throw new Error(`request ${request.id} could not be described`);
    return described;
  }

  // -------------------------------------------------------------- reminders

  /**
   * Pending requests owed their reminder at `now` (rules.ts reminderOwed) that
   * have not reminded anyone, soonest first. The expiry range (after, by] is the
   * seek on ix_request_status_expiry; the lead of min(7 days, half the
   * lifetime) is then `expiresAt + requestedAt <= 2·now`, plain integer
   * arithmetic on the stored milliseconds that MariaDB and SQLite both do.
   */
  async dueForReminder(expiresAfter: Date, expiresBy: Date, now: Date, limit: number): Promise<LicenseRequestEntity[]> {
    return this.db.dataSource
      .getRepository(LicenseRequestEntity)
      .createQueryBuilder("lr")
      .leftJoin(LicenseRequestNoticeEntity, "n", "n.requestId = lr.id AND n.kind = 'REMINDER'")
      .where("lr.status = 'PENDING' AND lr.expiresAt > :after AND lr.expiresAt <= :by AND lr.expiresAt + lr.requestedAt <= :twiceNow AND n.requestId IS NULL", {
        after: expiresAfter.getTime(),
        by: expiresBy.getTime(),
        twiceNow: 2 * now.getTime(),
      })
      .orderBy("lr.expiresAt", "ASC")
      .addOrderBy("lr.id", "ASC")
      .limit(limit)
      .getMany();
  }

  /** The request, row-locked, while it is still stored PENDING and owed its reminder at `now`; else null. */
  lockRemindable(manager: EntityManager, requestId: number, now: Date): Promise<LicenseRequestEntity | null> {
    return manager
      .getRepository(LicenseRequestEntity)
      .findOne({ where: { id: requestId, status: "PENDING" }, ...this.lock() })
      .then((r) => (r && reminderOwed(r, now) ? r : null));
  }

  // -------------------------------------------------------------- digests

  /** Organizations with requests that await a digest and arrived before `before`. */
  async organizationsAwaitingDigest(before: Date): Promise<number[]> {
    const rows = await this.db.dataSource
      .getRepository(LicenseRequestNoticeEntity)
      .createQueryBuilder("n")
      .select("DISTINCT n.organizationId", "organizationId")
      .where("n.mode = 'DAILY_DIGEST' AND n.sentAt IS NULL AND n.kind = 'SUBMITTED' AND n.createdAt < :before", { before: before.getTime() })
      .getRawMany<{ organizationId: number | string }>();
    return rows.map((r) => Number(r.organizationId));
  }

  /** The organization's requests awaiting a digest that arrived before `before`, row-locked, oldest first. */
  async lockAwaitingDigest(manager: EntityManager, organizationId: number, before: Date): Promise<LicenseRequestEntity[]> {
    const query = manager
      .getRepository(LicenseRequestNoticeEntity)
      .createQueryBuilder("n")
      .where("n.mode = 'DAILY_DIGEST' AND n.sentAt IS NULL AND n.kind = 'SUBMITTED' AND n.organizationId = :organizationId AND n.createdAt < :before", {
        organizationId,
        before: before.getTime(),
      });
    if (this.db.forUpdate()) query.setLock("pessimistic_write");
    const notices = await query.getMany();
    if (!notices.length) return [];
    const requests = await manager.getRepository(LicenseRequestEntity).find({ where: { id: In(notices.map((n) => n.requestId)), organizationId } });
    return requests.sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime() || a.id - b.id);
  }

  /** Marks the requests as listed in the digest of `day`. */
  async markDigested(manager: EntityManager, requestIds: number[], day: Date, at: Date): Promise<void> {
    if (!requestIds.length) return;
    await manager
      .createQueryBuilder()
      .update(LicenseRequestNoticeEntity)
      .set({ sentAt: at, digestDay: day })
      .where("requestId IN (:...ids) AND kind = 'SUBMITTED' AND sentAt IS NULL", { ids: requestIds })
      .execute();
  }
}
