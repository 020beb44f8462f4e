/**
 * Subscriptions, executed once per view (graphql-ws's `subscribe`, see
 * src/server/websocket.ts). Each subscription keeps its own source stream: the
 * root field's `subscribe` (a feature's live feed, services/shared/live.ts) decides for every
 * event and every subscriber what they may see (rights re-read, visibility
 * checked) and yields the request they may see, read through the event's
 * shared loaders. What follows is the same for every subscriber who would see
 * the same payload: executing the selection over that request and serialising
 * the result. Those subscribers share one execution and one serialisation
 * per event:
 *
 *   group = (the event's root value, the document, the operation, the variables,
 *            the subscriber's view (access/policy.ts `viewOf`), and the
 *            subscriber themself when the document asks a field for one of
 *            the view's personal rules, e.g. `viewerCanCancel` of an admin)
 *
 * The first member to reach an event executes it with its own context (its
 * viewer, the event's loaders and "now"); every member awaits that one result.
 * Results are kept per event by the event's loaders (the context's, which the
 * live stream shares among the event's subscribers and lets go once each has
 * it), never by the event or the root value alone: a source may keep those
 * for long (the activity log's ring keeps its entries for replays), and a
 * subscriber replaying an entry later resolves it afresh.
 * A result without errors is serialised once and written by the transport to
 * each member's socket as is (`deliver`); a result with errors goes back to
 * graphql-ws as any result would, so errors are presented, logged and
 * counted per subscriber as before.
 *
 * This holds because payload fields depend on the viewer only through the
 * policy (`can`), which answers alike within a view except for its personal
 * rules, and every field that consults the viewer declares the actions it
 * asks (`ViewerField`, src/resolvers/shared/viewerField.ts, which writes
 * `POLICY_ACTIONS_EXTENSION`): test/integration/viewer-fields.test.ts
 * resolves every field against a viewer that records what is read of it.
 */
import { createSourceEventStream, DocumentNode, execute, ExecutionArgs, ExecutionResult, GraphQLSchema, TypeInfo, visit, visitWithTypeInfo } from "graphql";
import type { Context } from "../../context";
import { Action, POLICY_ACTIONS_EXTENSION, viewOf } from "../../services/access/policy";

/** Writes one serialised `next` payload to the subscriber's socket. */
export type Deliver = (payload: string) => void;

interface SharedResult {
  result: ExecutionResult;
  /** The result as JSON, when it carries no errors (then it is written as is). */
  serialized: string | null;
}

export interface SharedExecutionCounters {
  /** One payload executed (for one group of one event). */
  executed(): void;
  /** One payload written to one socket without being executed or serialised again. */
  delivered(): void;
}

export class SharedExecution {
  /** Per event (its loaders, shared by its subscribers), per root value the source streams yield, the groups' results. */
  private readonly results = new WeakMap<object, WeakMap<object, Map<string, Promise<SharedResult>>>>();
  private readonly documentIds = new WeakMap<DocumentNode, number>();
  /** Per document, the policy actions its fields ask about the viewer. */
  private readonly actionsAsked = new WeakMap<DocumentNode, ReadonlySet<string>>();
  private nextDocumentId = 1;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly counters: SharedExecutionCounters,
  ) {}

  /**
   * graphql-js's `subscribe`, with the payloads shared as above. Without
   * `deliver` every result is handed back to graphql-ws (still executed once
   * per group).
   */
  async subscribe(args: ExecutionArgs, deliver?: Deliver): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const events = source[Symbol.asyncIterator]();
    /**
     * The next event's result, or null once it was delivered. A function of its
     * own, so that a frame waiting for the event after keeps nothing of this one
     * (a suspended frame keeps its locals).
     */
    const following = async (): Promise<IteratorResult<ExecutionResult, undefined> | null> => {
      const item = await events.next();
      if (item.done) return { value: undefined, done: true };
      const shared = await this.resultOf(args, item.value);
      if (deliver && shared.serialized !== null) {
        deliver(shared.serialized);
        this.counters.delivered();
        return null;
      }
      return { value: shared.result, done: false };
    };
    const next = async (): Promise<IteratorResult<ExecutionResult, undefined>> => {
      for (;;) {
        const result = await following();
        if (result) return result;
      }
    };
    const stop = async (): Promise<IteratorResult<ExecutionResult, undefined>> => {
      await events.return?.();
      return { value: undefined, done: true };
    };
    // Returnable (graphql-ws ends a completed subscription through `return`), which stops its source at once.
    const iterator: AsyncIterableIterator<ExecutionResult> = {
      next,
      return: stop,
      throw: async (error: unknown) => {
        await stop();
        throw error;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private resultOf(args: ExecutionArgs, rootValue: unknown): Promise<SharedResult> {
    const event = (args.contextValue as Context | undefined)?.loaders;
    const group = event && typeof rootValue === "object" && rootValue !== null ? this.groupOf(args) : null;
    if (!event || group === null) return this.run(args, rootValue);
    let roots = this.results.get(event);
    if (!roots) {
      roots = new WeakMap();
      this.results.set(event, roots);
    }
    let groups = roots.get(rootValue as object);
    if (!groups) {
      groups = new Map();
      roots.set(rootValue as object, groups);
    }
    let shared = groups.get(group);
    if (!shared) {
      shared = this.run(args, rootValue);
      groups.set(group, shared);
    }
    return shared;
  }

  private async run(args: ExecutionArgs, rootValue: unknown): Promise<SharedResult> {
    this.counters.executed();
    // As graphql-js maps a source event to its response: the operation executed over the event.
    const result = await execute({ ...args, rootValue });
    return { result, serialized: result.errors?.length ? null : JSON.stringify(result) };
  }

  /** The subscriber's group for this event, as of its viewer now; null when it shares with no one. */
  private groupOf(args: ExecutionArgs): string | null {
    const viewer = (args.contextValue as Context | undefined)?.viewer;
    if (!viewer) return null;
    const view = viewOf(viewer);
    const asked = this.actionsOf(args.document);
    const personal = view.personal.some((action) => asked.has(action)) ? `:${viewer.userId}` : "";
    return `${view.key}${personal}|${this.documentIdOf(args.document)}|${args.operationName ?? ""}|${JSON.stringify(args.variableValues ?? {})}`;
  }

  private documentIdOf(document: DocumentNode): number {
    let id = this.documentIds.get(document);
    if (id === undefined) {
      id = this.nextDocumentId++;
      this.documentIds.set(document, id);
    }
    return id;
  }

  private actionsOf(document: DocumentNode): ReadonlySet<string> {
    let asked = this.actionsAsked.get(document);
    if (asked) return asked;
    const found = new Set<string>();
    const typeInfo = new TypeInfo(this.schema);
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Field() {
          const actions = typeInfo.getFieldDef()?.extensions[POLICY_ACTIONS_EXTENSION];
          if (Array.isArray(actions)) for (const action of actions as Action[]) found.add(action);
        },
      }),
    );
    asked = found;
    this.actionsAsked.set(document, asked);
    return asked;
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
