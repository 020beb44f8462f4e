/**
 * Bearer-token authentication (api.md "Who may do what"). Tokens are JWTs with
 * `sub` (the user's global ID), `tid` (the organization's global ID) and `exp`,
 * verified with an HS256 secret or against a JWKS; algorithms are pinned. Roles
 * come from the database. Every failure is the same `AuthenticationError`, with
 * no detail a caller could probe.
 */
import { createRemoteJWKSet, JWTPayload, jwtVerify, SignJWT } from "jose";
import { LRUCache } from "lru-cache";
import { DataSource } from "typeorm";
import type { UserEntity } from "../../entities";
import { flag, rows } from "../shared/rows";
import { userRow } from "../users/loaders";
import { localIdOf, toGlobalId } from "../shared/ids";
import { DecisionRights, isAdminRole, NO_RIGHTS, ROLE_RIGHTS, viewerOf, Viewer } from "../shared/viewer";
import { mayHoldRightsColumn, readDecisionRights } from "./rights";

export class AuthenticationError extends Error {
  override readonly name = "AuthenticationError";
}

/** What a verified token says: who, of which organization, until when. */
export interface TokenClaims {
  userId: number;
  organizationId: number;
  expiresAt: Date | null;
}

export interface AuthConfig {
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/** Characters of verified tokens kept with their claims (the most recently used). */
const VERIFIED_TOKENS_MAX_CHARS = 8 * 1024 * 1024;

const ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
const MAX_TOKEN_LENGTH = 8192;

export class Authenticator {
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet> | undefined;
  private readonly secret?: Uint8Array | undefined;
  /**
   * Tokens already verified, with their claims and when they stop being valid:
   * a client sends the same token with every operation, and checking its
   * signature again each time cost more than reading the viewer. A token is
   * taken from here only within its validity (`exp`, `nbf`), as jose checks it.
   */
  private readonly verified = new LRUCache<string, { claims: TokenClaims; notBefore: number; expiresAt: number }>({
    maxSize: VERIFIED_TOKENS_MAX_CHARS,
    sizeCalculation: (_value, token) => token.length,
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AuthConfig,
  ) {
    if (config.jwksUrl) this.jwks = createRemoteJWKSet(new URL(config.jwksUrl));
    else if (config.secret) this.secret = new TextEncoder().encode(config.secret);
    else throw new Error("Authenticator needs a secret or a JWKS URL");
  }

  /** Reads "Bearer <token>"; null when the header is absent. */
  static bearerToken(header: unknown): string | null | undefined {
    if (header === undefined || header === null || header === "") return null;
    if (typeof header !== "string") return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1] : undefined;
  }

  /**
   * The viewer for an Authorization header value.
   * @returns null when no header was given.
   * @throws AuthenticationError for a malformed, bad, expired or unknown-user token.
   */
  async authenticateHeader(header: unknown, now: Date): Promise<Viewer | null> {
    const claims = await this.verifyHeader(header);
    return claims ? this.viewerFor(claims, now) : null;
  }

  async authenticate(token: string, now: Date): Promise<Viewer> {
    return this.viewerFor(await this.verify(token), now);
  }

  /**
   * Checks an Authorization header's token without reading the database (so
   * rate limits can be applied before any query runs).
   * @returns null when no header was given.
   * @throws AuthenticationError for a malformed, bad or expired token.
   */
  async verifyHeader(header: unknown): Promise<TokenClaims | null> {
    const token = Authenticator.bearerToken(header);
    if (token === null) return null;
    if (token === undefined) throw new AuthenticationError("malformed authorization header");
    return this.verify(token);
  }

