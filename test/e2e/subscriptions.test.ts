/**
 * Live subscriptions over graphql-ws (issue 4), against a real server on port 0
 * with real graphql-ws clients: authentication at connection_init, admission as
 * `error` messages, delivery to exactly those who may see a request, filters,
 * per-subscriber payloads with fresh loaders, events only after commit, rights
 * re-checked per event, and the bounds.
 *
 * "Nothing arrives" is always checked in order, never by waiting: after the
 * event that must not reach a subscriber, a later event that must reach it is
 * produced, and it has to be the first thing that subscriber receives.
 *
 * The last part closes sockets, and completes subscriptions, while a
 * subscription is being admitted. Only MySQL/MariaDB leaves time for that (its
 * driver awaits the network; SQLite's answers at once), so it runs on a
 * MariaDB database of its own on both legs of the suite, behind a proxy that
 * holds the database's answers back while the close is made.
 */
import { UserEntity } from "../../src/entities";
import { signToken } from "../../src/services/access/authentication";
import { DAY_MS } from "../../src/services/shared/clock";
import { toGlobalId } from "../../src/services/shared/ids";
import { createMysqlDatabase, MYSQL_TEST_URL, TestDatabase } from "../helpers/database";
import { startTestServer, TestServer } from "../helpers/server";
import { startTcpProxy, TcpProxy } from "../helpers/tcpProxy";
import { eventually, liveClient, LiveClient, LiveSubscription, rawSocket, RawSocket, within } from "../helpers/ws";

const REQUEST = "id status product { skuPartNumber } requester { email } recipients { user { email } decision }";
const SUBMITTED = `subscription($productId: ID) { licenseRequestSubmitted(productId: $productId) { ${REQUEST} } }`;
const UPDATED = `subscription($requestId: ID) { licenseRequestUpdated(requestId: $requestId) { ${REQUEST} } }`;

type Request = {
  id: string;
  status: string;
  product: { skuPartNumber: string };
  requester: { email: string };
  recipients: { user: { email: string }; decision: string }[];
};
type Submitted = { licenseRequestSubmitted: Request };
type Updated = { licenseRequestUpdated: Request };

const ADMIN = "admin@contoso.example";
const FABRIKAM_ADMIN = "admin@fabrikam.example";

/** What a test needs from a server: clients that are cleaned up, and mutations that check their outcome. */
function harness(getServer: () => TestServer, tokenOptions: { expiresIn?: string | number } = {}) {
  const clients: LiveClient[] = [];
  const sockets: RawSocket[] = [];
  const pending: { id: string; requester: string }[] = [];
  const server = () => getServer();

  const h = {
    async client(email: string | null, options: { token?: string } = {}): Promise<LiveClient> {
      const token = options.token ?? (email === null ? null : await server().ids.token(email, tokenOptions));
      const client = liveClient(server().wsUrl, token);
      clients.push(client);
      return client;
    },
    raw(): RawSocket {
      const socket = rawSocket(server().wsUrl);
      sockets.push(socket);
      return socket;
    },
    listening: () => server().service.services.tails.listenerCount(),
    /** Subscribes and waits until the server listens for its events. */
    async live(client: LiveClient, query: string, variables?: Record<string, unknown>): Promise<LiveSubscription> {
      const before = h.listening();
      const subscription = client.subscribe(query, variables);
      await eventually(() => h.listening() > before, undefined, "the subscription to start listening");
      return subscription;
    },
    async gql(as: string, query: string, variables?: Record<string, unknown>) {
      const res = await server().gql(as, query, variables);
      expect(res.body.errors).toBeUndefined();
      return res.body.data!;
    },
    async submit(as: string, sku: string, others: string[] = [], organization?: "Contoso" | "Fabrikam"): Promise<string> {
      const data = await h.gql(
        as,
        `mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) { licenseRequest { id } userErrors { code message } } }`,
        { input: { productId: server().ids.product(sku, organization), additionalUserIds: others.map((e) => server().ids.user(e)) } },
      );
      expect(data.submitLicenseRequest.userErrors).toEqual([]);
      const id = data.submitLicenseRequest.licenseRequest.id as string;
      pending.push({ id, requester: as });
      return id;
    },
    async approve(as: string, requestId: string, input: Record<string, unknown> = {}): Promise<{ status: string | null; userErrors: { code: string }[] }> {
      const data = await h.gql(
        as,
        `mutation($input: ApproveLicenseRequestInput!) { approveLicenseRequest(input: $input) { licenseRequest { status } userErrors { code message } } }`,
        { input: { requestId, ...input } },
      );
      return { status: data.approveLicenseRequest.licenseRequest?.status ?? null, userErrors: data.approveLicenseRequest.userErrors };
    },
    async deny(as: string, requestId: string): Promise<void> {
      const data = await h.gql(
        as,
        `mutation($input: DenyLicenseRequestInput!) { denyLicenseRequest(input: $input) { licenseRequest { status } userErrors { code message } } }`,
        { input: { requestId, message: "Not this quarter." } },
      );
      expect(data.denyLicenseRequest.userErrors).toEqual([]);
    },
    async cancel(as: string, requestId: string): Promise<void> {
      const data = await h.gql(
        as,
        `mutation($input: CancelLicenseRequestInput!) { cancelLicenseRequest(input: $input) { licenseRequest { status } userErrors { code message } } }`,
        { input: { requestId } },
      );
      expect(data.cancelLicenseRequest.userErrors).toEqual([]);
    },
    /** Closes every client of the test, waits until nothing listens, and cancels what is still pending. */
    async cleanUp(): Promise<void> {
      await Promise.all(clients.splice(0).map((c) => c.dispose()));
      for (const s of sockets.splice(0)) s.socket.terminate();
      await eventually(() => h.listening() === 0, undefined, "every subscription to stop listening");
      for (const { id, requester } of pending.splice(0)) {
        await server().gql(requester, `mutation($id: ID!) { cancelLicenseRequest(input: { requestId: $id }) { userErrors { code } } }`, { id });
      }
    },
  };
  return h;
}

