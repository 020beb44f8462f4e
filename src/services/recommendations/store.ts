/**
 * Every SQL statement of second opinions. Writes take the unit of work's
 * manager; everything is scoped by organization except the lookup by a link's
 * secret, which is how an anonymous person's link finds its share (and so its
 * organization).
 *
 * Concurrency: a link answers once, and not once withdrawn. The answer marks
 * its share used, and a withdrawal marks it revoked, with a conditional update
 * (neither used nor revoked yet), so of two answers, or an answer and a
 * withdrawal, racing on one link exactly one changes a row; the unique index
 * on the recommendation's share backs that up. The request is read with a row
 * lock first (MySQL/MariaDB; SQLite serializes writers), the same lock a
 * decision takes, so an answer or a withdrawal and a decision never both see
 * the request pending. After that lock the share is read again with a lock of
 * its own (`{ lock: true }`): under MySQL's repeatable read a plain read would
 * answer from the snapshot taken before the wait, and miss what the call that
 * held the lock just did.
 */
import { DataSource, EntityManager, In, IsNull } from "typeorm";
import {
  LicenseRequestEntity,
  LicenseRequestRecommendationEntity,
  LicenseRequestRecipientEntity,
  LicenseRequestShareEntity,
  OrganizationEntity,
  ProductEntity,
  UserEntity,
} from "../../entities";
import type { Database } from "../shared/unitOfWork";

export type NewShare = Omit<LicenseRequestShareEntity, "id" | "usedAt" | "revokedAt">;
export type NewRecommendation = Omit<LicenseRequestRecommendationEntity, "id">;

export class RecommendationStore {
  constructor(private readonly db: Database) {}

  get dataSource(): DataSource {
    return this.db.dataSource;
  }

  // -------------------------------------------------------------- reading

  /** The request with a row lock for the rest of the transaction; null when it is not the organization's. */
  lockRequest(manager: EntityManager, organizationId: number, requestId: number): Promise<LicenseRequestEntity | null> {
    const lock = this.db.forUpdate();
    return manager.getRepository(LicenseRequestEntity).findOne({ where: { id: requestId, organizationId }, ...(lock ? { lock: { mode: lock } } : {}) });
  }

  async users(manager: EntityManager, organizationId: number, ids: readonly number[]): Promise<Map<number, UserEntity>> {
    if (!ids.length) return new Map();
    const users = await manager.getRepository(UserEntity).find({ where: { id: In([...new Set(ids)]), organizationId } });
    return new Map(users.map((u) => [u.id, u]));
  }

  product(manager: EntityManager, organizationId: number, productId: number): Promise<ProductEntity | null> {
    return manager.getRepository(ProductEntity).findOne({ where: { id: productId, organizationId } });
  }

  organization(manager: EntityManager, organizationId: number): Promise<OrganizationEntity> {
    return manager.getRepository(OrganizationEntity).findOneByOrFail({ id: organizationId });
  }

  /** The requester first, then the named users in order. */
  recipients(manager: EntityManager, requestId: number): Promise<LicenseRequestRecipientEntity[]> {
    return manager.getRepository(LicenseRequestRecipientEntity).find({ where: { requestId }, order: { position: "ASC" } });
  }

  /** `{ lock: true }`: read the row as it is now and keep it locked for the rest of the transaction (MySQL/MariaDB). */
  private lockOf(options: { lock?: boolean }) {
    const lock = options.lock ? this.db.forUpdate() : undefined;
    return lock ? { lock: { mode: lock } } : {};
  }

  /** The organization's share of `id`; null when it is not the organization's (or none). */
  share(manager: EntityManager, organizationId: number, id: number, options: { lock?: boolean } = {}): Promise<LicenseRequestShareEntity | null> {
    return manager.getRepository(LicenseRequestShareEntity).findOne({ where: { id, organizationId }, ...this.lockOf(options) });
  }

  /** The share a link's secret names (by its hash), in any organization; null when none does. */
  shareByTokenHash(manager: EntityManager, tokenHash: string, options: { lock?: boolean } = {}): Promise<LicenseRequestShareEntity | null> {
    return manager.getRepository(LicenseRequestShareEntity).findOne({ where: { tokenHash }, ...this.lockOf(options) });
  }

  sharesByIds(ids: readonly number[]): Promise<LicenseRequestShareEntity[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.dataSource.getRepository(LicenseRequestShareEntity).find({ where: { id: In([...ids]) }, order: { id: "ASC" } });
  }

  shareById(id: number): Promise<LicenseRequestShareEntity> {
    return this.dataSource.getRepository(LicenseRequestShareEntity).findOneByOrFail({ id });
  }

  requestById(id: number): Promise<LicenseRequestEntity> {
    return this.dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ id });
  }

  recommendationById(id: number): Promise<LicenseRequestRecommendationEntity> {
    return this.dataSource.getRepository(LicenseRequestRecommendationEntity).findOneByOrFail({ id });
  }

  // -------------------------------------------------------------- writing

  /**
   * How many shares the request has, as committed now: a locking read (on MySQL a plain one would
   * see the transaction's snapshot, taken before the request's lock was granted), so shares of
   * one request, which take that lock first, count each other.
   */
  async shareCount(manager: EntityManager, organizationId: number, requestId: number): Promise<number> {
    const [row] = await manager.query<{ n: number | string }[]>(
      `SELECT COUNT(*) AS n FROM \`license_request_share\` WHERE \`organizationId\` = ? AND \`requestId\` = ?${this.db.isMysql ? " LOCK IN SHARE MODE" : ""}`,
      [organizationId, requestId],
    );
    return Number(row?.n ?? 0);
  }

  async insertShares(manager: EntityManager, shares: NewShare[]): Promise<LicenseRequestShareEntity[]> {
    const repository = manager.getRepository(LicenseRequestShareEntity);
    await repository.insert(shares.map((s) => ({ ...s, usedAt: null, revokedAt: null })));
    return repository.find({ where: { tokenHash: In(shares.map((s) => s.tokenHash)) }, order: { id: "ASC" } });
  }

  /** Marks the share used at `at` if no one used or withdrew it yet; false when someone did. */
  async markUsed(manager: EntityManager, shareId: number, at: Date): Promise<boolean> {
    const result = await manager.getRepository(LicenseRequestShareEntity).update({ id: shareId, usedAt: IsNull(), revokedAt: IsNull() }, { usedAt: at });
    return Boolean(result.affected);
  }

  /** Marks the share withdrawn at `at` if no one used or withdrew it yet; false when someone did. */
  async markRevoked(manager: EntityManager, shareId: number, at: Date): Promise<boolean> {
    const result = await manager.getRepository(LicenseRequestShareEntity).update({ id: shareId, usedAt: IsNull(), revokedAt: IsNull() }, { revokedAt: at });
    return Boolean(result.affected);
  }

  async insertRecommendation(manager: EntityManager, recommendation: NewRecommendation): Promise<LicenseRequestRecommendationEntity> {
    const repository = manager.getRepository(LicenseRequestRecommendationEntity);
    return repository.save(repository.create(recommendation));
  }
}
