/**
 * Reading the activity log live (api.md "Nothing missed"): one tail per
 * organization per instance follows the organization's log, and every
 * subscription of that organization on this instance reads from it at its own
 * position.
 *
 * A tail knows the number of the newest entry it has seen (`head`) and keeps
 * the latest entries in memory (`ring`). It learns of new entries from the
 * event bus (an entry appended on any instance is announced after its
 * commit) and then reads the log after `head`, one read at a time for all its
 * readers (announcements that come meanwhile make one more read, not one
 * each); and every `pollMs` while anyone listens, in case an announcement is
 * lost (Redis away). Entries are numbered
 * without a gap in commit order (services/activity/store.ts), so "every entry
 * after n" is always well defined and never changes once read.
 *
 * A reader is a position: it takes the entries after it from the ring when the
 * ring still holds them, else from the database (a replay, or a reader that
 * fell behind), and waits when it has them all. Nothing is queued per reader:
 * a slow subscriber falls behind and reads the database, it never holds memory
 * nor loses entries. A replay's first entry must be the one right after the
 * position; when it is not, the entries in between were pruned: CURSOR_EXPIRED.
 *
 * What an entry is resolved with (services/shared/live.ts: one set of loaders,
 * one "now", the shared executions) is named by an object the reader hands out
 * with each entry (`resolvedWith`), never by the entry: the ring keeps entries
 * for replays, and what was resolved for an entry must not live as long as
 * that. An entry that comes live is resolved with one object for every reader
 * that listened when it came (its delivery); the ring holds that object only
 * until each of those readers took the entry (or ended), then only the readers
 * still working on it do. Entries read from the database, and entries a
 * reader takes from the ring after its delivery was let go (a replay), are
 * resolved with one object per batch, as the replay reads them.
 */
import type { LicenseRequestEventEntity } from "../../entities";
import { ClientError, badUserInput } from "../shared/errors";
import { ActivityAppendedEvent, EventBus, EventStream, Topic } from "../shared/events";
import type { ActivityStore } from "./store";

export interface ActivityTailOptions {
  /** How often a tail with readers reads the log in case an event went missing (default 2 s). */
  pollMs?: number;
  /** Entries kept in memory per organization (default 1,024). */
  ringSize?: number;
  /** Entries read from the database at a time (default 500). */
  pageSize?: number;
}

/** The entries of one organization's log, one at a time, each with what it is resolved with (see above). */
export interface ActivityStream extends EventStream<LicenseRequestEventEntity> {
  /** What `entry`, the entry this stream yielded last, is resolved with; the entry itself for any other. */
  resolvedWith(entry: LicenseRequestEventEntity): object;
}

/** An entry as a reader takes it: with what it is resolved with. */
interface Taken {
  entry: LicenseRequestEventEntity;
  resolvedWith: object;
}

/** An entry of the ring. */
interface Slot {
  entry: LicenseRequestEventEntity;
  /** What its live delivery is resolved with; null once every reader that listened when it came took it. */
  delivery: object | null;
  /** Readers that listened when it came and have yet to take it. */
  pending: number;
}

export const cursorExpired = () =>
  new ClientError("CURSOR_EXPIRED", "This cursor is older than the activity log keeps: read the lists afresh, then go on from the newest cursor.");

/** One reader's state, as its tail sees it. */
interface Reader {
  ended: boolean;
  /** Ends the reader's wait (set while it waits). */
  stopWaiting: (() => void) | null;
  /** The newest entry it was handed (its position when it started); null until it started. */
  taken: number | null;
  /** The tail's head when it started: it is pending for every entry after it. */
  joinedAt: number;
}

class ActivityTail {
  head = 0;
  readers = 0;
  /** The latest entries, contiguous, oldest first. */
  private ring: Slot[] = [];
  /** Readers that started and have not ended: each entry that comes is pending for all of them. */
  private joined = 0;
  private waiters = new Set<() => void>();
  private fetching: Promise<void> | null = null;
  private refetch = false;
  private events: EventStream<ActivityAppendedEvent> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private isReady = false;
  /** Settles once `head` was read from the log. */
  readonly ready: Promise<void>;

