/**
 * Fan-out cost (issue 4, point 4): every subscriber resolves an event under its
 * own visibility, but the subscribers of one event share that event's loaders,
 * so the SQL one event costs does not grow with the number of dashboards.
 *
 * Only the submission and the fan-out may run SQL while it is counted: the
 * outbox dispatcher is stopped (a round nudged by the submission's notice
 * email would otherwise fall in the window or not), and test servers do not
 * sweep.
 */
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, liveClient, LiveClient } from "../helpers/ws";

const SUBMITTED = `subscription { licenseRequestSubmitted { id status product { name } requester { displayName } recipients { user { displayName } } } }`;

describe("one event to many dashboards", () => {
  let server: TestServer;
  let counting = false;
  let statements = 0;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      // 25 dashboards of one admin, from one address.
      env: { WS_MAX_CONNECTIONS_PER_USER: "100", WS_MAX_SUBSCRIPTIONS_PER_USER: "100" },
      start: {
        onQuery: () => {
          if (counting) statements += 1;
        },
      },
    });
    await server.service.dispatcher.stop();
    await server.service.webhooks.stop();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server.stop();
  });

  const listening = () => server.service.services.tails.listenerCount();

  /** SQL statements from submitting a request until each of `dashboards` admins received it. */
  async function statementsToReach(dashboards: number, submitter: string): Promise<number> {
    const admins = await Promise.all(Array.from({ length: dashboards }, async () => liveClient(server.wsUrl, await server.ids.token("admin@contoso.example"))));
    clients.push(...admins);
    const subscriptions = admins.map((client) => client.subscribe(SUBMITTED));
    await eventually(() => listening() === dashboards, undefined, "every dashboard to listen");

    statements = 0;
    counting = true;
    const submitted = await server.gql(
      submitter,
      `mutation($p: ID!) { submitLicenseRequest(input: { productId: $p }) { licenseRequest { id } userErrors { code } } }`,
      {
        p: server.ids.product("VISIO_PLAN2"),
      },
    );
    expect(submitted.body.data?.submitLicenseRequest.userErrors).toEqual([]);
    const id = submitted.body.data?.submitLicenseRequest.licenseRequest.id;
    for (const subscription of subscriptions) {
      const data = await subscription.nextData<{ licenseRequestSubmitted: { id: string; requester: { displayName: string } } }>();
      expect(data.licenseRequestSubmitted.id).toBe(id);
    }
    counting = false;
    await Promise.all(admins.map((client) => client.dispose()));
    await eventually(() => listening() === 0, undefined, "the dashboards to stop listening");
    return statements;
  }

  it("costs no more SQL for 25 dashboards than for 1, each receiving the request", async () => {
    const forOne = await statementsToReach(1, "adele@contoso.example");
    const forMany = await statementsToReach(25, "alex@contoso.example");
    expect(forOne).toBeGreaterThan(0);
    expect(forMany).toBeLessThanOrEqual(forOne);
  });
});
