/**
 * Webhooks over real HTTP (api.md "Nothing missed"): endpoints made, read,
 * changed and deleted through GraphQL by global admins only; the secret shown
 * once (a replay answers null); at most 10 per organization; another
 * organization's IDs name nothing; URLs refused naming why, with
 * WEBHOOK_ALLOW_PRIVATE and without it (a production server); and an entry
 * appended as the activity log appends it reaching a real receiver, woken by
 * the commit, verified with `standardwebhooks`, then readable as a delivery,
 * redelivered with the same id, signed with a rotated secret.
 */
import type { UserEntity } from "../../src/entities";
import { toGlobalId } from "../../src/services/shared/ids";
import { Webhook } from "standardwebhooks";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";
import { startTestServer, TestServer } from "../helpers/server";
import { appendEntry, Receiver, startReceiver } from "../helpers/webhooks";
import { eventually } from "../helpers/ws";

jest.setTimeout(60_000);

const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
  endpoint { id url description kinds enabled createdAt } secret userErrors { code message field } clientMutationId } }`;
const UPDATE = `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) {
  endpoint { id url description kinds enabled } secret userErrors { code message field } } }`;
const DELETE = `mutation($input: DeleteWebhookEndpointInput!) { deleteWebhookEndpoint(input: $input) { deletedEndpointId userErrors { code field } } }`;
const REDELIVER = `mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) { delivery { id status } userErrors { code field } } }`;
const DELIVERIES = `query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on WebhookEndpoint { id deliveries(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id status attempts lastAttemptAt lastResponseStatus nextAttemptAt endpoint { id } event { kind status at } } } } } }`;

describe("webhooks over HTTP", () => {
  let server: TestServer;
  let receiver: Receiver;
  let woodgrove: OrganizationSeed;
  let fabrikam: OrganizationSeed;
  let adminToken: string;
  let userToken: string;
  let otherAdminToken: string;
  let requester: UserEntity;
  let request: { id: number; productId: number };

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({ env: { SEED_DEMO_DATA: "false", WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_POLL_INTERVAL_MS: "100" } });
    const ds = server.service.dataSource;
    woodgrove = await seedOrganization(ds, "Woodgrove");
    fabrikam = await seedOrganization(ds, "Fabrikam");
    adminToken = await woodgrove.token(await woodgrove.user({ role: "GLOBAL_ADMIN" }));
    requester = await woodgrove.user({ displayName: "Rita" });
    userToken = await woodgrove.token(requester);
    otherAdminToken = await fabrikam.token(await fabrikam.user({ role: "GLOBAL_ADMIN" }));
    request = await woodgrove.request({ requester, product: await woodgrove.product({ name: "Visio" }), requestedAt: server.clock.now() });
  });

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  const gql = async (token: string, query: string, variables?: Record<string, unknown>) => {
    const res = await server.gql(token, query, variables);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };
  const create = async (token: string, input: Record<string, unknown>) => (await gql(token, CREATE, { input })).createWebhookEndpoint;
  const entry = (kind: "SUBMITTED" | "APPROVED" | "DENIED" = "SUBMITTED") =>
    appendEntry(server.service.services.db, server.service.dataSource, {
      organizationId: woodgrove.organization.id,
      requestId: request.id,
      productId: request.productId,
      kind,
      status: kind === "SUBMITTED" ? "PENDING" : kind,
      actorId: requester.id,
      at: server.clock.now(),
    });
  const receivedAt = (path: string) => receiver.received.filter((r) => r.path === path);

  it("shows the secret once: the endpoint as made, a replay with the same key answers it with secret null, and no read gives the secret", async () => {
    const input = {
      url: receiver.url("/once"),
      description: " Audit trail ",
      kinds: ["APPROVED", "DENIED", "APPROVED"],
      idempotencyKey: "create-once",
      clientMutationId: "c1",
    };
    const first = await create(adminToken, input);
    expect(first).toMatchObject({
      endpoint: {
        url: receiver.url("/once"),
        description: "Audit trail",
        kinds: ["APPROVED", "DENIED"],
        enabled: true,
        createdAt: server.clock.now().toISOString(),
      },
      userErrors: [],
      clientMutationId: "c1",
    });
    expect(first.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const replay = await create(adminToken, input);
    expect(replay).toEqual({ ...first, secret: null });

    const read = await server.gql(
      adminToken,
      `{ webhookEndpoints { id url kinds enabled } node(id: "${first.endpoint.id}") { id ... on WebhookEndpoint { url } } }`,
    );
    expect(read.body.data!.webhookEndpoints).toEqual([{ id: first.endpoint.id, url: receiver.url("/once"), kinds: ["APPROVED", "DENIED"], enabled: true }]);
    expect(read.body.data!.node).toEqual({ id: first.endpoint.id, url: receiver.url("/once") });
    expect(JSON.stringify(read.body)).not.toContain(first.secret.slice("whsec_".length, 20));
    expect(JSON.stringify(await server.service.dataSource.query("SELECT * FROM webhook_endpoint"))).not.toContain(first.secret.slice("whsec_".length));

    expect((await gql(adminToken, DELETE, { input: { endpointId: first.endpoint.id } })).deleteWebhookEndpoint).toEqual({
      deletedEndpointId: first.endpoint.id,
      userErrors: [],
    });
    expect((await gql(adminToken, `{ webhookEndpoints { id } }`)).webhookEndpoints).toEqual([]);
  });

  it("refuses anyone but a global admin (FORBIDDEN), and answers another organization's IDs as names of nothing", async () => {
    for (const query of [`{ webhookEndpoints { id } }`, `mutation { createWebhookEndpoint(input: { url: "${receiver.url("/x")}" }) { secret } }`]) {
      const res = await server.gql(userToken, query);
      expect(res.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(res.body.errors?.[0]?.message).toBe("Only global admins manage webhooks.");
    }
    const theirs = (await create(otherAdminToken, { url: receiver.url("/theirs") })).endpoint.id as string;
    expect((await gql(adminToken, UPDATE, { input: { endpointId: theirs, enabled: false } })).updateWebhookEndpoint).toMatchObject({
      endpoint: null,
      userErrors: [{ code: "NOT_FOUND", field: ["input", "endpointId"] }],
    });
    expect((await gql(adminToken, DELETE, { input: { endpointId: theirs } })).deleteWebhookEndpoint).toEqual({
      deletedEndpointId: null,
      userErrors: [{ code: "NOT_FOUND", field: ["input", "endpointId"] }],
    });
    expect((await gql(adminToken, DELETE, { input: { endpointId: "garbage" } })).deleteWebhookEndpoint.userErrors).toEqual([
      { code: "NOT_FOUND", field: ["input", "endpointId"] },
    ]);
    expect((await gql(adminToken, `{ node(id: "${theirs}") { id } }`)).node).toBeNull();
    expect((await gql(userToken, `{ node(id: "${theirs}") { id } }`)).node).toBeNull();
    expect((await gql(otherAdminToken, `{ webhookEndpoints { id enabled } }`)).webhookEndpoints).toEqual([{ id: theirs, enabled: true }]);
    const delivery = toGlobalId("WebhookDelivery", 1);
    expect((await gql(adminToken, REDELIVER, { input: { deliveryId: delivery } })).redeliverWebhook.userErrors).toEqual([
      { code: "NOT_FOUND", field: ["input", "deliveryId"] },
    ]);
  });

  it("keeps an organization to 10 endpoints", async () => {
    const existing = (await gql(otherAdminToken, `{ webhookEndpoints { id } }`)).webhookEndpoints.length as number;
    for (let i = existing; i < 10; i++) expect((await create(otherAdminToken, { url: receiver.url(`/n${i}`) })).userErrors).toEqual([]);
    const eleventh = await create(otherAdminToken, { url: receiver.url("/eleventh") });
    expect(eleventh).toMatchObject({ endpoint: null, secret: null, userErrors: [{ code: "CONFLICT", field: null }] });
    expect(eleventh.userErrors[0].message).toContain("at most 10");
    expect((await gql(otherAdminToken, `{ webhookEndpoints { id } }`)).webhookEndpoints).toHaveLength(10);
  });

  it("refuses URLs and descriptions out of bounds, naming the field and why", async () => {
    const refused = async (input: Record<string, unknown>) => {
      const payload = await create(adminToken, input);
      expect(payload.endpoint).toBeNull();
      return payload.userErrors as { code: string; message: string; field: string[] }[];
    };
    expect(await refused({ url: "not a url" })).toEqual([{ code: "INVALID_INPUT", message: expect.stringContaining("absolute"), field: ["input", "url"] }]);
    expect(await refused({ url: `https://hooks.example.com/${"a".repeat(2_000)}` })).toEqual([
      { code: "INVALID_INPUT", message: "The URL is at most 2000 characters.", field: ["input", "url"] },
    ]);
    expect((await refused({ url: "https://user:pass@hooks.example.com/" }))[0].message).toContain("credentials");
    expect((await refused({ url: "ftp://hooks.example.com/" }))[0].message).toBe("The URL must be http or https.");
    expect(await refused({ url: receiver.url("/d"), description: "d".repeat(501) })).toEqual([
      { code: "INVALID_INPUT", message: "The description is at most 500 characters.", field: ["input", "description"] },
    ]);
  });

  it("without WEBHOOK_ALLOW_PRIVATE (a production server) refuses http and URLs that resolve to private, loopback or link-local addresses", async () => {
    const production = await startTestServer({ env: { NODE_ENV: "production", WEBHOOK_SECRET_KEY: "k".repeat(40) } });
    try {
      const attempt = async (url: string) => {
        const res = await production.gql("admin@contoso.example", CREATE, { input: { url } });
        expect(res.body.errors).toBeUndefined();
        return res.body.data!.createWebhookEndpoint as { endpoint: { url: string } | null; userErrors: { message: string; field: string[] }[] };
      };
      expect((await attempt("http://hooks.example.com/in")).userErrors).toEqual([
        { code: "INVALID_INPUT", message: "The URL must be https.", field: ["input", "url"] },
      ]);
      for (const [url, why] of [
        ["https://10.1.2.3/in", "resolves to a private address (10.1.2.3)"],
        ["https://127.0.0.1:8443/in", "resolves to a loopback address (127.0.0.1)"],
        ["https://localhost/in", "resolves to a loopback address"],
        ["https://169.254.169.254/latest/meta-data", "resolves to a link-local address (169.254.169.254)"],
        ["https://[fd00::1]/in", "resolves to a unique-local address (fd00::1)"],
        ["https://[::ffff:192.168.0.1]/in", "resolves to a private address"],
      ]) {
        const { endpoint, userErrors } = await attempt(url);
        expect(endpoint).toBeNull();
        expect(userErrors).toHaveLength(1);
        expect(userErrors[0].field).toEqual(["input", "url"]);
        expect(userErrors[0].message).toContain(why);
      }
      expect(await attempt("https://93.184.215.14/hooks")).toMatchObject({ endpoint: { url: "https://93.184.215.14/hooks" }, userErrors: [] });
    } finally {
      await production.stop();
    }
  });

  it("POSTs an appended entry to the endpoint once the entry commits, readable as a delivery; redelivered with the same id; signed with a rotated secret from then on", async () => {
    const made = await create(adminToken, { url: receiver.url("/live"), kinds: ["SUBMITTED", "APPROVED"] });
    receiver.secrets.set("/live", made.secret);
    const endpointId = made.endpoint.id as string;
    await entry("SUBMITTED");
    await eventually(() => receivedAt("/live").length === 1, 10_000, "the delivery");
    const [got] = receivedAt("/live");
    expect(got.verified).toMatchObject({ type: "license_request.submitted", data: { licenseRequest: { id: toGlobalId("LicenseRequest", request.id) } } });

    // The receiver has it; the dispatcher writes the outcome right after the answer.
    const deliveredPage = async () => (await gql(adminToken, DELIVERIES, { id: endpointId, first: 10 })).node.deliveries;
    await eventually(async () => (await deliveredPage()).nodes[0]?.status === "DELIVERED", 10_000, "the outcome written");
    const page = await deliveredPage();
    expect(page.totalCount).toBe(1);
    const [delivery] = page.nodes;
    expect(delivery).toEqual({
      id: got.headers["webhook-id"],
      status: "DELIVERED",
      attempts: 1,
      lastAttemptAt: server.clock.now().toISOString(),
      lastResponseStatus: 200,
      nextAttemptAt: null,
      endpoint: { id: endpointId },
      event: { kind: "SUBMITTED", status: "PENDING", at: server.clock.now().toISOString() },
    });
    expect((await gql(adminToken, `{ node(id: "${delivery.id}") { ... on WebhookDelivery { id status } } }`)).node).toEqual({
      id: delivery.id,
      status: "DELIVERED",
    });
    expect((await gql(otherAdminToken, `{ node(id: "${delivery.id}") { id } }`)).node).toBeNull();

    expect((await gql(adminToken, REDELIVER, { input: { deliveryId: delivery.id } })).redeliverWebhook).toEqual({
      delivery: { id: delivery.id, status: "PENDING" },
      userErrors: [],
    });
    await eventually(() => receivedAt("/live").length === 2, 10_000, "the redelivery");
    expect(receivedAt("/live")[1].headers["webhook-id"]).toBe(delivery.id);
    expect(receivedAt("/live")[1].body).toBe(got.body);

    const oldSecret = made.secret as string;
    const rotated = (await gql(adminToken, UPDATE, { input: { endpointId, rotateSecret: true, kinds: [], description: null } })).updateWebhookEndpoint;
    expect(rotated).toMatchObject({ endpoint: { id: endpointId, kinds: [], description: null }, userErrors: [] });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(oldSecret);
    receiver.secrets.set("/live", rotated.secret);
    await entry("DENIED");
    await eventually(() => receivedAt("/live").length === 3, 10_000, "the delivery after rotation");
    const third = receivedAt("/live")[2];
    expect(third.verified).toMatchObject({ type: "license_request.denied" });
    expect(() => new Webhook(oldSecret).verify(third.body, third.headers as Record<string, string>)).toThrow();

    // Newest first, paged.
    await entry("APPROVED");
    await eventually(() => receivedAt("/live").length === 4, 10_000, "the fourth delivery");
    const first2 = (await gql(adminToken, DELIVERIES, { id: endpointId, first: 2 })).node.deliveries;
    expect(first2.totalCount).toBe(3);
    expect(first2.pageInfo.hasNextPage).toBe(true);
    expect(first2.nodes.map((n: { event: { kind: string } }) => n.event.kind)).toEqual(["APPROVED", "DENIED"]);
    const rest = (await gql(adminToken, DELIVERIES, { id: endpointId, first: 2, after: first2.pageInfo.endCursor })).node.deliveries;
    expect(rest.nodes.map((n: { event: { kind: string } }) => n.event.kind)).toEqual(["SUBMITTED"]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });
});
