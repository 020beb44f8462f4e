/**
 * What an activity-log reader hands out with each entry (src/services/activity/tail.ts
 * `resolvedWith`): one object per live entry for every reader that listened
 * when it came, which the ring lets go once each of them took the entry (or
 * ended); one object per batch for a replay. Every reader still gets every
 * entry once, in order, from the ring or from the log. Retention is checked
 * without a heap size: the objects are watched through a FinalizationRegistry
 * and collections are forced.
 */
import v8 from "node:v8";
import vm from "node:vm";
import type { LicenseRequestEventEntity } from "../../src/entities";
import { ActivityStream, ActivityTails } from "../../src/services/activity/tail";
import type { ActivityStore } from "../../src/services/activity/store";
import { createEventBus, EventBus, Topic } from "../../src/services/shared/events";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const ORG = 1;

/** The log in memory: each read returns new objects, as the database does. */
class MemoryLog {
  readonly rows: { seq: number }[] = [];
  readonly store = {
    head: async () => this.rows.length,
    entriesAfter: async (_organizationId: number, seq: number, limit: number) =>
      this.rows.slice(seq, seq + limit).map((row) => ({ ...row, organizationId: ORG }) as LicenseRequestEventEntity),
  } as unknown as ActivityStore;

  constructor(private readonly bus: EventBus) {}

  append(count = 1): void {
    for (let i = 0; i < count; i++) this.rows.push({ seq: this.rows.length + 1 });
    this.bus.publish(Topic.ActivityAppended, ORG, { organizationId: ORG, entryId: this.rows.length });
  }
}

