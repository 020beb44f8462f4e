/**
 * The rules of license requests (api.md "Rules"): submit, approve (fully or
 * partially), deny, cancel, expire. Every method either acts completely, in one
 * transaction, or returns user errors having changed nothing. Events are
 * published after the commit; emails are written to the outbox inside it.
 *
 * Concurrency: a decision takes the request's row lock (MySQL/MariaDB) and
 * changes it only while it is still PENDING; licenses are taken with a
 * conditional update (`assigned + n <= total`), so N deciders give one winner and
 * a pool is never over-assigned. On SQLite, writers are serialized.
 */
import { EntityManager, In } from "typeorm";
import {
  AssignmentDisabledPlanEntity,
  DecisionAction,
  DecisionRecordEntity,
  LicenseAssignmentEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  OrganizationEntity,
  OutboxEmailEntity,
  ProductEntity,
  RequestProcessSettingsEntity,
  UserEntity,
} from "../../entities";
import { Clock, REQUEST_LIFETIME_MS } from "../shared/clock";
import { Database, isDuplicateKeyError } from "../shared/unitOfWork";
import { composeDecisionEmail } from "../notifications/decisionEmails";
import { failed, forbidden, Outcome, userError, UserError, UserErrorsAbort } from "../shared/errors";
import { EventPublisher } from "../shared/events";
import { localIdOf } from "../shared/ids";
import { IdempotentMutations, MutationInput, MutationResult } from "../shared/idempotency";
import { eligibleProducts, loadCatalog } from "../shared/loaders";
import { isPastExpiry } from "./status";
import type { Viewer } from "../shared/viewer";

export const MAX_RECIPIENTS = 50;
export const MAX_JUSTIFICATION_LENGTH = 2000;
export const MAX_DECISION_MESSAGE_LENGTH = 1000;
/** More IDs than this in one list is not a mistake a person makes; refuse before any lookup. */
const MAX_LIST_INPUT = 200;

export interface SubmitInput extends MutationInput {
  productId: string;
  additionalUserIds?: string[] | null;
  justification?: string | null;
}

export interface ApproveInput extends MutationInput {
  requestId: string;
  productId?: string | null;
  excludedUserIds?: string[] | null;
  disabledServicePlanIds?: string[] | null;
  message?: string | null;
}

export interface DenyInput extends MutationInput {
  requestId: string;
  message?: string | null;
}

export interface CancelInput extends MutationInput {
  requestId: string;
}

export type SubmitResult =
  | { kind: "created"; request: LicenseRequestEntity }
  | { kind: "ownRequestProcess"; settings: RequestProcessSettingsEntity };

export interface ApproveResult {
  request: LicenseRequestEntity;
  assignments: LicenseAssignmentEntity[];
}

const abort = (...errors: UserError[]): never => {
  throw new UserErrorsAbort(errors);
};

const idList = (ids: number[]) => ids.join(",");
export const parseIdList = (value: string): number[] => (value ? value.split(",").map(Number) : []);

function checkMessage(message: string | null | undefined): UserError[] {
  return message && message.length > MAX_DECISION_MESSAGE_LENGTH
    ? [userError("INVALID_INPUT", `The message is at most ${MAX_DECISION_MESSAGE_LENGTH} characters.`, ["input", "message"])]
    : [];
}