  constructor(
    readonly organizationId: number,
    private readonly store: ActivityStore,
    private readonly bus: EventBus,
    private readonly options: Required<ActivityTailOptions>,
  ) {
    // Listen first, then read the head: an entry committed in between is heard, read, or both; never neither.
    let heardEarly = false;
    this.listen(() => (heardEarly = true));
    this.ready = store.head(organizationId).then((head) => {
      this.head = head;
      this.isReady = true;
      if (heardEarly) this.heard();
    });
    this.timer = setInterval(() => void this.catchUp(), options.pollMs);
    this.timer.unref();
  }

  /** Hears the bus; until the head is read, `early` notes that something was heard. */
  private listen(early: (() => void) | null = null): void {
    const events = this.bus.subscribe(Topic.ActivityAppended, this.organizationId);
    this.events = events;
    void (async () => {
      try {
        for (;;) {
          const item = await events.next();
          if (item.done) return;
          if (!this.isReady) early?.();
          else this.heard();
        }
      } catch {
        // Fell behind the bus: read the log, and listen again.
        if (this.closed) return;
        void this.catchUp();
        this.listen();
      }
    })();
  }

  /** Something was appended: read the log after `head` (reads coalesce while one is under way). */
  private heard(): void {
    if (!this.closed) void this.catchUp();
  }

  /** Takes entries read after `head`; wakes the readers only when `head` moved (a poll that found nothing wakes nobody). */
  private push(entries: LicenseRequestEventEntity[]): void {
    const before = this.head;
    for (const entry of entries) {
      if (entry.seq !== this.head + 1) {
        // Entries the ring does not follow on (the first read, or a gap closed by a read): start it afresh.
        if (entry.seq <= this.head) continue;
        this.ring = [];
      }
      this.ring.push({ entry, delivery: this.joined ? {} : null, pending: this.joined });
      this.head = entry.seq;
    }
    if (this.ring.length > this.options.ringSize) this.ring = this.ring.slice(this.ring.length - this.options.ringSize);
    if (this.head !== before) this.wake();
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiters) resolve();
  }

  /** Reads the log after `head` until it has every committed entry; one read at a time. */
  catchUp(): Promise<void> {
    if (!this.isReady) return this.ready;
    if (this.fetching) {
      this.refetch = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      try {
        do {
          this.refetch = false;
          for (;;) {
            const entries = await this.store.entriesAfter(this.organizationId, this.head, this.options.pageSize);
            if (this.closed) return;
            this.push(entries);
            if (entries.length < this.options.pageSize) break;
          }
        } while (this.refetch);
      } catch {
        // The database is away: the next event or poll tries again.
      } finally {
        this.fetching = null;
      }
    })();
    return this.fetching;
  }

  /** The reader starts at `position` (at most `head`): it is pending for every entry that comes from now on. */
  join(reader: Reader, position: number): void {
    reader.taken = position;
    reader.joinedAt = this.head;
    this.joined += 1;
  }

  /** The reader ended: nothing waits for it any more. */
  leave(reader: Reader): void {
    if (reader.taken === null) return;
    this.handed(reader, this.head);
    reader.taken = null;
    this.joined -= 1;
  }

  /**
   * The reader was handed every entry up to `seq`: the entries of the ring it
   * was pending for no longer wait for it, and a delivery no reader waits for
   * is the ring's no longer (readers working on it hold it).
   */
  private handed(reader: Reader, seq: number): void {
    if (reader.taken === null || seq <= reader.taken) return;
    const from = Math.max(reader.taken, reader.joinedAt) + 1;
    reader.taken = seq;
    const first = this.ring[0];
    if (!first) return;
    for (let index = Math.max(from - first.entry.seq, 0); index < this.ring.length; index++) {
      const slot = this.ring[index];
      if (!slot || slot.entry.seq > seq) break;
      if (--slot.pending === 0) slot.delivery = null;
    }
  }

  /**
   * The entries after `position`, oldest first, waiting until there is one;
   * [] once the reader ended (or the tail closed) while it waited.
   * @throws CURSOR_EXPIRED when the entries right after `position` were pruned.
   */
  async after(position: number, reader: Reader): Promise<Taken[]> {
    for (;;) {
      if (position < this.head) {
        const first = this.ring[0];
        if (first && first.entry.seq <= position + 1) {
          // A replay of entries whose delivery was let go resolves them together, as a page read from the database.
          let replay: object | null = null;
          const taken = this.ring.slice(position + 1 - first.entry.seq).map((slot) => ({ entry: slot.entry, resolvedWith: slot.delivery ?? (replay ??= {}) }));
          this.handed(reader, this.head);
          return taken;
        }
        const entries = await this.store.entriesAfter(this.organizationId, position, this.options.pageSize);
        if (entries.length && entries[0]?.seq !== position + 1) throw cursorExpired();
        // Entries past `head` come through the ring, once the tail read them: the reader is never ahead of it.
        const upTo = entries.findIndex((entry) => entry.seq > this.head);
        if (upTo >= 0) entries.length = upTo;
        const last = entries.at(-1);
        if (last) {
          this.handed(reader, last.seq);
          const page = {};
          return entries.map((entry) => ({ entry, resolvedWith: page }));
        }
      }
      await new Promise<void>((resolve) => {
        this.waiters.add(resolve);
        reader.stopWaiting = () => {
          this.waiters.delete(resolve);
          resolve();
        };
      });
      reader.stopWaiting = null;
      if (reader.ended || this.closed) return [];
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    void this.events?.return();
    this.wake();
  }
}

