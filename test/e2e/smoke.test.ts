import { startTestServer, TestServer } from "../helpers/server";

describe("a real server on port 0", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("answers `me` for a signed-in user with roles from the database", async () => {
    const res = await server.gql("admin@contoso.example", "{ me { displayName roles organization { name } } }");
    expect(res.status).toBe(200);
    expect(res.body.data?.me).toEqual({ displayName: "MOD Administrator", roles: ["USER", "GLOBAL_ADMIN"], organization: { name: "Contoso" } });
    expect(res.body.extensions?.requestId).toEqual(res.headers.get("x-request-id"));
  });

  it("refuses an operation without a token with UNAUTHENTICATED and HTTP 401", async () => {
    const res = await server.gql(null, "{ me { id } }");
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });
});