describe("what an activity-log reader hands out with each entry", () => {
  let bus: EventBus;
  let log: MemoryLog;
  let tails: ActivityTails | undefined;
  /** Every object an entry was resolved with, numbered as first seen (nothing here holds them). */
  let ids: WeakMap<object, number>;
  let named: number;
  let collected: Set<number>;
  let registry: FinalizationRegistry<number>;

  beforeEach(() => {
    bus = createEventBus();
    log = new MemoryLog(bus);
    ids = new WeakMap();
    named = 0;
    collected = new Set();
    registry = new FinalizationRegistry((id) => collected.add(id));
  });
  afterEach(() => {
    tails?.close();
    tails = undefined;
  });

  const open = (after: number | null = null, options = {}) => {
    tails ??= new ActivityTails(log.store, bus, { pollMs: 60_000, ...options });
    return tails.open(ORG, after);
  };
  const listening = async (count: number) => {
    while (tails!.listenerCount() < count) await new Promise((resolve) => setImmediate(resolve));
  };
  /** The reader's next entry: its number, and which object it is resolved with. A function of its own: a suspended frame keeps its locals. */
  const take = async (stream: ActivityStream): Promise<{ seq: number; with: number }> => {
    const item = await stream.next();
    if (item.done) throw new Error("the stream ended");
    const key = stream.resolvedWith(item.value);
    expect(key).not.toBe(item.value);
    let id = ids.get(key);
    if (id === undefined) {
      id = ++named;
      ids.set(key, id);
      registry.register(key, id);
    }
    return { seq: item.value.seq, with: id };
  };
  /** The reader moves on and waits for its next entry (one `next` at a time, as a transport asks). */
  const moveOn = (stream: ActivityStream) => void stream.next().catch(() => undefined);
  const takeAll = async (stream: ActivityStream, count: number) => {
    const taken: { seq: number; with: number }[] = [];
    for (let i = 0; i < count; i++) taken.push(await take(stream));
    return taken;
  };
  /** Collects until every id in `ids` is gone, or a while has passed; the ids still alive. */
  const alive = async (wanted: number[], ms = 2_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
      const left = wanted.filter((id) => !collected.has(id));
      if (!left.length || Date.now() > deadline) return left;
    }
  };

  it("shares a live entry's object among its readers, and the ring holds it until the slowest took it", async () => {
    const [a, b, slow] = [open(), open(), open()];
    // Each reader's first `next` waits for an entry.
    const pending = [a, b, slow].map((stream) => take(stream));
    await listening(3);
    log.append();
    const [first, second, third] = await Promise.all(pending);
    expect(first).toEqual({ seq: 1, with: 1 });
    expect(second).toEqual(first);
    expect(third).toEqual(first);

    // Two more entries while the slow reader is still busy with entry 1: a and b take them and wait for more.
    const taking = [takeAll(a, 2), takeAll(b, 2)];
    log.append(2);
    const fast = await Promise.all(taking);
    expect(fast[0]).toEqual([
      { seq: 2, with: 2 },
      { seq: 3, with: 3 },
    ]);
    expect(fast[1]).toEqual(fast[0]);
    moveOn(a);
    moveOn(b);
    // Entry 1 is the slow reader's; entries 2 and 3 wait for it in the ring.
    expect(await alive([1, 2, 3], 200)).toEqual([1, 2, 3]);
    expect(await takeAll(slow, 2)).toEqual(fast[0]);
    moveOn(slow);
    expect(await alive([1, 2, 3])).toEqual([]);
  });

  it("lets go of what a reader that ended never took", async () => {
    // `idle` listens from when it is opened, and never asks for an entry.
    const [reader, idle] = [open(), open()];
    const pending = take(reader);
    await listening(2);
    log.append(3);
    expect(await pending).toEqual({ seq: 1, with: 1 });
    expect(await takeAll(reader, 2)).toEqual([
      { seq: 2, with: 2 },
      { seq: 3, with: 3 },
    ]);
    moveOn(reader);
    expect(await alive([1, 2, 3], 200)).toEqual([1, 2, 3]);
    await idle.return();
    expect(await alive([1, 2, 3])).toEqual([]);
  });

  it("replays from the ring the entries it keeps, shared while their delivery lasts, resolved together after it", async () => {
    const live = open();
    const first = take(live);
    await listening(1);
    log.append(3);
    expect([await first, ...(await takeAll(live, 2))]).toEqual([
      { seq: 1, with: 1 },
      { seq: 2, with: 2 },
      { seq: 3, with: 3 },
    ]);
    // The live reader waits for entry 4 (which it will then be busy with).
    moveOn(live);
    expect(await alive([1, 2, 3])).toEqual([]);

    // A subscriber resuming after entry 1: entries 2 and 3, the ring's own, as one batch.
    const resumed = open(1);
    expect(await takeAll(resumed, 2)).toEqual([
      { seq: 2, with: 4 },
      { seq: 3, with: 4 },
    ]);
    // Entry 4 comes live; a reader that has not taken it yet keeps its delivery in the ring, and a replay of it shares it.
    const idle = open();
    await listening(3);
    const next = take(resumed);
    log.append();
    expect(await next).toEqual({ seq: 4, with: 5 });
    const late = open(3);
    expect(await take(late)).toEqual({ seq: 4, with: 5 });
    expect(await alive([4, 5], 200)).toEqual([5]);
    for (const stream of [live, resumed, late]) moveOn(stream);
    await idle.return();
    expect(await alive([5])).toEqual([]);
  });

  it("hands a reader that fell behind the ring every entry once, in order, from the log, and keeps nothing for it", async () => {
    const [fast, behind] = [open(null, { ringSize: 4, pageSize: 3 }), open()];
    const pending = [take(fast), take(behind)];
    await listening(2);
    log.append(20);
    const [fastFirst, behindFirst] = await Promise.all(pending);
    expect([fastFirst.seq, behindFirst.seq]).toEqual([1, 1]);
    const fastRest = await takeAll(fast, 19);
    expect(fastRest.map((t) => t.seq)).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
    // The ring keeps entries 17 to 20; the reader behind has taken entry 1 only.
    const behindRest = await takeAll(behind, 19);
    expect(behindRest.map((t) => t.seq)).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
    // It read the entries the ring no longer kept from the log, a page at a time (the fast reader may have too: the tail reads pages faster).
    const fromLog = behindRest.slice(3, 15);
    expect(fromLog.some((t, i) => t.with === fastRest[3 + i].with)).toBe(false);
    for (const page of new Set(fromLog.map((t) => t.with))) expect(fromLog.filter((t) => t.with === page).length).toBeLessThanOrEqual(3);
    // Both wait for what comes next: nothing of entries 1 to 20 is kept for them.
    const next = [take(fast), take(behind)];
    expect(await alive(Array.from({ length: named }, (_, i) => i + 1))).toEqual([]);
    // And both go on live, sharing again.
    log.append();
    const [a, b] = await Promise.all(next);
    expect(a).toEqual(b);
    expect(a.seq).toBe(21);
  });
});
