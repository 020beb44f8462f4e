/**
 * The activity log (api.md "Nothing missed"): every change of a request
 * appends one entry in the transaction that makes it; the same log is read
 * over HTTP (`read`), live from a cursor (the feeds in ./live.ts, through
 * ./tail.ts), and delivered to webhooks (services/webhooks). What a viewer
 * sees of it is decided entry by entry when it is read: the entries of the
 * requests they may see now (`licenseRequests`' visibility), second opinions
 * only for those who may read them, nothing of another organization.
 */
import type { LicenseRequestEventEntity } from "../../entities";
import { ACTIVITY_KINDS, ActivityKindValue } from "../../values";
import { can } from "../access/policy";
import type { Loaders } from "../loaders";
import type { LicenseRequestQueries } from "../licenseRequests/queries";
import { badUserInput } from "../shared/errors";
import { Topic } from "../shared/events";
import type { LocalId } from "../shared/ids";
import { checkPageSize, DEFAULT_PAGE_SIZE } from "../shared/pagination";
import type { UnitOfWork } from "../shared/unitOfWork";
import { queueWebhookDeliveries } from "../webhooks/outbox";
import type { Viewer } from "../shared/viewer";
import { decodeActivityCursor, encodeActivityCursor } from "./cursor";
import { ActivityFacts, ActivityStore } from "./store";
import { cursorExpired } from "./tail";

const PUBLIC_KINDS: ReadonlySet<string> = new Set(ACTIVITY_KINDS);

/** `licenseRequestEvents`' filter, as the edge decoded it. */
export interface ActivityFilter {
  /** Empty or absent: every kind. */
  kinds?: readonly ActivityKindValue[] | null | undefined;
  productId?: LocalId | undefined;
  requestId?: LocalId | undefined;
}

/**
 * A page of the log, read when a field first asks for it: `newestCursor`
 * alone reads the head only; the entries are scanned once for the others.
 */
export interface ActivityPage {
  readonly edges: Promise<{ cursor: string; node: LicenseRequestEventEntity }[]>;
  readonly nodes: Promise<LicenseRequestEventEntity[]>;
  readonly pageInfo: Promise<{ hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }>;
  /** The position of the organization's newest entry when read (visible or not): `after` for a subscription that misses nothing from then on. */
  readonly newestCursor: Promise<string>;
}

/**
 * An activity page read when a field first asks (the head only for `newestCursor`). A class with its getters
 * on the prototype: an object literal with getters gets a hidden class of its own from V8, in the old
 * generation, whose closures keep the page alive through young collections (eslint.config.mjs).
 */
class LazyActivityPage implements ActivityPage {
  constructor(
    private readonly headOnce: () => Promise<number>,
    private readonly scanOnce: () => Promise<ActivityScan>,
    private readonly cursorOf: (seq: number) => string,
    private readonly start: number,
  ) {}

  get edges() {
    return this.scanOnce().then(({ found }) => found.map((node) => ({ cursor: this.cursorOf(node.seq), node })));
  }
  get nodes() {
    return this.scanOnce().then(({ found }) => found);
  }
  get pageInfo() {
    return this.scanOnce().then(({ found, position, newest }) => ({
      hasNextPage: position < newest,
      hasPreviousPage: this.start > 0,
      startCursor: found[0] ? this.cursorOf(found[0].seq) : null,
      // Where the read stopped, also past entries the viewer does not see: the next read goes on from there.
      endCursor: this.cursorOf(position),
    }));
  }
  get newestCursor() {
    return this.headOnce().then(this.cursorOf);
  }
}

interface ActivityScan {
  found: LicenseRequestEventEntity[];
  /** Where the scan stopped. */
  position: number;
  newest: number;
}

export const DEFAULT_ACTIVITY_PAGE = DEFAULT_PAGE_SIZE;
/** Entries one read looks at, at most, before it answers what it found (a narrow filter over a long log). */
const MAX_SCANNED = 2_000;
const SCAN_BATCH = 500;

/** Whether the entry is one the filter asks for, judged on the entry alone. */
export function activityMatches(entry: LicenseRequestEventEntity, filter: ActivityFilter | null | undefined): boolean {
  if (!PUBLIC_KINDS.has(entry.kind)) return false;
  if (!filter) return true;
  if (filter.kinds?.length && !filter.kinds.includes(entry.kind as ActivityKindValue)) return false;
  if (filter.productId !== undefined && entry.productId !== filter.productId) return false;
  if (filter.requestId !== undefined && entry.requestId !== filter.requestId) return false;
  return true;
}

export class ActivityLog {
  constructor(
    readonly store: ActivityStore,
    private readonly requests: LicenseRequestQueries,
  ) {}

