/**
 * Authentication over HTTP: every missing, malformed, unsigned, badly signed,
 * expired or unknown-user token answers HTTP 401 with one UNAUTHENTICATED error
 * and nothing a caller could probe (no stack, no SQL, no reason); with a JWKS
 * configured, tokens of the key set's issuer for this audience are accepted.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, KeyLike, SignJWT } from "jose";
import { signToken } from "../../src/services/access/authentication";
import { toGlobalId } from "../../src/services/shared/ids";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { GraphQLResponse, startTestServer, TestServer } from "../helpers/server";

const ME = "{ me { email roles } }";
const encodeJson = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** POSTs `{ me }` with exactly these headers (besides content-type). */
async function postMe(server: TestServer, headers: Record<string, string>): Promise<GraphQLResponse & { text: string }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: ME }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as GraphQLResponse["body"], text };
}

/** The one shape every authentication failure has. */
function expectUnauthenticated(res: GraphQLResponse & { text: string }): void {
  expect(res.status).toBe(401);
  expect(res.body.data ?? null).toBeNull();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors![0].message).toBe("The bearer token is missing, malformed, expired or not valid here.");
  expect(res.body.errors![0].extensions?.code).toBe("UNAUTHENTICATED");
  expect(Object.keys(res.body.errors![0].extensions ?? {}).sort()).toEqual(["code"]);
  expect(res.text).not.toMatch(/stacktrace|\bat .+\(.+:\d+:\d+\)|SELECT|FROM\s|app_user|JWS|JWT[A-Z]\w+|signature|jose/i);
}

describe("authentication with an HS256 secret", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  const member = () => server.ids.userRow("adele@contoso.example");

  it("accepts a valid bearer token and reads roles from the database", async () => {
    const res = await postMe(server, { authorization: `Bearer ${await signToken(TEST_JWT_SECRET, member())}` });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ me: { email: "adele@contoso.example", roles: ["USER"] } });
  });

  it("refuses an operation without an Authorization header", async () => {
    const res = await postMe(server, {});
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    expect(res.text).not.toMatch(/stacktrace/);
  });

  it("refuses an expired token", async () => {
    expectUnauthenticated(await postMe(server, { authorization: `Bearer ${await signToken(TEST_JWT_SECRET, member(), { expiresIn: nowSeconds() - 60 })}` }));
  });

  it("refuses a token signed with a wrong secret", async () => {
    const token = await signToken("not-the-server-secret-not-the-server-secret", member());
    expectUnauthenticated(await postMe(server, { authorization: `Bearer ${token}` }));
  });

  it("refuses an unsigned token (alg: none) with a well-formed payload", async () => {
    const payload = {
      sub: toGlobalId("User", member().id),
      tid: toGlobalId("Organization", member().organizationId),
      exp: nowSeconds() + 3600,
    };
    const unsigned = `${encodeJson({ alg: "none", typ: "JWT" })}.${encodeJson(payload)}.`;
    expectUnauthenticated(await postMe(server, { authorization: `Bearer ${unsigned}` }));
  });

  it("refuses a correctly signed token of a user who does not exist", async () => {
    const token = await signToken(TEST_JWT_SECRET, { id: 987_654, organizationId: member().organizationId });
    expectUnauthenticated(await postMe(server, { authorization: `Bearer ${token}` }));
  });

  it("refuses a correctly signed token that puts a user in another organization", async () => {
    const fabrikam = server.ids.userRow("admin@fabrikam.example").organizationId;
    const token = await signToken(TEST_JWT_SECRET, { id: member().id, organizationId: fabrikam });
    expectUnauthenticated(await postMe(server, { authorization: `Bearer ${token}` }));
  });

  it.each([
    ["a Basic header", "Basic x"],
    ["Bearer with nothing after it", "Bearer"],
    ["Bearer with a blank token", "Bearer    "],
    ["a token that is not a JWT", "Bearer not-a-jwt"],
    ["two tokens", "Bearer a.b.c d.e.f"],
  ])("refuses %s", async (_what, authorization) => {
    expectUnauthenticated(await postMe(server, { authorization }));
  });

  it("refuses an oversized token without trying it", async () => {
    expectUnauthenticated(await postMe(server, { authorization: `Bearer ${"A".repeat(9000)}.b.c` }));
  });
});

