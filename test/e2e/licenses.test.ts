/**
 * What the holder of a license sees of it (api.md's table): their own
 * licenses, each with the group it comes through (its ID and name, not its
 * members), as an admin sees it; nobody else of the organization sees them.
 */
import { seedOrganization } from "../helpers/seed";
import { startTestServer, TestServer } from "../helpers/server";
import { toGlobalId } from "../../src/services/shared/ids";

describe("a license held through a group", () => {
  let server: TestServer;
  let holder: string;
  let colleague: string;
  let admin: string;
  let groupId: string;

  beforeAll(async () => {
    server = await startTestServer();
    const org = await seedOrganization(server.service.dataSource, "Northwind");
    const adminRow = await org.user({ role: "GLOBAL_ADMIN" });
    const holderRow = await org.user({ displayName: "Holder" });
    const product = await org.product({ total: 5 });
    const group = await org.group({ name: "Designers", licensedWith: [product] });
    groupId = toGlobalId("Group", group.id);
    [admin, holder, colleague] = await Promise.all([org.token(adminRow), org.token(holderRow), org.token(await org.user())]);
    const request = await org.request({ requester: holderRow, product, requestedAt: server.clock.now() });
    const approved = await server.gql(
      admin,
      `mutation($id: ID!, $group: ID!) { approveLicenseRequest(input: { requestId: $id, assignThrough: { groupId: $group } }) { userErrors { message } } }`,
      { id: toGlobalId("LicenseRequest", request.id), group: groupId },
    );
    expect(approved.body.data!.approveLicenseRequest.userErrors).toEqual([]);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("names the group to its holder, without its members", async () => {
    const mine = await server.gql(holder, `{ me { licenses { group { id name memberCount members(first: 5) { totalCount } } } } }`);
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data!.me.licenses).toEqual([{ group: { id: groupId, name: "Designers", memberCount: 1, members: null } }]);
  });

  it("shows an admin the same group, members and all", async () => {
    const seen = await server.gql(
      admin,
      `{ licenseRequests(first: 5) { nodes { recipients { assignment { group { id name members(first: 5) { totalCount } } } } } } }`,
    );
    expect(seen.body.data!.licenseRequests.nodes[0].recipients[0].assignment.group).toEqual({ id: groupId, name: "Designers", members: { totalCount: 1 } });
  });

  it("shows nothing of it to a colleague", async () => {
    const holderId = (await server.gql(holder, `{ me { id } }`)).body.data!.me.id;
    const seen = await server.gql(colleague, `query($id: ID!) { node(id: $id) { ... on User { licenses { id } } } }`, { id: holderId });
    expect(seen.body.data!.node).toEqual({ licenses: null });
  });
});
