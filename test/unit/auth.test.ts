/**
 * Bearer-token authentication (src/services/access/authentication.ts): HS256 with a secret or
 * asymmetric keys from a JWKS, algorithms pinned, `sub`/`tid`/`exp` required,
 * the user read from the database. Every failure is an AuthenticationError.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, JWK, KeyLike, SignJWT } from "jose";
import type { DataSource } from "typeorm";
import type { UserEntity } from "../../src/entities";
import { AuthenticationError, Authenticator, signToken } from "../../src/services/access/authentication";
import { toGlobalId } from "../../src/services/shared/ids";

const SECRET = "unit-test-secret-unit-test-secret-0123456789";
const ISSUER = "https://login.test.example/";
const AUDIENCE = "license-requests-api";

const admin = { id: 1, organizationId: 10, role: "GLOBAL_ADMIN", email: "admin@contoso.example" } as UserEntity;
const member = { id: 2, organizationId: 10, role: "USER", email: "adele@contoso.example" } as UserEntity;
const stranger = { id: 404, organizationId: 10 } as UserEntity;

/**
 * A DataSource whose app_user table holds `users` and nobody decides by approver
 * rows or delegation: it answers the statements the authenticator runs (a user
 * by id, with whether they may hold rights besides their role).
 */
function dataSourceWith(users: UserEntity[]): DataSource {
  const byId = new Map(users.map((u) => [u.id, u]));
  return {
    query: async (sql: string, parameters: number[]) => {
      expect(sql).toMatch(/FROM `app_user` (u )?WHERE (u\.)?`id` = \?$/);
      const user = byId.get(parameters.at(-1) ?? -1);
      return user ? [{ ...user, displayName: user.displayName ?? "Someone", mayHoldRights: 0 }] : [];
    },
  } as unknown as DataSource;
}

const encodeJson = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims of a well-formed token for `user`. */
const claimsOf = (user: Pick<UserEntity, "id" | "organizationId">) => ({
  sub: toGlobalId("User", user.id),
  tid: toGlobalId("Organization", user.organizationId),
  exp: nowSeconds() + 3600,
});

async function hs256(claims: Record<string, unknown>, secret = SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));
}

async function rejects(authenticator: Authenticator, token: string): Promise<void> {
  await expect(authenticator.authenticate(token, new Date())).rejects.toBeInstanceOf(AuthenticationError);
}