describe("refused anonymous callers and their address's bucket", () => {
  let server: TestServer;
  beforeAll(async () => {
    // Production: an anonymous caller is refused before its document is read. A bucket of 110 points
    // regaining 1 a second holds eleven refusals of 10 (RATE_LIMIT_OPERATION_COST).
    server = await startTestServer({
      env: { NODE_ENV: "production", MAX_QUERY_COST: "100", MAX_SUBSCRIPTION_COST: "100", RATE_LIMIT_BUCKET_SIZE: "110", RATE_LIMIT_RESTORE_RATE: "1" },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  it("counts every 401 (no token, a bad or an expired one) against the address, then answers 429 RATE_LIMITED; a signed-in user is served", async () => {
    const member = server.ids.userRow("adele@contoso.example");
    const expired = await signToken(TEST_JWT_SECRET, member, { expiresIn: nowSeconds() - 60 });
    const attempts: Record<string, string>[] = [{}, { authorization: "Bearer not-a-jwt" }, { authorization: `Bearer ${expired}` }];
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await postMe(server, attempts[i % attempts.length]);
      statuses.push(res.status);
      if (res.status === 401) expect(res.body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    }
    expect(statuses).toEqual([...Array<number>(11).fill(401), 429]);

    for (const headers of attempts) {
      const res = await postMe(server, headers);
      expect(res.status).toBe(429);
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({
            code: "RATE_LIMITED",
            retryAfterSeconds: expect.any(Number),
            cost: { requestedQueryCost: 10, actualQueryCost: null, throttleStatus: expect.objectContaining({ maximumAvailable: 110, restoreRate: 1 }) },
          }),
        }),
      ]);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(res.text).not.toMatch(/stacktrace/);
    }
    // The page behind a shared link draws on the same bucket.
    expect((await fetch(`${server.url}/recommend?token=${"A".repeat(43)}`)).status).toBe(429);

    // A signed-in user at the same address has a bucket of their own.
    const signedIn = await postMe(server, { authorization: `Bearer ${await signToken(TEST_JWT_SECRET, member)}` });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.data).toEqual({ me: { email: "adele@contoso.example", roles: ["USER"] } });
  });
});

describe("authentication against a JWKS", () => {
  const ISSUER = "https://login.test.example/tenant/";
  const AUDIENCE = "api://license-requests";
  const kid = "signing-key";
  let jwksServer: http.Server;
  let server: TestServer;
  let privateKey: KeyLike;

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    const keys = [{ ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" }];
    jwksServer = http.createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/keys`;
    // JWT_SECRET and JWT_JWKS_URL exclude each other; an empty value unsets the test secret.
    server = await startTestServer({ env: { JWT_SECRET: "", JWT_JWKS_URL: jwksUrl, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
  });
  afterAll(async () => {
    await server?.stop();
    jwksServer.closeAllConnections();
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  const tokenFor = (email: string, overrides: { iss?: string; aud?: string } = {}) => {
    const user = server.ids.userRow(email);
    return new SignJWT({ tid: toGlobalId("Organization", user.organizationId) })
      .setProtectedHeader({ alg: "RS256", kid })
      .setSubject(toGlobalId("User", user.id))
      .setIssuer(overrides.iss ?? ISSUER)
      .setAudience(overrides.aud ?? AUDIENCE)
      .setExpirationTime("10m")
      .sign(privateKey);
  };

  it("accepts a token signed by the key set, from the issuer, for this audience", async () => {
    const res = await postMe(server, { authorization: `Bearer ${await tokenFor("admin@contoso.example")}` });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ me: { email: "admin@contoso.example", roles: ["USER", "GLOBAL_ADMIN"] } });
  });

  it("refuses a token from another issuer", async () => {
    expectUnauthenticated(await postMe(server, { authorization: `Bearer ${await tokenFor("admin@contoso.example", { iss: "https://evil.example/" })}` }));
  });

  it("refuses a token for another audience", async () => {
    expectUnauthenticated(await postMe(server, { authorization: `Bearer ${await tokenFor("admin@contoso.example", { aud: "api://other" })}` }));
  });

  it("refuses an HS256 token, even one signed with the development or test secret", async () => {
    expectUnauthenticated(
      await postMe(server, {
        authorization: `Bearer ${await signToken(TEST_JWT_SECRET, server.ids.userRow("admin@contoso.example"), { issuer: ISSUER, audience: AUDIENCE })}`,
      }),
    );
  });
});
