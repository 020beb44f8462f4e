/**
 * A few end-to-end paths per feature, over real HTTP and graphql-ws, on a
 * server started without the demo data: every organization, person, product
 * and group here is built by the test itself (test/helpers/seed.ts), so each
 * path says what it needs and nothing else is in the database.
 */
import type { UserEntity } from "../../src/entities";
import { toGlobalId } from "../../src/services/shared/ids";
import { mailbox, Mailbox } from "../helpers/mailbox";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, liveClient } from "../helpers/ws";

const id = (type: Parameters<typeof toGlobalId>[0], row: { id: number }) => toGlobalId(type, row.id);

describe("each feature end to end, on fixtures of its own", () => {
  let server: TestServer;
  let mail: Mailbox;
  let org: OrganizationSeed;
  let admin: UserEntity;
  let adminToken: string;

  beforeAll(async () => {
    mail = mailbox();
    server = await startTestServer({ env: { SEED_DEMO_DATA: "false" }, start: { mailTransport: mail.transport } });
    org = await seedOrganization(server.service.dataSource, "Woodgrove");
    admin = await org.user({ role: "GLOBAL_ADMIN", displayName: "Ada Admin" });
    adminToken = await org.token(admin);
  });

  afterAll(async () => {
    await server?.stop();
  });

  const gql = async (token: string, query: string, variables?: Record<string, unknown>) => {
    const res = await server.gql(token, query, variables);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };

  it("starts with nothing but what the test built", async () => {
    const data = await gql(adminToken, `{ products { id } users(first: 10) { totalCount } licenseRequests(first: 5) { totalCount } }`);
    expect(data).toEqual({ products: [], users: { totalCount: 1 }, licenseRequests: { totalCount: 0 } });
  });

  it("licenseRequests: submitted, seen live by the admin, approved through a group, recorded, mailed, held", async () => {
    const requester = await org.user({ displayName: "Rita Requester" });
    const colleague = await org.user({ displayName: "Carl Colleague" });
    const product = await org.product({ name: "Fabric Pro", total: 2 });
    const group = await org.group({ name: "Fabric users", licensedWith: [product] });
    const requesterToken = await org.token(requester);

    const live = liveClient(server.wsUrl, adminToken);
    const listening = server.service.services.tails.listenerCount();
    const submitted = live.subscribe(`subscription { licenseRequestSubmitted { id requester { displayName } } }`);
    await eventually(() => server.service.services.tails.listenerCount() > listening, 10_000, "the subscription listening");
    try {
      const created = await gql(
        requesterToken,
        `mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) { licenseRequest { id status } userErrors { code } } }`,
        { input: { productId: id("Product", product), additionalUserIds: [id("User", colleague)], justification: "Dashboards" } },
      );
      const requestId = created.submitLicenseRequest.licenseRequest.id as string;
      expect(created.submitLicenseRequest).toEqual({ licenseRequest: { id: requestId, status: "PENDING" }, userErrors: [] });
      expect((await submitted.nextData<{ licenseRequestSubmitted: unknown }>()).licenseRequestSubmitted).toEqual({
        id: requestId,
        requester: { displayName: "Rita Requester" },
      });

      const approved = await gql(
        adminToken,
        `mutation($input: ApproveLicenseRequestInput!) { approveLicenseRequest(input: $input) {
          licenseRequest { status history { action actor { displayName } group { name } } } userErrors { code } } }`,
        { input: { requestId, assignThrough: { groupId: id("Group", group) }, message: "Enjoy." } },
      );
      expect(approved.approveLicenseRequest).toEqual({
        licenseRequest: { status: "APPROVED", history: [{ action: "APPROVED", actor: { displayName: "Ada Admin" }, group: { name: "Fabric users" } }] },
        userErrors: [],
      });
    } finally {
      await live.dispose();
    }

    await eventually(() => mail.to(colleague.email).length > 0, 10_000, "the colleague's email");
    expect(mail.to(colleague.email)[0].text).toContain("You now have a license of Fabric Pro through the group Fabric users.");
    const mine = await gql(await org.token(colleague), `{ me { licenses { product { name } group { name } } } }`);
    expect(mine.me.licenses).toEqual([{ product: { name: "Fabric Pro" }, group: { name: "Fabric users" } }]);
    const pool = await gql(adminToken, `query($id: ID!) { product(id: $id) { availableLicenses } }`, { id: id("Product", product) });
    expect(pool.product.availableLicenses).toBe(0);
  });

  it("recommendations: shared, answered through the link, withdrawn", async () => {
    const requester = await org.user();
    const [asked, other] = [await org.user({ displayName: "Olga Opinion" }), await org.user()];
    const request = await org.request({ requester, product: await org.product(), requestedAt: server.clock.now() });
    const requestId = id("LicenseRequest", request);
    const since = mail.delivered.length;
    const shared = await gql(
      adminToken,
      `mutation($input: ShareLicenseRequestInput!) { shareLicenseRequest(input: $input) { shares { id sharedWith { displayName } } userErrors { code } } }`,
      { input: { requestId, userIds: [id("User", asked), id("User", other)] } },
    );
    expect(shared.shareLicenseRequest.shares.map((s: { sharedWith: { displayName: string } }) => s.sharedWith.displayName)).toContain("Olga Opinion");
    const token = await mail.linkTokenTo(asked.email, since);
    const recorded = await server.gql(
      null,
      `mutation($input: RecordRecommendationInput!) { recordRecommendation(input: $input) { recommendation { verdict } userErrors { code } } }`,
      { input: { shareToken: token, verdict: "APPROVE" } },
    );
    expect(recorded.body.data!.recordRecommendation).toEqual({ recommendation: { verdict: "APPROVE" }, userErrors: [] });
    const otherShare = shared.shareLicenseRequest.shares.find((s: { sharedWith: { displayName: string } }) => s.sharedWith.displayName !== "Olga Opinion");
    const revoked = await gql(
      adminToken,
      `mutation($input: RevokeLicenseRequestShareInput!) { revokeLicenseRequestShare(input: $input) { share { revokedAt } userErrors { code } } }`,
      { input: { shareId: otherShare.id } },
    );
    expect(revoked.revokeLicenseRequestShare.userErrors).toEqual([]);
    const seen = await gql(adminToken, `query($id: ID!) { licenseRequest(id: $id) { recommendations { by { displayName } verdict } history { action } } }`, {
      id: requestId,
    });
    expect(seen.licenseRequest).toEqual({
      recommendations: [{ by: { displayName: "Olga Opinion" }, verdict: "APPROVE" }],
      history: [{ action: "RECOMMENDED_APPROVAL" }],
    });
  });

  it("settings, users, groups and nodes: read and changed through the API, another organization's IDs naming nothing", async () => {
    const other = await seedOrganization(server.service.dataSource, "Contractors");
    const outsider = await other.user();
    const group = await org.group({ name: "Designers", members: [admin] });
    const updated = await gql(
      adminToken,
      `mutation { updateRequestProcessSettings(input: { useOwnRequestProcess: true, message: "Use the IT portal." }) { settings { useOwnRequestProcess message updatedBy { displayName } } userErrors { code } } }`,
    );
    expect(updated.updateRequestProcessSettings).toEqual({
      settings: { useOwnRequestProcess: true, message: "Use the IT portal.", updatedBy: { displayName: "Ada Admin" } },
      userErrors: [],
    });
    const read = await gql(
      adminToken,
      `query($search: String!, $ids: [ID!]!) { users(search: $search, first: 5) { nodes { displayName } } groups(search: "design", first: 5) { nodes { name memberCount } } nodes(ids: $ids) { id } }`,
      { search: "ada", ids: [id("Group", group), id("User", outsider)] },
    );
    expect(read).toEqual({
      users: { nodes: [{ displayName: "Ada Admin" }] },
      groups: { nodes: [{ name: "Designers", memberCount: 1 }] },
      nodes: [{ id: id("Group", group) }, null],
    });
    await gql(adminToken, `mutation { updateRequestProcessSettings(input: { useOwnRequestProcess: false }) { userErrors { code } } }`);
  });
});
