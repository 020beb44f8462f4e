/**
 * The decision history (an addition to the contract): every decision,
 * cancellation and expiry, recorded in the transaction that made it, kept for
 * good, visible to those who decide the requests it is about: all of it to
 * the admin roles (and their delegates), a product's requests' to its
 * approvers (and theirs).
 */
import { DataSource, EntityManager } from "typeorm";
import { DecisionAction, DecisionRecordDisabledPlanEntity, DecisionRecordEntity, DecisionRecordUserEntity } from "../../entities";
import { assertCan, can, organizationOf } from "../access/policy";
import { isMysqlFamily } from "../../db/dataSource";
import { encodeKeysetCursor, keysetConnection, keysetCursorDecoder, KeysetList } from "../shared/keyset";
import { Connection, ConnectionArgs, pageWindow } from "../shared/pagination";
import type { Viewer } from "../shared/viewer";
import type { DecisionChannelValue } from "../../values";
import { decisionRow, HistoryLoaders } from "./loaders";

const decisionCursor = (d: DecisionRecordEntity) => encodeKeysetCursor("licenseRequestDecisions", d.at.getTime(), d.id);

const decodeDecisionCursor = keysetCursorDecoder("licenseRequestDecisions", "number");

/** What one entry says: who did what to which request, when, and with what. */
export interface DecisionFacts {
  organizationId: number;
  requestId: number;
  action: DecisionAction;
  /** The admin who decided, the requester who cancelled, or the person who gave a second opinion; null for expiry. */
  actorId: number | null;
  at: Date;
  productId?: number | null;
  /** The group the licenses came through (an approval through a group). */
  groupId?: number | null;
  disabledPlanIds?: readonly number[];
  approvedUserIds?: readonly number[];
  deniedUserIds?: readonly number[];
  message?: string | null;
  /** Whose right the actor used, when a delegate decided. */
  onBehalfOfId?: number | null;
  /** How a decision was made (decisions only). */
  channel?: DecisionChannelValue | null;
}

export class DecisionHistory {
  constructor(private readonly dataSource: DataSource) {}

  /** Records one entry in the transaction of `manager`: at most three statements, whatever the number of recipients. */
  async record(manager: EntityManager, facts: DecisionFacts): Promise<void> {
    const { organizationId } = facts;
    const inserted = await manager.getRepository(DecisionRecordEntity).insert({
      organizationId,
      requestId: facts.requestId,
      action: facts.action,
      actorId: facts.actorId,
      at: facts.at,
      productId: facts.productId ?? null,
      groupId: facts.groupId ?? null,
      message: facts.message ?? null,
      onBehalfOfId: facts.onBehalfOfId ?? null,
      channel: facts.channel ?? null,
    });
    const decisionId = Number(inserted.identifiers[0]?.["id"]);
    const people = [
      ...(facts.approvedUserIds ?? []).map((userId) => ({ userId, outcome: "APPROVED" as const })),
      ...(facts.deniedUserIds ?? []).map((userId) => ({ userId, outcome: "DENIED" as const })),
    ];
    if (people.length) {
      await manager.getRepository(DecisionRecordUserEntity).insert(people.map((person, position) => ({ decisionId, organizationId, position, ...person })));
    }
    const plans = facts.disabledPlanIds ?? [];
    if (plans.length) {
      await manager
        .getRepository(DecisionRecordDisabledPlanEntity)
        .insert(plans.map((servicePlanId, position) => ({ decisionId, servicePlanId, organizationId, position })));
    }
  }

  /** The organization's history, newest first. Whoever decides every request (FORBIDDEN otherwise). */
  async list(viewer: Viewer, args: ConnectionArgs): Promise<Connection<DecisionRecordEntity>> {
    assertCan(viewer, "history.read", organizationOf(viewer));
    const window = pageWindow(args, decodeDecisionCursor);
    return keysetConnection(this.dataSource, isMysqlFamily(this.dataSource), historyList(viewer.organizationId), window, {
      map: decisionRow.map,
      cursorOf: decisionCursor,
    });
  }

  /** Whether the viewer reads this entry: those who decide its request's product (the entry's own product may be another, eligible one). */
  async mayRead(
    viewer: Viewer,
    loaders: { requests: { request: { load(id: number): Promise<{ organizationId: number; productId: number } | null> } } },
    decision: DecisionRecordEntity,
  ): Promise<boolean> {
    if (can(viewer, "history.read", organizationOf(viewer))) return decision.organizationId === viewer.organizationId;
    const request = await loaders.requests.request.load(decision.requestId);
    return request !== null && can(viewer, "history.read", request);
  }

  /** One request's history, oldest first; null unless the viewer decides requests of its product. Batched: one statement for a page of requests. */
  ofRequest(
    viewer: Viewer,
    loaders: { history: HistoryLoaders },
    request: { id: number; organizationId: number; productId: number },
  ): Promise<DecisionRecordEntity[]> | null {
    if (!can(viewer, "history.read", request)) return null;
    const requestId = request.id;
    return loaders.history.ofRequest.load(requestId);
  }
}

/** An organization's history, newest first. */
export function historyList(organizationId: number): KeysetList {
  return {
    select: decisionRow.qualified("d"),
    table: "decision_record",
    alias: "d",
    index: "ix_decision_org_time",
    where: ["d.`organizationId` = ?"],
    parameters: [organizationId],
    sort: "d.`at`",
    id: "d.`id`",
    direction: "DESC",
  };
}