const codesOf = (errors: readonly { extensions?: Record<string, unknown> }[]) => errors.map((e) => e.extensions?.code);

describe("live subscriptions", () => {
  let server: TestServer;
  const h = harness(() => server);

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: "3",
        WS_MAX_PAYLOAD_BYTES: "16384",
        WS_MAX_BUFFERED_BYTES: String(256 * 1024),
        // One test selects every recipient's licenses (priced 10,100); the bound itself is tested in edges.test.ts.
        MAX_SUBSCRIPTION_COST: "20000",
      },
    });
  });
  afterEach(() => h.cleanUp());
  afterAll(async () => {
    await server?.stop();
  });

  describe("connecting", () => {
    const initAndExpect4401 = async (authorization: unknown) => {
      const socket = h.raw();
      await socket.opened;
      socket.send({ type: "connection_init", payload: authorization === undefined ? {} : { authorization } });
      const closed = await within(socket.closed, undefined, "the close");
      expect(closed.code).toBe(4401);
      // No connection_ack, so no subscription could have run.
      expect(socket.messages.all).toEqual([]);
    };

    it("closes with 4401 when connection_init carries no token", async () => {
      await initAndExpect4401(undefined);
    });

    it("closes with 4401 for a malformed, a wrongly signed, an expired or an orphaned token", async () => {
      const adele = server.ids.userRow("adele@contoso.example");
      const wronglySigned = await signToken("another-secret-another-secret-0123456789", adele);
      const expired = await server.ids.token("adele@contoso.example", { expiresIn: Math.floor(Date.now() / 1000) - 60 });
      const orphaned = await signToken("test-secret-test-secret-test-secret-0123456789", { id: 987654, organizationId: adele.organizationId });
      for (const authorization of ["Bearer not-a-jwt", "Basic YWRlbGU6c2VjcmV0", 42, `Bearer ${wronglySigned}`, `Bearer ${expired}`, `Bearer ${orphaned}`]) {
        await initAndExpect4401(authorization);
      }
    });

    it("gives a graphql-ws client without a token a 4401 close and runs none of its subscriptions", async () => {
      const anonymous = await h.client(null);
      const subscription = anonymous.subscribe(SUBMITTED);
      expect((await anonymous.closes.take()).code).toBe(4401);
      const message = await subscription.inbox.take();
      expect(message.kind).toBe("error");
      expect(subscription.inbox.all.filter((m) => m.kind === "next")).toEqual([]);
      expect(anonymous.connections()).toBe(0);
    });
  });

  describe("licenseRequestSubmitted", () => {
    it("pushes a new request to the admins of its organization, as a query by that admin reads it", async () => {
      const admin = await h.client(ADMIN);
      const submitted = await h.live(admin, SUBMITTED);
      const id = await h.submit("adele@contoso.example", "VISIO_PLAN2", ["alex@contoso.example"]);
      const pushed = await submitted.nextData<Submitted>();
      expect(pushed.licenseRequestSubmitted).toEqual({
        id,
        status: "PENDING",
        product: { skuPartNumber: "VISIO_PLAN2" },
        requester: { email: "adele@contoso.example" },
        recipients: [
          { user: { email: "adele@contoso.example" }, decision: "PENDING" },
          { user: { email: "alex@contoso.example" }, decision: "PENDING" },
        ],
      });
      const queried = await h.gql(ADMIN, `query($id: ID!) { licenseRequest(id: $id) { ${REQUEST} } }`, { id });
      expect(pushed.licenseRequestSubmitted).toEqual(queried.licenseRequest);
    });

    it("answers a plain user's subscribe with a FORBIDDEN error message and keeps the socket open for others", async () => {
      const megan = await h.client("megan@contoso.example");
      const refused = megan.subscribe(SUBMITTED);
      const errors = await refused.nextError();
      expect(codesOf(errors)).toEqual(["FORBIDDEN"]);
      expect(errors[0].message).toMatch(/admins, a product's approvers and their delegates/);

      const updated = await h.live(megan, UPDATED);
      const id = await h.submit("megan@contoso.example", "POWER_BI_PRO");
      await h.cancel("megan@contoso.example", id);
      expect((await updated.nextData<Updated>()).licenseRequestUpdated).toMatchObject({ id, status: "CANCELLED" });
      expect(refused.inbox.all).toHaveLength(1);
      expect(megan.connections()).toBe(1);
      expect(megan.closes.all).toEqual([]);
    });

    it("delivers a request to no admin of another organization", async () => {
      const contoso = await h.live(await h.client(ADMIN), SUBMITTED);
      const fabrikam = await h.live(await h.client(FABRIKAM_ADMIN), SUBMITTED);
      const adeles = await h.submit("adele@contoso.example", "VISIO_PLAN2");
      expect((await contoso.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(adeles);

      const diegos = await h.submit("diego@fabrikam.example", "VISIO_PLAN2", [], "Fabrikam");
      expect((await fabrikam.nextData<Submitted>()).licenseRequestSubmitted).toMatchObject({ id: diegos, requester: { email: "diego@fabrikam.example" } });
      const alexs = await h.submit("alex@contoso.example", "VISIO_PLAN2");
      expect((await contoso.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(alexs);
    });

    it("passes only the requests of the product named by productId", async () => {
      const admin = await h.client(ADMIN);
      const visioOnly = await h.live(admin, SUBMITTED, { productId: server.ids.product("VISIO_PLAN2") });
      const everything = await h.live(admin, SUBMITTED);
      const powerBi = await h.submit("adele@contoso.example", "POWER_BI_PRO");
      const visio = await h.submit("alex@contoso.example", "VISIO_PLAN2");
      expect((await everything.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(powerBi);
      expect((await everything.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(visio);
      expect((await visioOnly.nextData<Submitted>()).licenseRequestSubmitted).toMatchObject({ id: visio, product: { skuPartNumber: "VISIO_PLAN2" } });
    });

    it("answers a productId of another organization, of another type or malformed with NOT_FOUND", async () => {
      const admin = await h.client(ADMIN);
      for (const productId of [
        server.ids.product("VISIO_PLAN2", "Fabrikam"),
        server.ids.user("adele@contoso.example"),
        "not-an-id",
        toGlobalId("Product", 999999),
      ]) {
        const errors = await admin.subscribe(SUBMITTED, { productId }).nextError();
        expect(codesOf(errors)).toEqual(["NOT_FOUND"]);
      }
      expect(admin.connections()).toBe(1);
    });

    it("admits the root field however the operation spells it (fragments, aliases)", async () => {
      const megan = await h.client("megan@contoso.example");
      const spelled = [
        `subscription { ...S } fragment S on Subscription { licenseRequestSubmitted { id } }`,
        `subscription { ... on Subscription { mine: licenseRequestSubmitted { id } } }`,
        `subscription { licenseRequestSubmitted @include(if: true) { id } }`,
      ];
      for (const query of spelled) {
        const errors = await megan.subscribe(query).nextError();
        expect(codesOf(errors)).toEqual(["FORBIDDEN"]);
      }
    });
  });

  describe("licenseRequestUpdated", () => {
    it("pushes approve, partial approval, deny and cancel to the requester, a recipient and the admins, and to no one else", async () => {
      const seers = {
        admin: await h.live(await h.client(ADMIN), UPDATED),
        requester: await h.live(await h.client("adele@contoso.example"), UPDATED),
        recipient: await h.live(await h.client("alex@contoso.example"), UPDATED),
      };
      const bystander = await h.live(await h.client("megan@contoso.example"), UPDATED);
      const otherAdmin = await h.live(await h.client(FABRIKAM_ADMIN), UPDATED);
      const otherUser = await h.live(await h.client("diego@fabrikam.example"), UPDATED);
      const alex = server.ids.user("alex@contoso.example");

      const expectEach = async (id: string, status: string, decisions: [string, string]) => {
        for (const subscription of Object.values(seers)) {
          expect((await subscription.nextData<Updated>()).licenseRequestUpdated).toEqual({
            id,
            status,
            product: expect.any(Object),
            requester: { email: "adele@contoso.example" },
            recipients: [
              { user: { email: "adele@contoso.example" }, decision: decisions[0] },
              { user: { email: "alex@contoso.example" }, decision: decisions[1] },
            ],
          });
        }
      };

      const approved = await h.submit("adele@contoso.example", "VISIO_PLAN2", ["alex@contoso.example"]);
      expect((await h.approve(ADMIN, approved)).status).toBe("APPROVED");
      await expectEach(approved, "APPROVED", ["APPROVED", "APPROVED"]);

      const partial = await h.submit("adele@contoso.example", "POWER_BI_PRO", ["alex@contoso.example"]);
      expect((await h.approve(ADMIN, partial, { excludedUserIds: [alex] })).status).toBe("PARTIALLY_APPROVED");
      await expectEach(partial, "PARTIALLY_APPROVED", ["APPROVED", "DENIED"]);

      const denied = await h.submit("adele@contoso.example", "SPE_E5", ["alex@contoso.example"]);
      await h.deny(ADMIN, denied);
      await expectEach(denied, "DENIED", ["DENIED", "DENIED"]);

      const cancelled = await h.submit("adele@contoso.example", "SPE_E5", ["alex@contoso.example"]);
      await h.cancel("adele@contoso.example", cancelled);
      await expectEach(cancelled, "CANCELLED", ["PENDING", "PENDING"]);

      // None of the four reached the bystander or the other organization: their first event is their own.
      const megans = await h.submit("megan@contoso.example", "VISIO_PLAN2");
      await h.cancel("megan@contoso.example", megans);
      expect((await bystander.nextData<Updated>()).licenseRequestUpdated).toMatchObject({ id: megans, status: "CANCELLED" });
      const diegos = await h.submit("diego@fabrikam.example", "POWER_BI_PRO", [], "Fabrikam");
      await h.deny(FABRIKAM_ADMIN, diegos);
      expect((await otherAdmin.nextData<Updated>()).licenseRequestUpdated).toMatchObject({ id: diegos, status: "DENIED" });
      expect((await otherUser.nextData<Updated>()).licenseRequestUpdated).toMatchObject({ id: diegos, status: "DENIED" });
    });

    it("passes only the changes of the request named by requestId", async () => {
      const first = await h.submit("nestor@contoso.example", "VISIO_PLAN2");
      const second = await h.submit("nestor@contoso.example", "POWER_BI_PRO");
      const nestor = await h.client("nestor@contoso.example");
      const onlySecond = await h.live(nestor, UPDATED, { requestId: second });
      const all = await h.live(nestor, UPDATED);
      await h.cancel("nestor@contoso.example", first);
      await h.cancel("nestor@contoso.example", second);
      expect((await all.nextData<Updated>()).licenseRequestUpdated.id).toBe(first);
      expect((await all.nextData<Updated>()).licenseRequestUpdated.id).toBe(second);
      expect((await onlySecond.nextData<Updated>()).licenseRequestUpdated).toMatchObject({ id: second, status: "CANCELLED" });
    });

    it("passes only the changes of one product's requests with productId, and refuses a product not of the organization", async () => {
      const visio = await h.submit("nestor@contoso.example", "VISIO_PLAN2");
      const powerBi = await h.submit("nestor@contoso.example", "POWER_BI_PRO");
      const admin = await h.client(ADMIN);
      const byProduct = `subscription($productId: ID) { licenseRequestUpdated(productId: $productId) { id status product { skuPartNumber } } }`;
      const onlyPowerBi = await h.live(admin, byProduct, { productId: server.ids.product("POWER_BI_PRO") });
      // The Visio change must not reach it: the Power BI change, made after, is the first thing it hears.
      await h.deny(ADMIN, visio);
      await h.deny(ADMIN, powerBi);
      expect((await onlyPowerBi.nextData<{ licenseRequestUpdated: { id: string } }>()).licenseRequestUpdated).toEqual({
        id: powerBi,
        status: "DENIED",
        product: { skuPartNumber: "POWER_BI_PRO" },
      });
      for (const productId of [server.ids.product("POWER_BI_PRO", "Fabrikam"), "not-an-id", visio]) {
        expect(codesOf(await admin.subscribe(byProduct, { productId }).nextError())).toEqual(["NOT_FOUND"]);
      }
    });

    it("answers a requestId the subscriber may not see with NOT_FOUND and keeps the socket open", async () => {
      const lees = await h.submit("lee@contoso.example", "VISIO_PLAN2");
      const diegos = await h.submit("diego@fabrikam.example", "VISIO_PLAN2", [], "Fabrikam");
      const megan = await h.client("megan@contoso.example");
      for (const requestId of [lees, diegos, "not-an-id", server.ids.product("VISIO_PLAN2")]) {
        expect(codesOf(await megan.subscribe(UPDATED, { requestId }).nextError())).toEqual(["NOT_FOUND"]);
      }
      const admin = await h.client(ADMIN);
      expect(codesOf(await admin.subscribe(UPDATED, { requestId: diegos }).nextError())).toEqual(["NOT_FOUND"]);

      const own = await h.live(admin, UPDATED, { requestId: lees });
      await h.cancel("lee@contoso.example", lees);
      expect((await own.nextData<Updated>()).licenseRequestUpdated).toMatchObject({ id: lees, status: "CANCELLED" });
      expect([megan.connections(), admin.connections()]).toEqual([1, 1]);
    });
  });

  describe("what a subscriber receives", () => {
    it("is resolved with the subscriber's own rights and fresh loaders for every event", async () => {
      const selection = `subscription { licenseRequestUpdated { id recipients { user { email licenses { product { skuPartNumber } } } } } }`;
      type Payload = {
        licenseRequestUpdated: { id: string; recipients: { user: { email: string; licenses: { product: { skuPartNumber: string } }[] | null } }[] };
      };
      const admin = await h.live(await h.client(ADMIN), selection);
      const alex = await h.live(await h.client("alex@contoso.example"), selection);
      const licensesOf = (payload: Payload, email: string) =>
        payload.licenseRequestUpdated.recipients
          .find((r) => r.user.email === email)!
          .user.licenses?.map((l) => l.product.skuPartNumber)
          .sort() ?? null;

      const e5 = await h.submit("lee@contoso.example", "SPE_E5", ["alex@contoso.example"]);
      await h.approve(ADMIN, e5);
      const asAdmin = await admin.nextData<Payload>();
      const asAlex = await alex.nextData<Payload>();
      expect(licensesOf(asAdmin, "lee@contoso.example")).toEqual(["SPE_E5"]);
      expect(licensesOf(asAdmin, "alex@contoso.example")).toContain("SPE_E5");
      // A plain recipient sees their own licenses, not another user's.
      expect(licensesOf(asAlex, "alex@contoso.example")).toContain("SPE_E5");
      expect(licensesOf(asAlex, "lee@contoso.example")).toBeNull();

      // The next event reads afresh: lee's licenses now include the second approval.
      const powerBi = await h.submit("lee@contoso.example", "POWER_BI_PRO", ["alex@contoso.example"]);
      await h.approve(ADMIN, powerBi, { excludedUserIds: [server.ids.user("alex@contoso.example")] });
      expect(licensesOf(await admin.nextData<Payload>(), "lee@contoso.example")).toEqual(["POWER_BI_PRO", "SPE_E5"]);
      expect(licensesOf(await alex.nextData<Payload>(), "lee@contoso.example")).toBeNull();
    });

    it("comes only from changes that committed: refused, conflicting and replayed mutations publish nothing", async () => {
      const admin = await h.client(ADMIN);
      const submitted = await h.live(admin, SUBMITTED);
      const updated = await h.live(admin, UPDATED);

      // Refused with userErrors: a product anyone may buy.
      const selfService = await server.gql(
        "adele@contoso.example",
        `mutation($p: ID!) { submitLicenseRequest(input: { productId: $p }) { userErrors { code } } }`,
        {
          p: server.ids.product("PROJECT_PLAN3"),
        },
      );
      expect(selfService.body.data?.submitLicenseRequest.userErrors).toEqual([{ code: "INVALID_INPUT" }]);
      const first = await h.submit("adele@contoso.example", "SPE_E5");
      expect((await submitted.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(first);

      // Decided once (an event), then again (CONFLICT), then replayed with the first key (no second event).
      const key = { idempotencyKey: "approve-once" };
      expect((await h.approve(ADMIN, first, key)).status).toBe("APPROVED");
      expect((await h.approve(ADMIN, first, key)).status).toBe("APPROVED");
      expect((await h.approve(ADMIN, first)).userErrors.map((e) => e.code)).toEqual(["CONFLICT"]);
      const pushed = (await updated.nextData<Updated>()).licenseRequestUpdated;
      expect(pushed).toMatchObject({ id: first, status: "APPROVED" });
      // What was pushed was committed: another user's query reads the same.
      const read = await h.gql("adele@contoso.example", `query($id: ID!) { licenseRequest(id: $id) { status } }`, { id: first });
      expect(read.licenseRequest.status).toBe("APPROVED");

      const control = await h.submit("alex@contoso.example", "POWER_BI_PRO");
      await h.cancel("alex@contoso.example", control);
      expect((await submitted.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(control);
      expect((await updated.nextData<Updated>()).licenseRequestUpdated).toMatchObject({ id: control, status: "CANCELLED" });
    });

    it("stops for an admin demoted since subscribing: a FORBIDDEN error at the next event, and no more listening", async () => {
      const users = server.service.dataSource.getRepository(UserEntity);
      const lee = server.ids.userRow("lee@contoso.example");
      await users.update({ id: lee.id }, { role: "GLOBAL_ADMIN" });
      try {
        const admin = await h.live(await h.client(ADMIN), SUBMITTED);
        const leeClient = await h.client("lee@contoso.example");
        const asLee = await h.live(leeClient, SUBMITTED);
        const id = await h.submit("megan@contoso.example", "VISIO_PLAN2");
        expect((await asLee.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(id);
        expect((await admin.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(id);

        await users.update({ id: lee.id }, { role: "USER" });
        const listening = h.listening();
        const next = await h.submit("nestor@contoso.example", "VISIO_PLAN2");
        expect((await admin.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(next);
        const errors = await asLee.nextError();
        expect(codesOf(errors)).toEqual(["FORBIDDEN"]);
        await eventually(() => h.listening() === listening - 1, undefined, "the demoted admin's subscription to stop listening");
        expect(asLee.inbox.all.map((m) => m.kind)).toEqual(["next", "error"]);
        // The socket stays: lee may still follow the requests lee can see.
        expect(leeClient.connections()).toBe(1);
        expect(codesOf(await leeClient.subscribe(SUBMITTED).nextError())).toEqual(["FORBIDDEN"]);
      } finally {
        await users.update({ id: lee.id }, { role: "USER" });
      }
    });

    it("hides internals as over HTTP: an unexpected failure is INTERNAL_SERVER_ERROR with a request ID, nothing more", async () => {
      const live = server.service.services.live;
      const requests = server.service.services.requestQueries;
      const admin = await h.client(ADMIN);

      const admit = live.admit;
      live.admit = async () => {
        throw new Error("ER_NO_SUCH_TABLE: SELECT secret FROM license_request");
      };
      let errors;
      try {
        errors = await admin.subscribe(UPDATED).nextError();
      } finally {
        live.admit = admit;
      }
      expect(errors).toEqual([
        { message: expect.not.stringMatching(/SELECT|ER_/), extensions: { code: "INTERNAL_SERVER_ERROR", requestId: expect.any(String) } },
      ]);

      const updated = await h.live(admin, UPDATED);
      const id = await h.submit("nestor@contoso.example", "POWER_BI_PRO");
      const findVisible = requests.findVisible;
      requests.findVisible = async () => {
        throw new Error("ER_LOCK_DEADLOCK: UPDATE license_request SET");
      };
      try {
        await h.cancel("nestor@contoso.example", id);
        errors = await updated.nextError();
      } finally {
        requests.findVisible = findVisible;
      }
      expect(errors).toEqual([
        { message: expect.not.stringMatching(/UPDATE|ER_/), extensions: { code: "INTERNAL_SERVER_ERROR", requestId: expect.any(String) } },
      ]);
      expect(admin.connections()).toBe(1);

      // What the client did wrong keeps its code: a typo is a validation error, not an internal one.
      const typo = await admin.subscribe(`subscription { licenseRequestUpdated { idd } }`).nextError();
      expect(codesOf(typo)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
      const unparsable = await admin.subscribe(`subscription {`).nextError();
      expect(codesOf(unparsable)).toEqual(["GRAPHQL_PARSE_FAILED"]);
    });
  });

  describe("bounds and cleanup", () => {
    it("answers the subscription past WS_MAX_SUBSCRIPTIONS_PER_CONNECTION with TOO_MANY_SUBSCRIPTIONS, even when all arrive at once", async () => {
      const admin = await h.client(ADMIN);
      const all = [0, 1, 2, 3].map(() => admin.subscribe(UPDATED));
      const answered = () => all.filter((s) => s.inbox.all.length > 0);
      await eventually(() => h.listening() === 3 && answered().length > 0, undefined, "three subscriptions to listen and one refusal");
      expect(answered()).toHaveLength(1);
      const [extra] = answered();
      const errors = await extra.nextError();
      expect(codesOf(errors)).toEqual(["TOO_MANY_SUBSCRIPTIONS"]);
      expect(errors[0].message).toMatch(/At most 3 subscriptions per connection/);

      // Completing one frees its place.
      all.find((s) => s !== extra)!.unsubscribe();
      await eventually(() => h.listening() === 2, undefined, "a completed subscription to stop listening");
      await h.live(admin, UPDATED);
      expect(h.listening()).toBe(3);
      expect(admin.connections()).toBe(1);
    });

    it("closes the socket with 1009 when a message is larger than WS_MAX_PAYLOAD_BYTES", async () => {
      const socket = h.raw();
      await socket.opened;
      socket.send({ type: "connection_init", payload: { authorization: `Bearer ${await server.ids.token(ADMIN)}` } });
      expect(await socket.messages.take()).toEqual({ type: "connection_ack" });
      socket.send({ id: "1", type: "subscribe", payload: { query: `subscription { licenseRequestUpdated { id } } # ${"x".repeat(20_000)}` } });
      const closed = await within(socket.closed, undefined, "the close");
      expect(closed.code).toBe(1009);
    });

    it("closes with 1013 a socket whose reader stopped reading once more than WS_MAX_BUFFERED_BYTES wait unsent", async () => {
      const socket = h.raw();
      await socket.opened;
      socket.send({ type: "connection_init", payload: { authorization: `Bearer ${await server.ids.token(ADMIN)}` } });
      expect(await socket.messages.take()).toEqual({ type: "connection_ack" });
      // The reader stops reading; the server keeps answering large results until kernel buffers and then its own fill.
      const tcp = (socket.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      tcp.pause();
      const schema = "__schema { types { name description fields { name description args { name description } } } }";
      const query = `{ ${["a", "b", "c", "d", "e"].map((alias) => `${alias}: ${schema}`).join(" ")} }`;
      const resultBytes = JSON.stringify(await h.gql(ADMIN, query)).length;
      const warn = jest.spyOn(server.log, "warn");
      const gaveUp = () => warn.mock.calls.some((call) => /consumer is too slow/.test(String(call[1])));
      let sent = 0;
      try {
        // Queries go out in batches until the server gives up on the reader; far past any socket buffer, that is a failure.
        while (!gaveUp()) {
          if (sent * resultBytes > 64 * 1024 * 1024)
            throw new Error(`the server kept ${sent} results of ${resultBytes} bytes for a reader that stopped reading`);
          for (let i = 0; i < 10; i++) socket.send({ id: String(sent++), type: "subscribe", payload: { query } });
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        warn.mockRestore();
      }
      tcp.resume();
      const closed = await within(socket.closed, 30_000, "the close");
      expect(closed).toEqual({ code: 1013, reason: "Consumer too slow" });
      // It was cut short: fewer results arrived than were asked for.
      expect(socket.messages.all.filter((m) => m.type === "next").length).toBeLessThan(sent);
    });

    it("stops listening as soon as a subscription completes or its socket closes, without waiting for an event", async () => {
      const admin = await h.client(ADMIN);
      const first = await h.live(admin, UPDATED);
      await h.live(admin, SUBMITTED);
      const gauge = async () => (await server.service.metrics.wsSubscriptions.get()).values[0]?.value ?? 0;
      expect(h.listening()).toBe(2);
      expect(await gauge()).toBe(2);
      first.unsubscribe();
      await eventually(() => h.listening() === 1, undefined, "the completed subscription to stop listening");
      await admin.dispose();
      await eventually(() => h.listening() === 0, undefined, "the closed socket's subscription to stop listening");
      await eventually(async () => (await gauge()) === 0, undefined, "the subscription gauge to drop to 0");
    });
  });
});

describe("live subscriptions: timeouts, keep-alive, expiry and slow subscribers", () => {
  let server: TestServer;
  // Tokens outlive the clock moves below; one test signs a short one itself.
  const h = harness(() => server, { expiresIn: "365d" });

  beforeAll(async () => {
    server = await startTestServer({
      // The periodic close of expired sockets (test/e2e/origins.test.ts) is kept out of the way: the
      // expiry test below is about the first event after expiry, which the check could otherwise beat.
      env: { WS_CONNECTION_INIT_TIMEOUT_MS: "500", WS_KEEP_ALIVE_MS: "1000", WS_MAX_QUEUED_EVENTS: "2", WS_TOKEN_CHECK_INTERVAL_MS: "3600000" },
    });
    // The seeded pending requests expire first, so the sweeps below publish only what each test made.
    server.clock.advance(31 * DAY_MS);
    await server.service.services.requests.expireDue(server.clock.now());
  });
  afterEach(() => h.cleanUp());
  afterAll(async () => {
    await server?.stop();
  });

  it("closes a connection that never sends connection_init with 4408 after WS_CONNECTION_INIT_TIMEOUT_MS", async () => {
    const socket = h.raw();
    await socket.opened;
    const closed = await within(socket.closed, undefined, "the close");
    expect(closed.code).toBe(4408);
    expect(socket.messages.all).toEqual([]);
  });

  it("pings an idle connection every WS_KEEP_ALIVE_MS and keeps it while it answers", async () => {
    const socket = h.raw();
    await socket.opened;
    socket.send({ type: "connection_init", payload: { authorization: `Bearer ${await server.ids.token(ADMIN, { expiresIn: "365d" })}` } });
    expect(await socket.messages.take()).toEqual({ type: "connection_ack" });
    await socket.pings.take(5_000, "ping");
    await socket.pings.take(5_000, "second ping");
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);
  });

  it("pushes EXPIRED from the expiry sweep to the requester, a recipient and the admins, and to no one else", async () => {
    const admin = await h.live(await h.client(ADMIN), UPDATED);
    const requester = await h.live(await h.client("adele@contoso.example"), UPDATED);
    const recipient = await h.live(await h.client("alex@contoso.example"), UPDATED);
    const bystander = await h.live(await h.client("megan@contoso.example"), UPDATED);
    const otherAdmin = await h.live(await h.client(FABRIKAM_ADMIN), UPDATED);
    const id = await h.submit("adele@contoso.example", "VISIO_PLAN2", ["alex@contoso.example"]);

    server.clock.advance(31 * DAY_MS);
    expect(await server.service.services.requests.expireDue(server.clock.now())).toBe(1);
    for (const subscription of [admin, requester, recipient]) {
      expect((await subscription.nextData<Updated>()).licenseRequestUpdated).toMatchObject({
        id,
        status: "EXPIRED",
        recipients: [{ decision: "PENDING" }, { decision: "PENDING" }],
      });
    }
    const megans = await h.submit("megan@contoso.example", "VISIO_PLAN2");
    await h.cancel("megan@contoso.example", megans);
    expect((await bystander.nextData<Updated>()).licenseRequestUpdated.id).toBe(megans);
    const diegos = await h.submit("diego@fabrikam.example", "VISIO_PLAN2", [], "Fabrikam");
    await h.deny(FABRIKAM_ADMIN, diegos);
    expect((await otherAdmin.nextData<Updated>()).licenseRequestUpdated.id).toBe(diegos);
  });

  it("ends a subscription with UNAUTHENTICATED at the first event after its token expired, then refuses the socket with 4401", async () => {
    const adele = server.ids.userRow("adele@contoso.example");
    const expiresAt = Math.floor(server.clock.now().getTime() / 1000) + 24 * 60 * 60;
    const client = await h.client("adele@contoso.example", {
      token: await signToken("test-secret-test-secret-test-secret-0123456789", adele, { expiresIn: expiresAt }),
    });
    const updated = await h.live(client, UPDATED);
    const id = await h.submit("adele@contoso.example", "VISIO_PLAN2");
    server.clock.advance(2 * DAY_MS);
    await h.cancel("adele@contoso.example", id);
    expect(codesOf(await updated.nextError())).toEqual(["UNAUTHENTICATED"]);
    client.subscribe(UPDATED);
    expect((await client.closes.take()).code).toBe(4401);
  });

  it("gives a subscription that falls behind every event, in order: it reads the log where it stands, it never queues nor drops", async () => {
    const admin = await h.client(ADMIN);
    const updated = await h.live(admin, UPDATED);
    const people = ["adele", "alex", "megan", "lee", "nestor"].map((name) => `${name}@contoso.example`);
    const ids: string[] = [];
    for (const email of people) ids.push(await h.submit(email, "SPE_E5"));
    server.clock.advance(31 * DAY_MS);
    // One sweep expires all five at once: more than WS_MAX_QUEUED_EVENTS (2) on the bus.
    expect(await server.service.services.requests.expireDue(server.clock.now())).toBe(5);
    const delivered: { id: string; status: string }[] = [];
    while (delivered.length < 5) delivered.push((await updated.nextData<Updated>()).licenseRequestUpdated);
    expect(delivered.map((d) => d.status)).toEqual(["EXPIRED", "EXPIRED", "EXPIRED", "EXPIRED", "EXPIRED"]);
    expect(new Set(delivered.map((d) => d.id))).toEqual(new Set(ids));
    const id = await h.submit("adele@contoso.example", "VISIO_PLAN2");
    await h.cancel("adele@contoso.example", id);
    expect((await updated.nextData<Updated>()).licenseRequestUpdated).toMatchObject({ id, status: "CANCELLED" });
    expect(updated.inbox.pending()).toEqual([]);
    expect(admin.connections()).toBe(1);
  });
});

describe("live subscriptions on MariaDB: a socket that closes, or a subscription completed, while it is admitted", () => {
  let real: TestDatabase;
  let proxy: TcpProxy;
  let server: TestServer;
  const h = harness(() => server);
  /** How long the database's answers are held back while a subscription is admitted. */
  const HELD_MS = 500;

  beforeAll(async () => {
    real = await createMysqlDatabase(MYSQL_TEST_URL);
    const target = new URL(real.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) });
    const proxied = new URL(real.url);
    proxied.hostname = proxy.host;
    proxied.port = String(proxy.port);
    server = await startTestServer({
      database: { ...real, url: proxied.toString(), config: { type: "mysql", url: proxied.toString() } },
      // A pooled connection opened while answers are held back takes several of them to connect.
      env: { WS_MAX_SUBSCRIPTIONS_PER_USER: "2", WS_MAX_PAYLOAD_BYTES: "16384", DB_ACQUIRE_TIMEOUT_MS: "10000" },
    });
  });
  afterEach(async () => {
    proxy.delayReplies(0);
    await h.cleanUp();
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await real?.drop();
  });

  const gauge = async () => (await server.service.metrics.wsSubscriptions.get()).values[0]?.value ?? 0;
  const token = () => server.ids.token(ADMIN);

  /** An admin's socket, initialised, that sent subscription "1": its admission now waits for the database to read the admin. */
  const admitting = async (): Promise<RawSocket> => {
    const socket = h.raw();
    await socket.opened;
    socket.send({ type: "connection_init", payload: { authorization: `Bearer ${await token()}` } });
    expect(await socket.messages.take()).toEqual({ type: "connection_ack" });
    proxy.delayReplies(HELD_MS);
    const reading = proxy.sawFromClient("app_user");
    socket.send({ id: "1", type: "subscribe", payload: { query: UPDATED } });
    await within(reading, undefined, "the admission to read the subscriber");
    return socket;
  };

  /**
   * Every place of the admin is free: on a new socket WS_MAX_SUBSCRIPTIONS_PER_USER (2)
   * subscriptions start and a third is refused, and the gauge counts two. (Their admissions
   * read the database after the one held back did, so whatever that one did is done by then.)
   */
  const expectPlacesFree = async () => {
    const admin = await h.client(ADMIN);
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const before = h.listening();
      const subscription = admin.subscribe(UPDATED);
      await eventually(() => h.listening() > before || subscription.inbox.all.length > 0, undefined, "the subscription to start or be refused");
      outcomes.push(h.listening() > before ? "listening" : codesOf(await subscription.nextError()).join());
    }
    expect(outcomes).toEqual(["listening", "listening", "TOO_MANY_SUBSCRIPTIONS"]);
    expect(await gauge()).toBe(2);
    await admin.dispose();
    await eventually(async () => (await gauge()) === 0, undefined, "the gauge to drop to 0");
  };

  it.each<[string, number, (socket: RawSocket) => Promise<void> | void]>([
    [
      "a second connection_init (4429)",
      4429,
      async (socket) => socket.send({ type: "connection_init", payload: { authorization: `Bearer ${await token()}` } }),
    ],
    [
      "a message over WS_MAX_PAYLOAD_BYTES (1009)",
      1009,
      (socket) => socket.send({ id: "2", type: "subscribe", payload: { query: `${UPDATED} # ${"x".repeat(20_000)}` } }),
    ],
    ["its TCP connection cut (1006)", 1006, (socket) => socket.socket.terminate()],
  ])("frees the place of a subscription whose socket closes by %s", async (_what, code, close) => {
    const socket = await admitting();
    await close(socket);
    expect((await within(socket.closed, undefined, "the close")).code).toBe(code);
    await expectPlacesFree();
  });

  it("frees the place of a subscription completed while it is admitted, answers nothing for it and keeps the socket", async () => {
    const socket = await admitting();
    socket.send({ id: "1", type: "complete" });
    await expectPlacesFree();
    socket.send({ type: "ping" });
    expect(await socket.messages.take()).toEqual({ type: "pong" });
    expect(socket.messages.all).toEqual([{ type: "connection_ack" }, { type: "pong" }]);
  });

  it("closes with 4409 a socket that subscribes again under the id of a subscription still being admitted, and frees its places", async () => {
    const socket = await admitting();
    socket.send({ id: "1", type: "complete" });
    socket.send({ id: "1", type: "subscribe", payload: { query: UPDATED } });
    expect(await within(socket.closed, undefined, "the close")).toEqual({ code: 4409, reason: "Subscriber for 1 already exists" });
    await expectPlacesFree();
  });
});