export class LicenseRequestService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly mutations: IdempotentMutations,
    private readonly events: EventPublisher,
    private readonly onOutboxWritten: () => void = () => undefined,
  ) {}

  // ---------------------------------------------------------------- submit

  async submit(viewer: Viewer, input: SubmitInput): Promise<Outcome<MutationResult<SubmitResult>>> {
    const productId = localIdOf(input.productId, "Product");
    if (productId === null) return failed(userError("NOT_FOUND", "No such product.", ["input", "productId"]));
    const justification = input.justification?.trim() || null;
    if (justification && justification.length > MAX_JUSTIFICATION_LENGTH) {
      return failed(
        userError("INVALID_INPUT", `The justification is at most ${MAX_JUSTIFICATION_LENGTH} characters.`, ["input", "justification"]),
      );
    }
    const named = input.additionalUserIds ?? [];
    if (named.length > MAX_LIST_INPUT) {
      return failed(userError("INVALID_INPUT", `A request names at most ${MAX_RECIPIENTS} people.`, ["input", "additionalUserIds"]));
    }
    // The requester first, then the named users in order; a user named twice counts once.
    const recipientIds: number[] = [viewer.userId];
    const fieldOf = new Map<number, string[]>([[viewer.userId, ["input"]]]);
    for (const [index, globalId] of named.entries()) {
      const id = localIdOf(globalId, "User");
      if (id === null) return failed(userError("NOT_FOUND", "No such user.", ["input", "additionalUserIds", String(index)]));
      if (!fieldOf.has(id)) {
        recipientIds.push(id);
        fieldOf.set(id, ["input", "additionalUserIds", String(index)]);
      }
    }
    if (recipientIds.length > MAX_RECIPIENTS) {
      return failed(
        userError("INVALID_INPUT", `A request names at most ${MAX_RECIPIENTS} people, you included (${recipientIds.length} given).`, [
          "input",
          "additionalUserIds",
        ]),
      );
    }

    const expiredOnTheWay: number[] = [];
    const outcome = await this.mutations.run(
      viewer,
      "submitLicenseRequest",
      input,
      async (manager): Promise<SubmitResult> => {
        const now = this.clock.now();
        const product = await manager.getRepository(ProductEntity).findOne({ where: { id: productId, organizationId: viewer.organizationId } });
        if (!product) return abort(userError("NOT_FOUND", "No such product.", ["input", "productId"]));
        if (product.selfServicePurchaseAllowed) {
          return abort(
            userError("INVALID_INPUT", `${product.name} can be bought without a request: self-service purchase is allowed.`, [
              "input",
              "productId",
            ]),
          );
        }
        const users = await manager
          .getRepository(UserEntity)
          .find({ where: { id: In(recipientIds), organizationId: viewer.organizationId } });
        const userById = new Map(users.map((u) => [u.id, u]));
        const missing = recipientIds.filter((id) => !userById.has(id));
        if (missing.length) return abort(...missing.map((id) => userError("NOT_FOUND", "No such user.", fieldOf.get(id)!)));

        const holders = await manager
          .getRepository(LicenseAssignmentEntity)
          .find({ where: { productId, userId: In(recipientIds), organizationId: viewer.organizationId } });
        const holderErrors = holders.map((h) => {
          const user = userById.get(h.userId)!;
          const who = h.userId === viewer.userId ? "You already have" : `${user.displayName} already has`;
          return userError("INVALID_INPUT", `${who} a license of ${product.name}.`, fieldOf.get(h.userId)!);
        });
        if (holderErrors.length) return abort(...holderErrors);

        const pendingElsewhere = await manager
          .getRepository(LicenseRequestRecipientEntity)
          .find({ where: { pendingProductId: productId, userId: In(recipientIds), organizationId: viewer.organizationId } });
        if (pendingElsewhere.length) {
          const otherRequests = await manager
            .getRepository(LicenseRequestEntity)
            .find({ where: { id: In([...new Set(pendingElsewhere.map((p) => p.requestId))]) } });
          const stale = otherRequests.filter((r) => r.status === "PENDING" && isPastExpiry(r, now));
          // A request that reads as EXPIRED no longer blocks anyone: store its expiry now.
          for (const request of stale) if (await this.expireInTransaction(manager, request)) expiredOnTheWay.push(request.id);
          const staleIds = new Set(stale.map((r) => r.id));
          const blocking = pendingElsewhere.filter((p) => !staleIds.has(p.requestId));
          if (blocking.length) {
            return abort(
              ...blocking.map((p) => {
                const who = p.userId === viewer.userId ? "You are" : `${userById.get(p.userId)!.displayName} is`;
                return userError("INVALID_INPUT", `${who} already named in a pending request for ${product.name}.`, fieldOf.get(p.userId)!);
              }),
            );
          }
        }

        // Input is checked before the own-process switch (api.md).
        const settings = await manager
          .getRepository(RequestProcessSettingsEntity)
          .findOne({ where: { organizationId: viewer.organizationId } });
        if (settings?.useOwnRequestProcess) return { kind: "ownRequestProcess", settings };

        const request = await manager.getRepository(LicenseRequestEntity).save(
          manager.getRepository(LicenseRequestEntity).create({
            organizationId: viewer.organizationId,
            productId,
            requesterId: viewer.userId,
            justification,
            status: "PENDING",
            recipientCount: recipientIds.length,
            requestedAt: now,
            expiresAt: new Date(now.getTime() + REQUEST_LIFETIME_MS),
            decidedAt: null,
            decidedById: null,
            decisionMessage: null,
            assignedProductId: null,
            disabledServicePlanIds: "",
          }),
        );
        try {
          await manager.getRepository(LicenseRequestRecipientEntity).insert(
            recipientIds.map((userId, position) => ({
              requestId: request.id,
              userId,
              organizationId: viewer.organizationId,
              position,
              decision: "PENDING" as const,
              pendingProductId: productId,
              assignmentId: null,
            })),
          );
        } catch (error) {
          // Another submission named one of them for the same product a moment ago.
          if (isDuplicateKeyError(error)) {
            return abort(
              userError("INVALID_INPUT", `Someone you named was just named in another pending request for ${product.name}.`, [
                "input",
                "additionalUserIds",
              ]),
            );
          }
          throw error;
        }
        return { kind: "created", request };
      },
      {
        encode: (r) => (r.kind === "created" ? { requestId: r.request.id } : { ownRequestProcess: true }),
        decode: async (stored: { requestId?: number }): Promise<SubmitResult> => {
          if (stored.requestId) {
            const request = await this.db.dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ id: stored.requestId });
            return { kind: "created", request };
          }
          const settings = await this.db.dataSource
            .getRepository(RequestProcessSettingsEntity)
            .findOneByOrFail({ organizationId: viewer.organizationId });
          return { kind: "ownRequestProcess", settings };
        },
      },
    );
    for (const requestId of expiredOnTheWay) this.events.requestUpdated({ organizationId: viewer.organizationId, requestId, status: "EXPIRED" });
    if (outcome.ok && !outcome.value.replayed && outcome.value.value.kind === "created") {
      const request = outcome.value.value.request;
      this.events.requestSubmitted({ organizationId: request.organizationId, requestId: request.id, productId: request.productId });
    }
    return outcome;
  }

  // --------------------------------------------------------------- decide

  async approve(viewer: Viewer, input: ApproveInput): Promise<Outcome<MutationResult<ApproveResult>>> {
    if (!viewer.isGlobalAdmin) throw forbidden("Only global admins decide license requests.");
    const requestId = localIdOf(input.requestId, "LicenseRequest");
    if (requestId === null) return failed(userError("NOT_FOUND", "No such license request.", ["input", "requestId"]));
    const inputErrors = checkMessage(input.message);
    for (const name of ["excludedUserIds", "disabledServicePlanIds"] as const) {
      if ((input[name]?.length ?? 0) > MAX_LIST_INPUT) {
        inputErrors.push(userError("INVALID_INPUT", `Too many IDs (at most ${MAX_LIST_INPUT}).`, ["input", name]));
      }
    }
    if (inputErrors.length) return failed(...inputErrors);

    const outcome = await this.mutations.run(
      viewer,
      "approveLicenseRequest",
      input,
      async (manager): Promise<ApproveResult> => {
        const now = this.clock.now();
        const request = await this.lockPendingRequest(manager, viewer, requestId, now);
        const recipients = await manager
          .getRepository(LicenseRequestRecipientEntity)
          .find({ where: { requestId }, order: { position: "ASC" } });
        const catalog = await loadCatalog(manager, viewer.organizationId);

        // The product to assign from: one of eligibleProducts.
        let chosenId = request.productId;
        if (input.productId != null) {
          const id = localIdOf(input.productId, "Product");
          if (id === null || !catalog.productById.has(id)) abort(userError("NOT_FOUND", "No such product.", ["input", "productId"]));
          chosenId = id!;
        }
        const eligible = eligibleProducts(catalog, request.productId);
        const chosen = catalog.productById.get(chosenId)!;
        if (!eligible.some((p) => p.id === chosenId)) {
          abort(
            userError(
              "INVALID_INPUT",
              `${chosen.name} does not include every app of ${catalog.productById.get(request.productId)!.name}; choose one of the eligible products.`,
              ["input", "productId"],
            ),
          );
        }

        // "Don't assign to these users": must be recipients; not everyone.
        const recipientIds = new Set(recipients.map((r) => r.userId));
        const excluded = new Set<number>();
        const errors: UserError[] = [];
        for (const [index, globalId] of (input.excludedUserIds ?? []).entries()) {
          const field = ["input", "excludedUserIds", String(index)];
          const id = localIdOf(globalId, "User");
          if (id === null) errors.push(userError("NOT_FOUND", "No such user.", field));
          else if (!recipientIds.has(id)) {
            const user = await manager.getRepository(UserEntity).findOne({ where: { id, organizationId: viewer.organizationId } });
            errors.push(
              user
                ? userError("INVALID_INPUT", `${user.displayName} is not a recipient of this request.`, field)
                : userError("NOT_FOUND", "No such user.", field),
            );
          } else excluded.add(id);
        }
        if (errors.length) abort(...errors);
        const approved = recipients.filter((r) => !excluded.has(r.userId));
        if (approved.length === 0) {
          abort(userError("INVALID_INPUT", "Every recipient is left out: deny the request instead.", ["input", "excludedUserIds"]));
        }

        // Apps to turn off: plans of the chosen product.
        const chosenPlans = new Set(catalog.planIdsByProductId.get(chosenId) ?? []);
        const disabled: number[] = [];
        for (const [index, globalId] of (input.disabledServicePlanIds ?? []).entries()) {
          const field = ["input", "disabledServicePlanIds", String(index)];
          const id = localIdOf(globalId, "ServicePlan");
          if (id === null || !catalog.planById.has(id)) errors.push(userError("NOT_FOUND", "No such service plan.", field));
          else if (!chosenPlans.has(id)) {
            errors.push(userError("INVALID_INPUT", `${catalog.planById.get(id)!.name} is not part of ${chosen.name}.`, field));
          } else if (!disabled.includes(id)) disabled.push(id);
        }
        if (errors.length) abort(...errors);

        const users = await manager
          .getRepository(UserEntity)
          .find({ where: { id: In(recipients.map((r) => r.userId)), organizationId: viewer.organizationId } });
        const userById = new Map(users.map((u) => [u.id, u]));

        // A recipient who meanwhile holds the chosen product: the admin can leave them out.
        const holders = await manager
          .getRepository(LicenseAssignmentEntity)
          .find({ where: { productId: chosenId, userId: In(approved.map((r) => r.userId)) } });
        if (holders.length) {
          abort(
            ...holders.map((h) =>
              userError(
                "INVALID_INPUT",
                `${userById.get(h.userId)!.displayName} already has a license of ${chosen.name}: leave them out or choose another product.`,
                ["input", "excludedUserIds"],
              ),
            ),
          );
        }

        // Take the licenses: never below zero, under any concurrency.
        const taken = await manager
          .createQueryBuilder()
          .update(ProductEntity)
          .set({ assignedLicenses: () => `assignedLicenses + ${approved.length}` })
          .where("id = :id AND organizationId = :organizationId AND assignedLicenses + :n <= totalLicenses", {
            id: chosenId,
            organizationId: viewer.organizationId,
            n: approved.length,
          })
          .execute();
        if (!taken.affected) {
          // A locking read: on MySQL a plain one would see this transaction's snapshot, not the pool as the update found it.
          const lock = this.db.forUpdate();
          const fresh = await manager.getRepository(ProductEntity).findOneOrFail({ where: { id: chosenId }, lock: lock ? { mode: lock } : undefined });
          const available = Math.max(0, fresh.totalLicenses - fresh.assignedLicenses);
          abort(
            userError(
              "INSUFFICIENT_LICENSES",
              `${chosen.name} has ${available} available license${available === 1 ? "" : "s"}; ${approved.length} ${approved.length === 1 ? "is" : "are"} needed. Leave people out, choose another product, or buy more licenses.`,
              ["input", "productId"],
            ),
          );
        }

        const assignments: LicenseAssignmentEntity[] = [];
        for (const recipient of approved) {
          try {
            assignments.push(
              await manager.getRepository(LicenseAssignmentEntity).save(
                manager.getRepository(LicenseAssignmentEntity).create({
                  organizationId: viewer.organizationId,
                  userId: recipient.userId,
                  productId: chosenId,
                  assignedAt: now,
                  requestId,
                }),
              ),
            );
          } catch (error) {
            if (!isDuplicateKeyError(error)) throw error;
            abort(
              userError("INVALID_INPUT", `${userById.get(recipient.userId)!.displayName} was just given a license of ${chosen.name}.`, [
                "input",
                "excludedUserIds",
              ]),
            );
          }
        }
        if (disabled.length) {
          await manager.getRepository(AssignmentDisabledPlanEntity).insert(
            assignments.flatMap((a) =>
              disabled.map((servicePlanId) => ({ assignmentId: a.id, servicePlanId, organizationId: viewer.organizationId })),
            ),
          );
        }
        const assignmentOf = new Map(assignments.map((a) => [a.userId, a.id]));
        for (const recipient of recipients) {
          await manager.getRepository(LicenseRequestRecipientEntity).update(
            { requestId, userId: recipient.userId },
            {
              decision: excluded.has(recipient.userId) ? "DENIED" : "APPROVED",
              pendingProductId: null,
              assignmentId: assignmentOf.get(recipient.userId) ?? null,
            },
          );
        }

        const status = excluded.size ? "PARTIALLY_APPROVED" : "APPROVED";
        const message = input.message?.trim() || null;
        Object.assign(request, {
          status,
          decidedAt: now,
          decidedById: viewer.userId,
          decisionMessage: message,
          assignedProductId: chosenId,
          disabledServicePlanIds: idList(disabled),
        });
        await this.storeDecision(manager, request);
        await this.record(manager, request, status, viewer.userId, {
          productId: chosenId,
          disabled,
          approvedUserIds: approved.map((r) => r.userId),
          deniedUserIds: [...excluded],
          message,
        });
        const organization = await manager.getRepository(OrganizationEntity).findOneByOrFail({ id: viewer.organizationId });
        await this.writeEmails(manager, request, recipients, userById, {
          organizationName: organization.name,
          requestedProductName: catalog.productById.get(request.productId)!.name,
          assignedProductName: chosen.name,
          disabledPlanNames: disabled.map((id) => catalog.planById.get(id)!.name),
          adminName: viewer.user.displayName,
          message,
          excluded,
        });
        return { request, assignments };
      },
      {
        encode: (r) => ({ requestId: r.request.id, assignmentIds: r.assignments.map((a) => a.id) }),
        decode: async (stored: { requestId: number; assignmentIds: number[] }) => ({
          request: await this.db.dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ id: stored.requestId }),
          assignments: await this.db.dataSource
            .getRepository(LicenseAssignmentEntity)
            .find({ where: { id: In(stored.assignmentIds) }, order: { id: "ASC" } }),
        }),
      },
    );
    this.afterDecision(outcome, (v) => v.request);
    return outcome;
  }

  async deny(viewer: Viewer, input: DenyInput): Promise<Outcome<MutationResult<LicenseRequestEntity>>> {
    if (!viewer.isGlobalAdmin) throw forbidden("Only global admins decide license requests.");
    const requestId = localIdOf(input.requestId, "LicenseRequest");
    if (requestId === null) return failed(userError("NOT_FOUND", "No such license request.", ["input", "requestId"]));
    const inputErrors = checkMessage(input.message);
    if (inputErrors.length) return failed(...inputErrors);
    const outcome = await this.mutations.run(
      viewer,
      "denyLicenseRequest",
      input,
      async (manager) => {
        const now = this.clock.now();
        const request = await this.lockPendingRequest(manager, viewer, requestId, now);
        const recipients = await manager
          .getRepository(LicenseRequestRecipientEntity)
          .find({ where: { requestId }, order: { position: "ASC" } });
        await manager
          .getRepository(LicenseRequestRecipientEntity)
          .update({ requestId }, { decision: "DENIED", pendingProductId: null });
        const message = input.message?.trim() || null;
        Object.assign(request, { status: "DENIED", decidedAt: now, decidedById: viewer.userId, decisionMessage: message });
        await this.storeDecision(manager, request);
        await this.record(manager, request, "DENIED", viewer.userId, {
          deniedUserIds: recipients.map((r) => r.userId),
          message,
        });
        const users = await manager.getRepository(UserEntity).find({ where: { id: In(recipients.map((r) => r.userId)) } });
        const product = await manager.getRepository(ProductEntity).findOneByOrFail({ id: request.productId });
        const organization = await manager.getRepository(OrganizationEntity).findOneByOrFail({ id: viewer.organizationId });
        await this.writeEmails(manager, request, recipients, new Map(users.map((u) => [u.id, u])), {
          organizationName: organization.name,
          requestedProductName: product.name,
          adminName: viewer.user.displayName,
          message,
          excluded: new Set(recipients.map((r) => r.userId)),
        });
        return request;
      },
      this.requestCodec(),
    );
    this.afterDecision(outcome, (r) => r);
    return outcome;
  }

  async cancel(viewer: Viewer, input: CancelInput): Promise<Outcome<MutationResult<LicenseRequestEntity>>> {
    const requestId = localIdOf(input.requestId, "LicenseRequest");
    if (requestId === null) return failed(userError("NOT_FOUND", "No such license request.", ["input", "requestId"]));
    const outcome = await this.mutations.run(
      viewer,
      "cancelLicenseRequest",
      input,
      async (manager) => {
        const now = this.clock.now();
        const request = await this.lockPendingRequest(manager, viewer, requestId, now, { requesterOnly: true });
        await manager.getRepository(LicenseRequestRecipientEntity).update({ requestId }, { pendingProductId: null });
        Object.assign(request, { status: "CANCELLED", decidedAt: now, decidedById: viewer.userId });
        await this.storeDecision(manager, request);
        await this.record(manager, request, "CANCELLED", viewer.userId, {});
        return request;
      },
      this.requestCodec(),
    );
    this.afterDecision(outcome, (r) => r);
    return outcome;
  }

  // --------------------------------------------------------------- expiry

  /**
   * Stores EXPIRED (decidedAt = expiresAt) for pending requests past their
   * expiry, records it and publishes each after commit. Returns how many.
   */
  async expireDue(batchSize = 200): Promise<number> {
    const now = this.clock.now();
    let total = 0;
    for (;;) {
      const due = await this.db.dataSource
        .getRepository(LicenseRequestEntity)
        .createQueryBuilder("lr")
        .where("lr.status = 'PENDING' AND lr.expiresAt <= :now", { now: now.getTime() })
        .orderBy("lr.expiresAt", "ASC")
        .limit(batchSize)
        .getMany();
      if (!due.length) return total;
      const expired: LicenseRequestEntity[] = [];
      await this.db.transaction(async (manager) => {
        for (const request of due) if (await this.expireInTransaction(manager, request)) expired.push(request);
      });
      for (const request of expired) {
        this.events.requestUpdated({ organizationId: request.organizationId, requestId: request.id, status: "EXPIRED" });
      }
      total += expired.length;
      if (due.length < batchSize) return total;
    }
  }

  /** Expires one request if it is still stored as PENDING; false when someone else got there first. */
  private async expireInTransaction(manager: EntityManager, request: LicenseRequestEntity): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(LicenseRequestEntity)
      .set({ status: "EXPIRED", decidedAt: request.expiresAt, decidedById: null })
      .where("id = :id AND status = 'PENDING'", { id: request.id })
      .execute();
    if (!result.affected) return false;
    await manager.getRepository(LicenseRequestRecipientEntity).update({ requestId: request.id }, { pendingProductId: null });
    Object.assign(request, { status: "EXPIRED", decidedAt: request.expiresAt, decidedById: null });
    await this.record(manager, request, "EXPIRED", null, {}, request.expiresAt);
    return true;
  }

  // -------------------------------------------------------------- helpers

  /**
   * Reads the request with a row lock and checks it can still change.
   * Aborts with NOT_FOUND (missing, other organization, not visible), FORBIDDEN
   * (top-level: a non-requester cancelling), CONFLICT or REQUEST_EXPIRED.
   */
  private async lockPendingRequest(
    manager: EntityManager,
    viewer: Viewer,
    requestId: number,
    now: Date,
    options: { requesterOnly?: boolean } = {},
  ): Promise<LicenseRequestEntity> {
    const lock = this.db.forUpdate();
    const request = await manager.getRepository(LicenseRequestEntity).findOne({
      where: { id: requestId, organizationId: viewer.organizationId },
      lock: lock ? { mode: lock } : undefined,
    });
    const notFound = userError("NOT_FOUND", "No such license request.", ["input", "requestId"]);
    if (!request) return abort(notFound);
    if (options.requesterOnly && request.requesterId !== viewer.userId) {
      const named = await manager.getRepository(LicenseRequestRecipientEntity).findOne({ where: { requestId, userId: viewer.userId } });
      if (!named && !viewer.isGlobalAdmin) return abort(notFound);
      throw forbidden("Only the requester can cancel a request; admins deny it instead.");
    }
    if (request.status !== "PENDING") {
      const status = request.status;
      if (status === "EXPIRED") return abort(userError("REQUEST_EXPIRED", "This request expired; it can no longer change.", ["input", "requestId"]));
      return abort(
        userError("CONFLICT", `This request is already ${status.replace("_", " ").toLowerCase()} (${status}); it can no longer change.`, [
          "input",
          "requestId",
        ]),
      );
    }
    if (isPastExpiry(request, now)) {
      return abort(userError("REQUEST_EXPIRED", "This request expired; it can no longer change.", ["input", "requestId"]));
    }
    return request;
  }

  /** Writes a decision onto the (locked) request row, only while it is still PENDING. */
  private async storeDecision(manager: EntityManager, request: LicenseRequestEntity): Promise<void> {
    const result = await manager
      .createQueryBuilder()
      .update(LicenseRequestEntity)
      .set({
        status: request.status,
        decidedAt: request.decidedAt,
        decidedById: request.decidedById,
        decisionMessage: request.decisionMessage,
        assignedProductId: request.assignedProductId,
        disabledServicePlanIds: request.disabledServicePlanIds,
      })
      .where("id = :id AND status = 'PENDING'", { id: request.id })
      .execute();
    if (!result.affected) {
      const current = await manager.getRepository(LicenseRequestEntity).findOneByOrFail({ id: request.id });
      abort(userError("CONFLICT", `This request is already ${current.status}; it can no longer change.`, ["input", "requestId"]));
    }
  }

  private async record(
    manager: EntityManager,
    request: LicenseRequestEntity,
    action: DecisionAction,
    actorId: number | null,
    facts: { productId?: number; disabled?: number[]; approvedUserIds?: number[]; deniedUserIds?: number[]; message?: string | null },
    at: Date = this.clock.now(),
  ): Promise<void> {
    await manager.getRepository(DecisionRecordEntity).insert({
      organizationId: request.organizationId,
      requestId: request.id,
      action,
      actorId,
      at,
      productId: facts.productId ?? null,
      disabledServicePlanIds: idList(facts.disabled ?? []),
      approvedUserIds: idList(facts.approvedUserIds ?? []),
      deniedUserIds: idList(facts.deniedUserIds ?? []),
      message: facts.message ?? null,
    });
  }

  /** One email per recipient, in the decision's transaction (the outbox). */
  private async writeEmails(
    manager: EntityManager,
    request: LicenseRequestEntity,
    recipients: LicenseRequestRecipientEntity[],
    userById: Map<number, UserEntity>,
    facts: {
      organizationName: string;
      requestedProductName: string;
      assignedProductName?: string;
      disabledPlanNames?: string[];
      adminName: string;
      message: string | null;
      excluded: Set<number>;
    },
  ): Promise<void> {
    const now = this.clock.now();
    const rows = recipients.map((recipient) => {
      const user = userById.get(recipient.userId)!;
      const email = composeDecisionEmail({
        ...facts,
        recipientName: user.displayName,
        decision: facts.excluded.has(recipient.userId) ? "DENIED" : "APPROVED",
      });
      return {
        organizationId: request.organizationId,
        requestId: request.id,
        recipientUserId: user.id,
        toAddress: user.email,
        subject: email.subject,
        textBody: email.text,
        htmlBody: email.html,
        attempts: 0,
        createdAt: now,
        nextAttemptAt: now,
        lockedBy: null,
        lockedUntil: null,
        sentAt: null,
        lastError: null,
      };
    });
    if (rows.length) await manager.getRepository(OutboxEmailEntity).insert(rows);
  }

  private requestCodec() {
    return {
      encode: (r: LicenseRequestEntity) => ({ requestId: r.id }),
      decode: (stored: { requestId: number }) =>
        this.db.dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ id: stored.requestId }),
    };
  }

  private afterDecision<T>(outcome: Outcome<MutationResult<T>>, requestOf: (value: T) => LicenseRequestEntity): void {
    if (!outcome.ok || outcome.value.replayed) return;
    const request = requestOf(outcome.value.value);
    this.events.requestUpdated({ organizationId: request.organizationId, requestId: request.id, status: request.status });
    if (request.status !== "CANCELLED") this.onOutboxWritten();
  }
}
