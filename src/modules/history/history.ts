/**
 * The decision history (an addition to the contract): every decision,
 * cancellation and expiry, kept for good, visible to global admins only.
 */
import { DataSource } from "typeorm";
import { DecisionRecordEntity } from "../../entities";
import { forbidden } from "../shared/errors";
import { applyKeyset, encodeKeysetCursor, keysetCursorDecoder } from "../shared/keyset";
import { Connection, ConnectionArgs, pageWindow, toConnection } from "../shared/pagination";
import type { Viewer } from "../shared/viewer";

const decisionCursor = (d: DecisionRecordEntity) => encodeKeysetCursor("licenseRequestDecisions", d.at.getTime(), d.id);

const decodeDecisionCursor = keysetCursorDecoder("licenseRequestDecisions", "number");

export class DecisionHistory {
  constructor(private readonly dataSource: DataSource) {}

  /** The organization's history, newest first. Global admins only (FORBIDDEN otherwise). */
  async list(viewer: Viewer, args: ConnectionArgs): Promise<Connection<DecisionRecordEntity>> {
    if (!viewer.isGlobalAdmin) throw forbidden("Only global admins read the decision history.");
    const window = pageWindow(args, decodeDecisionCursor);
    const base = () =>
      this.dataSource
        .getRepository(DecisionRecordEntity)
        .createQueryBuilder("d")
        .where("d.organizationId = :organizationId", { organizationId: viewer.organizationId });
    const rows = await applyKeyset(base(), window, "d.at", "d.id", "DESC").getMany();
    return toConnection(rows, window, decisionCursor, () => base().getCount());
  }

  /** One request's history, oldest first; null unless the viewer is a global admin. */
  async ofRequest(viewer: Viewer, requestId: number): Promise<DecisionRecordEntity[] | null> {
    if (!viewer.isGlobalAdmin) return null;
    return this.dataSource.getRepository(DecisionRecordEntity).find({
      where: { requestId, organizationId: viewer.organizationId },
      order: { at: "ASC", id: "ASC" },
    });
  }
}
