/**
 * Who decides (api.md "Who decides"): products' approvers and delegations,
 * the viewer's permissions. Rights themselves are read where they are used
 * (services/access/rights.ts) and judged by the one policy.
 */
import type { ApprovalDelegationEntity, ProductEntity, UserEntity } from "../../entities";
import { can, organizationOf, permissionsOf } from "../access/policy";
import type { Loaders } from "../loaders";
import { encodeKeysetCursor, keysetConnection, keysetCursorDecoder, KeysetList } from "../shared/keyset";
import { Connection, ConnectionArgs, pageWindow } from "../shared/pagination";
import type { IdempotentMutations } from "../shared/idempotency";
import type { Database } from "../shared/unitOfWork";
import type { Viewer } from "../shared/viewer";
import { isMysqlFamily } from "../../db/dataSource";
import { setProductApprovers, SetApproversInput } from "./approvers";
import { cancelApprovalDelegation, CancelDelegationInput, delegateApprovals, DelegateInput } from "./delegations";
import type { DeciderDeps } from "./deps";
import { delegationRow } from "./loaders";
import { DecidersStore } from "./store";

/** A delegation's place in the list: when it ends (or ended, when cancelled), latest first. */
const endOf = (d: ApprovalDelegationEntity) => (d.cancelledAt ?? d.endsAt).getTime();
const delegationCursor = (d: ApprovalDelegationEntity) => encodeKeysetCursor("approvalDelegations", endOf(d), d.id);
const decodeDelegationCursor = keysetCursorDecoder("approvalDelegations", "number");

export class Deciders {
  private readonly deps: DeciderDeps;

  constructor(db: Database, mutations: IdempotentMutations) {
    this.deps = { db, mutations, store: new DecidersStore(db) };
  }

  setApprovers(viewer: Viewer, input: SetApproversInput) {
    return setProductApprovers(this.deps, viewer, input);
  }

  delegate(viewer: Viewer, input: DelegateInput, now: Date) {
    return delegateApprovals(this.deps, viewer, input, now);
  }

  cancelDelegation(viewer: Viewer, input: CancelDelegationInput, now: Date) {
    return cancelApprovalDelegation(this.deps, viewer, input, now);
  }

  /** A product's approvers, for whoever manages the request process; null for anyone else. */
  approversOf(viewer: Viewer, loaders: Loaders, product: ProductEntity): Promise<UserEntity[]> | null {
    if (!can(viewer, "process.manage", product)) return null;
    return loaders.deciders.approvers.load(product.id);
  }

  /** What the viewer may do (`me { permissions }`), with the products they decide by id. */
  permissions(viewer: Viewer) {
    return permissionsOf(viewer);
  }

  /**
   * Delegations from or to the viewer, or the organization's for whoever
   * manages the request process: by when they end (or ended), latest first,
   * so those open or ahead come before those past.
   */
  delegations(viewer: Viewer, args: ConnectionArgs): Promise<Connection<ApprovalDelegationEntity>> {
    const window = pageWindow(args, decodeDelegationCursor);
    const dataSource = this.deps.db.dataSource;
    return keysetConnection(dataSource, isMysqlFamily(dataSource), delegationList(viewer, can(viewer, "delegations.readAll", organizationOf(viewer))), window, {
      map: delegationRow.map,
      cursorOf: delegationCursor,
    });
  }

  /** A delegation for `node(id:)`: null unless the viewer is party to it or manages the request process. */
  async delegationNode(viewer: Viewer, loaders: Loaders, id: number): Promise<ApprovalDelegationEntity | null> {
    const delegation = await loaders.deciders.delegation.load(id);
    return delegation && can(viewer, "delegation.read", delegation) ? delegation : null;
  }
}

function delegationList(viewer: Viewer, everyone: boolean): KeysetList {
  const where = ["d.`organizationId` = ?"];
  const parameters: unknown[] = [viewer.organizationId];
  if (!everyone) {
    where.push("(d.`fromUserId` = ? OR d.`toUserId` = ?)");
    parameters.push(viewer.userId, viewer.userId);
  }
  return {
    select: delegationRow.qualified("d"),
    table: "approval_delegation",
    alias: "d",
    where,
    parameters,
    sort: "COALESCE(d.`cancelledAt`, d.`endsAt`)",
    id: "d.`id`",
    direction: "DESC",
  };
}