/** The live readers of every organization's log on this instance. */
export class ActivityTails {
  private readonly tails = new Map<number, ActivityTail>();
  private readonly options: Required<ActivityTailOptions>;
  private listening = 0;

  constructor(
    private readonly store: ActivityStore,
    private readonly bus: EventBus,
    options: ActivityTailOptions = {},
  ) {
    this.options = { pollMs: options.pollMs ?? 2_000, ringSize: options.ringSize ?? 1_024, pageSize: options.pageSize ?? 500 };
  }

  /** Readers whose position is set (a subscription counts once it would see the next entry committed). */
  listenerCount(): number {
    return this.listening;
  }

  /**
   * The organization's entries after `after` (a replay, then live), or from
   * now when `after` is null, one at a time, in log order. `return()` stops
   * it at once, also while it waits.
   * @throws (from `next`) BAD_USER_INPUT when `after` is past the newest entry
   *   (a forged position), CURSOR_EXPIRED when the entries after it were pruned.
   */
  open(organizationId: number, after: number | null): ActivityStream {
    let tail = this.tails.get(organizationId);
    if (!tail) {
      tail = new ActivityTail(organizationId, this.store, this.bus, this.options);
      this.tails.set(organizationId, tail);
    }
    tail.readers += 1;
    const owner = tail;
    let position: number | null = null;
    let batch: Taken[] = [];
    /** The entry yielded last, while its subscriber resolves it. */
    let current: Taken | null = null;
    const reader: Reader = { ended: false, stopWaiting: null, taken: null, joinedAt: 0 };
    let counted = false;

    const started = (async () => {
      await owner.ready;
      if (after !== null && after > owner.head) {
        // Written on another instance a moment ago? Read the log before calling it forged.
        await owner.catchUp();
        if (after > owner.head) throw badUserInput("This cursor does not name a position of your organization's activity log.", "after");
      }
      position = after ?? owner.head;
      if (!reader.ended) {
        counted = true;
        this.listening += 1;
        owner.join(reader, position);
      }
    })();
    // A refusal is answered by `next`; until then it is not an unhandled rejection.
    started.catch(() => undefined);

    const end = () => {
      if (reader.ended) return;
      reader.ended = true;
      batch = [];
      current = null;
      owner.leave(reader);
      if (counted) this.listening -= 1;
      owner.readers -= 1;
      if (owner.readers === 0 && this.tails.get(organizationId) === owner) {
        this.tails.delete(organizationId);
        owner.close();
      }
      reader.stopWaiting?.();
    };
    const done = (): IteratorResult<LicenseRequestEventEntity, undefined> => ({ value: undefined, done: true });

    const stream: ActivityStream = {
      async next() {
        // The previous entry was resolved before this call: let go of what it was resolved with.
        current = null;
        try {
          await started;
          while (!reader.ended) {
            const taken = batch.shift();
            if (taken) {
              position = taken.entry.seq;
              current = taken;
              return { value: taken.entry, done: false };
            }
            batch = await owner.after(position!, reader);
          }
          return done();
        } catch (error) {
          end();
          throw error;
        }
      },
      async return() {
        end();
        return done();
      },
      async throw(error?: unknown) {
        end();
        throw error instanceof Error ? error : new Error(String(error));
      },
      resolvedWith: (entry) => (current?.entry === entry ? current.resolvedWith : entry),
      [Symbol.asyncIterator]() {
        return stream;
      },
    };
    return stream;
  }

  /** Stops every tail (shutdown). */
  close(): void {
    for (const tail of this.tails.values()) tail.close();
    this.tails.clear();
  }
}
