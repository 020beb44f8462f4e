/**
 * What a subscription event leaves behind once it was delivered
 * (services/shared/live.ts, services/activity/tail.ts,
 * src/server/graphql/sharedExecution.ts): nothing. The loaders an event was
 * resolved with (and what was read through them, and the shared results) live
 * as long as its delivery needs them, not as long as the activity log's ring
 * keeps the entry: with 1,024 entries kept per organization, an event's
 * loaders held one promise and one closure per subscriber, and a soak's heap
 * grew by hundreds of MiB.
 *
 * Checked without a heap size: every event's loaders are watched through a
 * FinalizationRegistry as they reach a subscriber, over graphql-ws and Server-Sent Events,
 * live and from a replay; once every subscriber received every event, a
 * forced collection must clear them all. Sharing is checked alongside: every
 * subscriber of one event, whatever its transport and field, was served by the
 * same loaders.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { createClient } from "graphql-sse";
import type { Loaders } from "../../src/services/loaders";
import type { LiveFeed, SubscriberState } from "../../src/services/shared/live";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, Inbox, liveClient, LiveClient, LiveSubscription } from "../helpers/ws";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const ADMIN = "admin@contoso.example";
const EVENTS = `subscription($after: String) { licenseRequestEvents(after: $after) { cursor kind licenseRequest { id status } } }`;
const SUBMITTED = `subscription { licenseRequestSubmitted { id status requester { displayName } } }`;
type Entry = { cursor: string; kind: string; licenseRequest: { id: string; status: string } | null };

/** A graphql-sse subscription (distinct connections mode) whose data arrive in `inbox`. */
function sseSubscription(server: TestServer, token: string, query: string) {
  const client = createClient({ url: `${server.url}/graphql/stream`, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  const inbox = new Inbox<Record<string, unknown>>();
  const stop = client.subscribe<Record<string, unknown>>(
    { query },
    {
      next: (result) => inbox.push(result.errors ? { errors: result.errors } : result.data!),
      error: (error) => inbox.push({ error: String(error) }),
      complete: () => undefined,
    },
  );
  return {
    next: () => inbox.take(undefined, "an event over SSE"),
    dispose: () => {
      stop();
      client.dispose();
    },
  };
}

describe("an event's execution state after its delivery", () => {
  let server: TestServer;
  const clients: LiveClient[] = [];
  const sse: { dispose(): void }[] = [];
  /** Every event's loaders, once each, as they reached a subscriber (a registry keeps nothing alive, unlike a WeakRef read in the same job). */
  const seen = new WeakSet<Loaders>();
  let watched = 0;
  let collected = 0;
  const registry = new FinalizationRegistry<null>(() => (collected += 1));
  /** How many payloads reached a subscriber (any transport, any field). */
  let payloads = 0;

  beforeAll(async () => {
    server = await startTestServer({ env: { WS_MAX_CONNECTIONS_PER_USER: "100", WS_MAX_SUBSCRIPTIONS_PER_USER: "100", MAX_SUBSCRIPTION_COST: "20000" } });
    // Watch the loaders each payload was resolved with: the subscriber's state holds them while its payload is executed.
    const live = server.service.services.live;
    const stream = live.stream.bind(live);
    live.stream = <E extends object, Args, P>(feed: LiveFeed<E, Args, Loaders, P>, state: SubscriberState<Loaders>, args: Args) => {
      const source = stream(feed, state, args);
      const watching: AsyncIterableIterator<P> = {
        next: async () => {
          const item = await source.next();
          if (!item.done) {
            payloads += 1;
            const loaders = state.loaders!;
            if (!seen.has(loaders)) {
              seen.add(loaders);
              watched += 1;
              registry.register(loaders, null);
            }
          }
          return item;
        },
        return: () => source.return!(),
        [Symbol.asyncIterator]: () => watching,
      };
      return watching;
    };
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    for (const s of sse.splice(0)) s.dispose();
    await server?.stop();
  });

  const listening = () => server.service.services.tails.listenerCount();
  const ws = (token: string, query: string, variables?: Record<string, unknown>): LiveSubscription => {
    const client = liveClient(server.wsUrl, token);
    clients.push(client);
    return client.subscribe(query, variables);
  };
  const submit = async () => {
    const res = await server.gql(
      "adele@contoso.example",
      `mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) { licenseRequest { id } userErrors { code } } }`,
      { input: { productId: server.ids.product("VISIO_PLAN2"), additionalUserIds: [] } },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.submitLicenseRequest.userErrors).toEqual([]);
    return res.body.data!.submitLicenseRequest.licenseRequest.id as string;
  };
  const cancel = async (id: string) => {
    const res = await server.gql("adele@contoso.example", `mutation($id: ID!) { cancelLicenseRequest(input: { requestId: $id }) { userErrors { code } } }`, {
      id,
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.cancelLicenseRequest.userErrors).toEqual([]);
  };
  /** Forces collections until every watched set of loaders is gone (bounded); how many are still held. */
  const stillHeld = async () => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      gc();
      // The registry's callbacks run as tasks of their own after a collection.
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (collected === watched || Date.now() > deadline) return watched - collected;
    }
  };

  it("lets every event's loaders go once each subscriber, over graphql-ws and SSE, live and replaying, received it", async () => {
    const token = await server.ids.token(ADMIN);
    const wsFeeds = Array.from({ length: 3 }, () => ws(token, EVENTS));
    const wsSubmitted = Array.from({ length: 2 }, () => ws(token, SUBMITTED));
    const sseFeeds = Array.from({ length: 2 }, () => sseSubscription(server, token, EVENTS));
    sse.push(...sseFeeds);
    await eventually(() => listening() === 7, undefined, "the subscriptions to listen");

    // Three requests sent and cancelled: six entries, three of them new requests.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await submit());
      await cancel(ids[i]);
    }
    const count = 2 * ids.length;

    const entries: Entry[][] = [];
    for (const feed of wsFeeds) {
      const got: Entry[] = [];
      for (let i = 0; i < count; i++) got.push((await feed.nextData<{ licenseRequestEvents: Entry }>()).licenseRequestEvents);
      entries.push(got);
    }
    for (const feed of sseFeeds) {
      const got: Entry[] = [];
      for (let i = 0; i < count; i++) got.push(((await feed.next()) as { licenseRequestEvents: Entry }).licenseRequestEvents);
      entries.push(got);
    }
    for (const feed of wsSubmitted) {
      for (const id of ids) expect((await feed.nextData<{ licenseRequestSubmitted: { id: string } }>()).licenseRequestSubmitted.id).toBe(id);
    }
    // Every subscriber got the same entries, the new requests, in order.
    for (const got of entries) expect(got).toEqual(entries[0]);
    expect(entries[0].map((e) => [e.kind, e.licenseRequest?.id])).toEqual(
      ids.flatMap((id) => [
        ["SUBMITTED", id],
        ["CANCELLED", id],
      ]),
    );
    // One set of loaders per event, shared by its subscribers over both transports and both fields.
    expect(payloads).toBe(5 * count + 2 * ids.length);
    expect(watched).toBe(count);

    // A subscriber resuming from the first entry: the rest comes from the ring, the entries that came live, each
    // resolved afresh as a replay from the log is (the request as it is now: cancelled), not with what was read live.
    const resumed = ws(token, EVENTS, { after: entries[0][0].cursor });
    const replayed: Entry[] = [];
    for (let i = 1; i < count; i++) replayed.push((await resumed.nextData<{ licenseRequestEvents: Entry }>()).licenseRequestEvents);
    const now = (entry: Entry) => ({ ...entry, licenseRequest: entry.licenseRequest && { ...entry.licenseRequest, status: "CANCELLED" } });
    expect(replayed).toEqual(entries[0].slice(1).map(now));

    // The ring still keeps every entry; no event's loaders may outlive its delivery.
    expect(await stillHeld()).toBe(0);

    // And the subscriptions go on: a later event reaches every one of them once.
    const later = await submit();
    await cancel(later);
    const kindAndId = (entry: Entry) => [entry.kind, entry.licenseRequest?.id];
    for (const feed of [...wsFeeds, resumed]) {
      for (const kind of ["SUBMITTED", "CANCELLED"])
        expect(kindAndId((await feed.nextData<{ licenseRequestEvents: Entry }>()).licenseRequestEvents)).toEqual([kind, later]);
    }
    for (const feed of sseFeeds) {
      for (const kind of ["SUBMITTED", "CANCELLED"])
        expect(kindAndId(((await feed.next()) as { licenseRequestEvents: Entry }).licenseRequestEvents)).toEqual([kind, later]);
    }
    for (const feed of wsSubmitted) expect((await feed.nextData<{ licenseRequestSubmitted: { id: string } }>()).licenseRequestSubmitted.id).toBe(later);
    expect(await stillHeld()).toBe(0);
    for (const feed of [...wsFeeds, ...wsSubmitted, resumed]) expect(feed.inbox.pending()).toEqual([]);
  });
});
