/**
 * Shared execution of subscription payloads (src/server/graphql/sharedExecution.ts):
 * subscribers who would see the same payload of an event share one execution
 * and one serialisation, counted by the server's own metrics; visibility is
 * still decided per subscriber, and what differs per viewer stays per viewer.
 *
 * "Nothing arrives" is checked in order, never by waiting: a later event that
 * must reach the subscriber has to be the first thing it receives.
 */
import { UserEntity } from "../../src/entities";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, liveClient, LiveClient, LiveSubscription } from "../helpers/ws";

const ADMIN = "admin@contoso.example";

describe("one execution per event for the subscribers who see the same payload", () => {
  let server: TestServer;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      // Every recipient's licenses are priced 10,100 (as in subscriptions.test.ts); the bound itself is tested in edges.test.ts.
      env: { WS_MAX_CONNECTIONS_PER_USER: "100", WS_MAX_SUBSCRIPTIONS_PER_USER: "100", MAX_SUBSCRIPTION_COST: "20000" },
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await eventually(() => listening() === 0, undefined, "every subscription to stop listening");
  });
  afterAll(async () => {
    await server.stop();
  });

  const listening = () => server.service.services.tails.listenerCount();
  const counted = async () => {
    const { metrics } = server.service;
    const [executions, shared] = await Promise.all([metrics.subscriptionExecutions.get(), metrics.subscriptionSharedDeliveries.get()]);
    return { executions: executions.values[0]?.value ?? 0, shared: shared.values[0]?.value ?? 0 };
  };
  /** `count` subscriptions of `email`, one client each, listening once this resolves. */
  async function subscribers(email: string, count: number, query: string): Promise<LiveSubscription[]> {
    const before = listening();
    const token = await server.ids.token(email);
    const subscriptions = Array.from({ length: count }, () => {
      const client = liveClient(server.wsUrl, token);
      clients.push(client);
      return client.subscribe(query);
    });
    await eventually(() => listening() === before + count, undefined, "the subscriptions to listen");
    return subscriptions;
  }
  async function mutate(as: string, query: string, variables: Record<string, unknown>) {
    const res = await server.gql(as, query, variables);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  }
  const submit = async (as: string, sku: string, others: string[] = [], organization?: "Contoso" | "Fabrikam") => {
    const data = await mutate(
      as,
      `mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) { licenseRequest { id } userErrors { code } } }`,
      { input: { productId: server.ids.product(sku, organization), additionalUserIds: others.map((e) => server.ids.user(e)) } },
    );
    expect(data.submitLicenseRequest.userErrors).toEqual([]);
    return data.submitLicenseRequest.licenseRequest.id as string;
  };
  const cancel = async (as: string, requestId: string) => {
    const data = await mutate(as, `mutation($id: ID!) { cancelLicenseRequest(input: { requestId: $id }) { userErrors { code } } }`, { id: requestId });
    expect(data.cancelLicenseRequest.userErrors).toEqual([]);
  };

  it("executes and serialises a new request once for twelve admin dashboards, and each receives it", async () => {
    const dashboards = await subscribers(ADMIN, 12, `subscription { licenseRequestSubmitted { id status product { name } requester { displayName } } }`);
    const before = await counted();
    const id = await submit("adele@contoso.example", "VISIO_PLAN2");
    const received = await Promise.all(
      dashboards.map((d) =>
        d.nextData<{ licenseRequestSubmitted: { id: string; status: string; product: { name: string }; requester: { displayName: string } } }>(),
      ),
    );
    for (const data of received) {
      expect(data.licenseRequestSubmitted).toEqual({ id, status: "PENDING", product: { name: "Visio Plan 2" }, requester: { displayName: "Adele Vance" } });
    }
    expect(await counted()).toEqual({ executions: before.executions + 1, shared: before.shared + 12 });
    await cancel("adele@contoso.example", id);
  });

  it("still decides per subscriber who sees an event and what of it: admins share one payload, a recipient gets their own", async () => {
    // Admins see every user's licenses; a plain user only their own (null for anyone else's).
    const query = `subscription { licenseRequestUpdated { id status recipients { user { email licenses { product { skuPartNumber } } } } } }`;
    type Payload = { licenseRequestUpdated: { id: string; status: string; recipients: { user: { email: string; licenses: unknown[] | null } }[] } };
    const admins = await subscribers(ADMIN, 5, query);
    const lee = await subscribers("lee@contoso.example", 2, query);
    const [megan] = await subscribers("megan@contoso.example", 1, query);
    const [fabrikam] = await subscribers("admin@fabrikam.example", 1, query);

    const id = await submit("lee@contoso.example", "VISIO_PLAN2", ["alex@contoso.example"]);
    const before = await counted();
    await cancel("lee@contoso.example", id);
    const licensesOf = (payload: Payload, email: string) => payload.licenseRequestUpdated.recipients.find((r) => r.user.email === email)?.user.licenses;
    for (const admin of admins) {
      const data = await admin.nextData<Payload>();
      expect(data.licenseRequestUpdated).toMatchObject({ id, status: "CANCELLED" });
      expect(licensesOf(data, "alex@contoso.example")).toEqual([]);
    }
    for (const own of lee) {
      const data = await own.nextData<Payload>();
      expect(data.licenseRequestUpdated).toMatchObject({ id, status: "CANCELLED" });
      expect(licensesOf(data, "lee@contoso.example")).toEqual([]);
      expect(licensesOf(data, "alex@contoso.example")).toBeNull();
    }
    // One execution for the admins' view, one for lee's two sockets; megan and Fabrikam none.
    expect(await counted()).toEqual({ executions: before.executions + 2, shared: before.shared + 7 });

    // Neither megan nor Fabrikam's admin got lee's request: the first thing each receives is a later one of their own.
    const megans = await submit("megan@contoso.example", "VISIO_PLAN2");
    await cancel("megan@contoso.example", megans);
    expect((await megan.nextData<Payload>()).licenseRequestUpdated.id).toBe(megans);
    const diegos = await submit("diego@fabrikam.example", "VISIO_PLAN2", [], "Fabrikam");
    await cancel("diego@fabrikam.example", diegos);
    expect((await fabrikam.nextData<Payload>()).licenseRequestUpdated.id).toBe(diegos);
  });

  it("shares no payload between admins when it asks what only one of them may do (viewerCanCancel, viewerCanDecide)", async () => {
    const users = server.service.dataSource.getRepository(UserEntity);
    const lee = server.ids.userRow("lee@contoso.example");
    await users.update({ id: lee.id }, { role: "GLOBAL_ADMIN" });
    try {
      const query = `subscription { licenseRequestSubmitted { id viewerCanCancel viewerCanDecide } }`;
      const admins = await subscribers(ADMIN, 2, query);
      const asLee = await subscribers("lee@contoso.example", 2, query);
      const before = await counted();
      // An admin may send a request too: lee may cancel it, the other admin may not; the other admin decides it, lee (a recipient) may not.
      const id = await submit("lee@contoso.example", "VISIO_PLAN2");
      for (const admin of admins) expect(await admin.nextData()).toEqual({ licenseRequestSubmitted: { id, viewerCanCancel: false, viewerCanDecide: true } });
      for (const own of asLee) expect(await own.nextData()).toEqual({ licenseRequestSubmitted: { id, viewerCanCancel: true, viewerCanDecide: false } });
      expect(await counted()).toEqual({ executions: before.executions + 2, shared: before.shared + 4 });
      await cancel("lee@contoso.example", id);
    } finally {
      await users.update({ id: lee.id }, { role: "USER" });
    }
  });
});