  /**
   * Appends the entry of a change, in the change's transaction, with its
   * webhook deliveries (an outbox: services/webhooks/outbox.ts); readers on
   * every instance hear of it once it committed.
   */
  async append(unit: UnitOfWork, facts: ActivityFacts): Promise<void> {
    const id = await this.store.append(unit.manager, facts);
    await queueWebhookDeliveries(unit, { id, organizationId: facts.organizationId, kind: facts.kind, at: facts.at });
    unit.publish(Topic.ActivityAppended, facts.organizationId, { organizationId: facts.organizationId, entryId: id });
  }

  /** Whether `viewer` may see the entry now (its request, and second opinions for those who read them). */
  async isVisible(viewer: Viewer, loaders: Loaders, entry: LicenseRequestEventEntity): Promise<boolean> {
    if (entry.organizationId !== viewer.organizationId || !PUBLIC_KINDS.has(entry.kind)) return false;
    if (entry.kind === "RECOMMENDED" && !can(viewer, "recommendations.read", { organizationId: entry.organizationId, productId: entry.productId }))
      return false;
    return (await this.requests.findVisible(viewer, loaders, entry.requestId)) !== null;
  }

  /**
   * `licenseRequestEvents`: the entries `viewer` may see after `after`,
   * oldest first, at most `first` (1..100, default 20). A read looks at no
   * more than 2,000 entries; when it stops short, `endCursor` is where it
   * stopped and `hasNextPage` is true.
   * @throws BAD_USER_INPUT for a malformed, foreign or forged cursor; CURSOR_EXPIRED past retention.
   */
  read(viewer: Viewer, loaders: Loaders, args: { filter?: ActivityFilter | null; first?: number | null; after?: string | null }): ActivityPage {
    const organizationId = viewer.organizationId;
    const size = checkPageSize(args.first, "first") ?? DEFAULT_ACTIVITY_PAGE;
    const start = args.after == null ? 0 : decodeActivityCursor(args.after, organizationId).seq;
    const cursorOf = (seq: number) => encodeActivityCursor({ organizationId, seq });
    // Read when first asked, once: a client that wants only `newestCursor` costs one read of the head, no scan.
    let head: Promise<number> | null = null;
    const headOnce = () =>
      (head ??= this.store.head(organizationId).then((newest) => {
        if (start > newest) throw badUserInput("This cursor does not name a position of your organization's activity log.", "after");
        return newest;
      }));
    let scan: Promise<ActivityScan> | null = null;
    const scanOnce = () => (scan ??= headOnce().then((newest) => this.scan(viewer, loaders, args.filter, start, args.after != null, newest, size)));
    return new LazyActivityPage(headOnce, scanOnce, cursorOf, start);
  }

  /**
   * The entries after `start` up to `newest` the viewer may see and the filter
   * asks for, at most `size`, looking at no more than MAX_SCANNED. From a
   * cursor (`fromCursor`), the entry right after it must still be kept.
   */
  private async scan(
    viewer: Viewer,
    loaders: Loaders,
    filter: ActivityFilter | null | undefined,
    start: number,
    fromCursor: boolean,
    newest: number,
    size: number,
  ): Promise<ActivityScan> {
    const found: LicenseRequestEventEntity[] = [];
    let position = start;
    let scanned = 0;
    while (found.length < size && position < newest && scanned < MAX_SCANNED) {
      const batch = await this.store.entriesAfter(viewer.organizationId, position, Math.min(SCAN_BATCH, MAX_SCANNED - scanned));
      if (!batch.length) break;
      // Entries are numbered without a gap: one missing right after the cursor was pruned.
      if (position === start && fromCursor && batch[0]?.seq !== start + 1) throw cursorExpired();
      // The batch is judged at once, so the loaders read its requests (and recipients) in one batch each, not one by one.
      const shown = await Promise.all(batch.map(async (entry) => activityMatches(entry, filter) && (await this.isVisible(viewer, loaders, entry))));
      for (const [index, entry] of batch.entries()) {
        scanned += 1;
        position = entry.seq;
        if (shown[index]) {
          found.push(entry);
          if (found.length === size) break;
        }
      }
    }
    return { found, position, newest };
  }

  /** One entry by its row ID, if the viewer may see it (`node`). */
  async find(viewer: Viewer, loaders: Loaders, id: number): Promise<LicenseRequestEventEntity | null> {
    const entry = await this.store.entryById(viewer.organizationId, id);
    return entry && (await this.isVisible(viewer, loaders, entry)) ? entry : null;
  }

  /** Deletes entries committed before `before`, in batches, until none is left; how many. */
  async prune(before: Date, batchSize = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.store.prune(before, batchSize);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
