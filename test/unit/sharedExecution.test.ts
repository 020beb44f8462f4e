/**
 * Shared execution of subscription payloads (src/server/graphql/sharedExecution.ts)
 * over a source that keeps its events, as the activity log's ring does: the
 * subscribers of one event share one execution, and what was executed for an
 * event lives as long as the event's loaders (its delivery), never as long as
 * the root value. Retention is checked without a heap size: results are
 * watched through a FinalizationRegistry and collections are forced.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { ExecutionResult, GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, parse } from "graphql";
import type { Context } from "../../src/context";
import { SharedExecution } from "../../src/server/graphql/sharedExecution";
import type { Viewer } from "../../src/services/shared/viewer";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

interface Tick {
  n: number;
}
/** One subscriber's view of the source: its context, and the events that reached it and it has yet to take. */
interface Member {
  context: Pick<Context, "viewer" | "loaders">;
  queue: { root: Tick; loaders: object }[];
  wake: (() => void) | null;
}

/**
 * A source that keeps every root value it ever published (a ring that never
 * forgets), and hands each event's subscribers one loaders object per event,
 * as services/shared/live.ts does (the loaders are the subscriber's context's
 * while the payload is executed).
 */
class KeepingSource {
  readonly kept: Tick[] = [];
  readonly members = new Set<Member>();

  publish(root: Tick, loaders: object = {}): void {
    this.kept.push(root);
    for (const member of this.members) {
      member.queue.push({ root, loaders });
      member.wake?.();
    }
  }

  subscribe(member: Member): AsyncIterableIterator<Tick> {
    this.members.add(member);
    const iterator: AsyncIterableIterator<Tick> = {
      next: async () => {
        member.context.loaders = null;
        while (!member.queue.length) await new Promise<void>((resolve) => (member.wake = resolve));
        const { root, loaders } = member.queue.shift()!;
        member.context.loaders = loaders as Context["loaders"];
        return { value: root, done: false };
      },
      return: async () => {
        this.members.delete(member);
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

const admin = { userId: 1, organizationId: 1, role: "GLOBAL_ADMIN", isGlobalAdmin: true, tokenExpiresAt: null } as unknown as Viewer;

describe("shared execution over a source that keeps its events", () => {
  let source: KeepingSource;
  let schema: GraphQLSchema;
  let executed: number;
  let delivered: number;

  beforeEach(() => {
    source = new KeepingSource();
    executed = 0;
    delivered = 0;
    const TickType = new GraphQLObjectType<Tick>({ name: "Tick", fields: { n: { type: new GraphQLNonNull(GraphQLInt) } } });
    schema = new GraphQLSchema({
      query: new GraphQLObjectType({ name: "Query", fields: { n: { type: GraphQLInt } } }),
      subscription: new GraphQLObjectType({
        name: "Subscription",
        fields: {
          tick: {
            type: new GraphQLNonNull(TickType),
            subscribe: (_root, _args, context: Member["context"]) => source.subscribe([...members].find((m) => m.context === context)!),
            resolve: (root: Tick) => root,
          },
        },
      }),
    });
  });
  const members = new Set<Member>();
  afterEach(() => members.clear());

  // One document for every subscriber, as the pipeline's cache of parsed operations hands it out.
  const document = parse("subscription { tick { n } }");
  const shared = () => new SharedExecution(schema, { executed: () => executed++, delivered: () => delivered++ });
  const subscriber = async (execution: SharedExecution, deliver?: (payload: string) => void) => {
    const member: Member = { context: { viewer: admin, loaders: null }, queue: [], wake: null };
    members.add(member);
    const result = await execution.subscribe({ schema, document, contextValue: member.context }, deliver);
    if (!(Symbol.asyncIterator in result)) throw new Error(`no stream: ${JSON.stringify(result)}`);
    return result;
  };

  it("executes each event once for its subscribers, and keeps no result once they all had it", async () => {
    const execution = shared();
    const received: string[] = [];
    const returned = [await subscriber(execution), await subscriber(execution)];
    const delivering = await subscriber(execution, (payload) => received.push(payload));
    void delivering.next();

    let watched = 0;
    let collected = 0;
    const registry = new FinalizationRegistry<null>(() => (collected += 1));
    /** One event; its result (one for both subscribers it is handed to) watched. A function of its own: a suspended frame keeps its locals. */
    const round = async (n: number) => {
      source.publish({ n });
      const [a, b] = await Promise.all(returned.map((stream) => stream.next()));
      // One result for both: the same object, executed once.
      expect(a.value).toBe(b.value);
      expect((a.value as ExecutionResult).data).toEqual({ tick: { n } });
      registry.register(a.value as object, null);
      watched += 1;
    };
    const count = 20;
    for (let n = 1; n <= count; n++) await round(n);
    // Every subscriber goes on to wait for the next event (graphql-ws and graphql-sse ask for it once they wrote a result).
    for (const stream of returned) void stream.next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual(Array.from({ length: count }, (_, i) => JSON.stringify({ data: { tick: { n: i + 1 } } })));
    expect({ executed, delivered }).toEqual({ executed: count, delivered: count });

    // The source still keeps every root value; no result may outlive its event's delivery.
    expect(source.kept).toHaveLength(count);
    const deadline = Date.now() + 5_000;
    while (collected < watched && Date.now() < deadline) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(watched - collected).toBe(0);
  });

  it("executes a root value again when it is resolved afresh (a replay after its delivery was let go)", async () => {
    const execution = shared();
    const live = await subscriber(execution);
    const root = { n: 7 };
    source.publish(root);
    const first = await live.next();
    // The same root value with other loaders: another resolution, another execution.
    source.publish(root, {});
    const again = await live.next();
    expect(again.value).not.toBe(first.value);
    expect((again.value as ExecutionResult).data).toEqual({ tick: { n: 7 } });
    expect(executed).toBe(2);
  });
});