describe("Authenticator with an HS256 secret", () => {
  const authenticator = new Authenticator(dataSourceWith([admin, member]), { secret: SECRET });

  it("accepts a token signed with the secret, with roles from the database", async () => {
    const viewer = await authenticator.authenticate(await signToken(SECRET, admin), new Date());
    expect(viewer).toMatchObject({ userId: 1, organizationId: 10, isGlobalAdmin: true, user: admin });
    expect(viewer.tokenExpiresAt).toBeInstanceOf(Date);
    expect((await authenticator.authenticate(await signToken(SECRET, member), new Date())).isGlobalAdmin).toBe(false);
  });

  it("reads the token from an Authorization header, case-insensitively, and gives null without one", async () => {
    const token = await signToken(SECRET, member);
    await expect(authenticator.authenticateHeader(`Bearer ${token}`, new Date())).resolves.toMatchObject({ userId: 2 });
    await expect(authenticator.authenticateHeader(`bearer  ${token} `, new Date())).resolves.toMatchObject({ userId: 2 });
    await expect(authenticator.authenticateHeader(undefined, new Date())).resolves.toBeNull();
    await expect(authenticator.authenticateHeader("", new Date())).resolves.toBeNull();
  });

  it.each([
    ["a Basic header", "Basic dXNlcjpwYXNz"],
    ["Bearer with nothing after it", "Bearer"],
    ["Bearer with only spaces", "Bearer   "],
    ["two tokens", "Bearer a.b.c d.e.f"],
    ["a bare token without the scheme", "a.b.c"],
  ])("refuses %s", async (_what, header) => {
    await expect(authenticator.authenticateHeader(header, new Date())).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("refuses a header that is not a string (repeated headers)", async () => {
    await expect(authenticator.authenticateHeader(["Bearer a.b.c", "Bearer d.e.f"], new Date())).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("refuses an expired token", async () => {
    await rejects(authenticator, await signToken(SECRET, member, { expiresIn: nowSeconds() - 60 }));
  });

  it("refuses a token signed with another secret", async () => {
    await rejects(authenticator, await signToken("another-secret-another-secret-0123456789", member));
  });

  it("refuses an unsigned token (alg: none)", async () => {
    const unsigned = `${encodeJson({ alg: "none", typ: "JWT" })}.${encodeJson(claimsOf(member))}.`;
    await rejects(authenticator, unsigned);
  });

  it("refuses a valid token whose signature was altered", async () => {
    const token = await signToken(SECRET, member);
    const [header, payload, signature] = token.split(".");
    const altered = `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
    await rejects(authenticator, `${header}.${payload}.${altered}`);
  });

  it("refuses a token whose payload was swapped for another user's", async () => {
    const [header, , signature] = (await signToken(SECRET, member)).split(".");
    await rejects(authenticator, `${header}.${encodeJson(claimsOf(admin))}.${signature}`);
  });

  it("refuses a correctly signed token of a user not in the database", async () => {
    await rejects(authenticator, await signToken(SECRET, stranger));
  });

  it("refuses a token whose organization is not the user's", async () => {
    await rejects(authenticator, await hs256({ ...claimsOf(member), tid: toGlobalId("Organization", 11) }));
  });

  it.each(["sub", "tid", "exp"])("refuses a correctly signed token without `%s`", async (claim) => {
    const claims: Record<string, unknown> = claimsOf(member);
    delete claims[claim];
    await rejects(authenticator, await hs256(claims));
  });

  it("refuses a `sub` that is not a user ID", async () => {
    await rejects(authenticator, await hs256({ ...claimsOf(member), sub: toGlobalId("Product", 2) }));
    await rejects(authenticator, await hs256({ ...claimsOf(member), sub: "2" }));
  });

  it("refuses garbage and oversized tokens", async () => {
    await rejects(authenticator, "not-a-jwt");
    await rejects(authenticator, "a.b.c");
    await rejects(authenticator, `${await signToken(SECRET, member)}${"A".repeat(9000)}`);
  });

  it("checks issuer and audience when they are configured", async () => {
    const strict = new Authenticator(dataSourceWith([member]), { secret: SECRET, issuer: ISSUER, audience: AUDIENCE });
    await expect(strict.authenticate(await signToken(SECRET, member, { issuer: ISSUER, audience: AUDIENCE }), new Date())).resolves.toMatchObject({
      userId: 2,
    });
    await rejects(strict, await signToken(SECRET, member));
    await rejects(strict, await signToken(SECRET, member, { issuer: "https://elsewhere.example/", audience: AUDIENCE }));
    await rejects(strict, await signToken(SECRET, member, { issuer: ISSUER, audience: "another-api" }));
  });

  it("needs a secret or a JWKS URL", () => {
    expect(() => new Authenticator(dataSourceWith([]), {})).toThrow("Authenticator needs a secret or a JWKS URL");
  });
});

describe("Authenticator.refresh", () => {
  const promoted = { ...member, role: "GLOBAL_ADMIN" } as UserEntity;

  it("re-reads the user's roles while the token is valid", async () => {
    const viewer = await new Authenticator(dataSourceWith([member]), { secret: SECRET }).authenticate(await signToken(SECRET, member), new Date());
    const refreshed = await new Authenticator(dataSourceWith([promoted]), { secret: SECRET }).refresh(viewer, new Date());
    expect(refreshed).toMatchObject({ userId: 2, isGlobalAdmin: true });
  });

  it("ends the viewer at the token's expiry, and when the user is gone", async () => {
    const authenticator = new Authenticator(dataSourceWith([member]), { secret: SECRET });
    const viewer = await authenticator.authenticate(await signToken(SECRET, member), new Date());
    expect(await authenticator.refresh(viewer, new Date(viewer.tokenExpiresAt!.getTime() - 1000))).not.toBeNull();
    expect(await authenticator.refresh(viewer, viewer.tokenExpiresAt!)).toBeNull();
    expect(await new Authenticator(dataSourceWith([]), { secret: SECRET }).refresh(viewer, new Date())).toBeNull();
  });
});

describe("Authenticator with a JWKS", () => {
  let jwksServer: http.Server;
  let jwksUrl: string;
  let privateKey: KeyLike;
  let foreignKey: KeyLike;
  const kid = "test-key-1";

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    foreignKey = (await generateKeyPair("RS256")).privateKey;
    const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" };
    jwksServer = http.createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    // fetch keeps the connection alive; close it so the server can stop.
    jwksServer.closeAllConnections();
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  const rs256 = (claims: Record<string, unknown>, key: KeyLike = privateKey) => new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid }).sign(key);
  const goodClaims = () => ({ ...claimsOf(member), iss: ISSUER, aud: AUDIENCE });
  const jwksAuthenticator = () => new Authenticator(dataSourceWith([member]), { jwksUrl, issuer: ISSUER, audience: AUDIENCE });

  it("accepts a token signed with a key of the set, from the configured issuer for the configured audience", async () => {
    await expect(jwksAuthenticator().authenticate(await rs256(goodClaims()), new Date())).resolves.toMatchObject({ userId: 2, organizationId: 10 });
  });

  it("refuses a token from another issuer", async () => {
    await rejects(jwksAuthenticator(), await rs256({ ...goodClaims(), iss: "https://evil.example/" }));
  });

  it("refuses a token for another audience", async () => {
    await rejects(jwksAuthenticator(), await rs256({ ...goodClaims(), aud: "some-other-api" }));
  });

  it("refuses a token signed with a key that is not in the set", async () => {
    await rejects(jwksAuthenticator(), await rs256(goodClaims(), foreignKey));
  });

  it("refuses an HS256 token, even one signed with the secret a secret-mode server would use", async () => {
    await rejects(jwksAuthenticator(), await hs256(goodClaims()));
  });

  it("refuses an unsigned token", async () => {
    await rejects(jwksAuthenticator(), `${encodeJson({ alg: "none", kid })}.${encodeJson(goodClaims())}.`);
  });

  it("refuses an expired token", async () => {
    await rejects(jwksAuthenticator(), await rs256({ ...goodClaims(), exp: nowSeconds() - 60 }));
  });
});