  /** @throws AuthenticationError for a bad or expired token, or claims that name nothing. */
  async verify(token: string): Promise<TokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthenticationError("token too long");
    const known = this.verified.get(token);
    if (known) {
      const now = Date.now();
      if (now >= known.notBefore && now < known.expiresAt) return known.claims;
      this.verified.delete(token);
    }
    let payload: JWTPayload;
    try {
      const options = {
        requiredClaims: ["exp", "sub", "tid"],
        ...(this.config.issuer ? { issuer: this.config.issuer } : {}),
        ...(this.config.audience ? { audience: this.config.audience } : {}),
      };
      payload = this.jwks
        ? (await jwtVerify(token, this.jwks, { ...options, algorithms: ASYMMETRIC_ALGORITHMS })).payload
        : (await jwtVerify(token, this.secret!, { ...options, algorithms: ["HS256"] })).payload;
    } catch {
      throw new AuthenticationError("token rejected");
    }
    const userId = typeof payload.sub === "string" ? localIdOf(payload.sub, "User") : null;
    const organizationId = typeof payload["tid"] === "string" ? localIdOf(payload["tid"], "Organization") : null;
    if (userId === null || organizationId === null) throw new AuthenticationError("token claims rejected");
    const claims = { userId, organizationId, expiresAt: payload.exp ? new Date(payload.exp * 1000) : null };
    // exp is a required claim; jose refuses a token at or after it, and before nbf.
    this.verified.set(token, { claims, notBefore: (payload.nbf ?? 0) * 1000, expiresAt: (payload.exp ?? 0) * 1000 });
    return claims;
  }

  /** The viewer the verified claims name, roles and rights read now. @throws AuthenticationError when the user is gone or moved. */
  async viewerFor(claims: TokenClaims, now: Date): Promise<Viewer> {
    const viewer = await this.readViewer(claims.userId, claims.organizationId, claims.expiresAt, now);
    if (!viewer) throw new AuthenticationError("unknown user");
    return viewer;
  }

  /** The viewer of a user of an organization, read now; null when the user is gone or moved. */
  private async readViewer(userId: number, organizationId: number, tokenExpiresAt: Date | null, now: Date): Promise<Viewer | null> {
    const found = await this.userWithRightsHint(userId, now);
    if (!found || found.user.organizationId !== organizationId) return null;
    // Most people decide nothing: their rights cost no second statement.
    return viewerOf(found.user, tokenExpiresAt, found.mayHoldRights ? await this.rightsOf(found.user, now) : undefined);
  }

  /**
   * The user, and whether they may hold a decision right besides their role
   * (an approver row, or a delegation to them open at `now`), in one
   * statement: the rights themselves are read only when they may exist.
   */
  private async userWithRightsHint(userId: number, now: Date): Promise<{ user: UserEntity; mayHoldRights: boolean } | null> {
    const hint = mayHoldRightsColumn(now);
    const [found] = await rows(
      this.dataSource,
      `SELECT ${userRow.qualified("u")}, ${hint.sql} AS mayHoldRights FROM \`app_user\` u WHERE u.\`id\` = ?`,
      [...hint.parameters, userId],
      (row) => ({ user: userRow.map(row), mayHoldRights: flag(row["mayHoldRights"]) }),
    );
    return found ?? null;
  }

  /** A person's decision rights at `now` (an admin role's follow from the role: no statement). */
  async rightsOf(user: UserEntity, now: Date): Promise<DecisionRights> {
    if (isAdminRole(user.role)) return ROLE_RIGHTS;
    const [rights = NO_RIGHTS] = await readDecisionRights(this.dataSource, user.organizationId, [user], now);
    return rights;
  }

  /**
   * Re-reads the viewer's user and rights (roles, approvers and delegations may
   * have changed); null when the user or token is no longer valid. `load`, when
   * given, reads them (loaders scoped to the viewer's organization, shared by
   * the subscribers of one event).
   */
  async refresh(
    viewer: Viewer,
    now: Date,
    load?: { user: (userId: number) => Promise<UserEntity | null>; rights: (user: UserEntity) => Promise<DecisionRights> },
  ): Promise<Viewer | null> {
    if (viewer.tokenExpiresAt && viewer.tokenExpiresAt.getTime() <= now.getTime()) return null;
    if (!load) return this.readViewer(viewer.userId, viewer.organizationId, viewer.tokenExpiresAt, now);
    const user = await load.user(viewer.userId);
    if (!user || user.organizationId !== viewer.organizationId) return null;
    return viewerOf(user, viewer.tokenExpiresAt, await load.rights(user));
  }
}

/** Signs an HS256 token for a user (development tooling and tests). */
export async function signToken(
  secret: string,
  user: Pick<UserEntity, "id" | "organizationId">,
  options: { expiresIn?: string | number | undefined; issuer?: string | undefined; audience?: string | undefined } = {},
): Promise<string> {
  let jwt = new SignJWT({ tid: toGlobalId("Organization", user.organizationId) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(toGlobalId("User", user.id))
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "12h");
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
