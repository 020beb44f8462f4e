/**
 * The secret of a shared link: 32 random bytes (256 bits) as base64url (43
 * characters). Only its SHA-256 is stored with the share; the secret itself
 * exists in the email alone (in the outbox only until the email is sent).
 * Anything not shaped like a secret is refused before any lookup.
 */
import { createHash, randomBytes } from "node:crypto";

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newShareToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Whether `token` could be a secret this server made. */
export function isShareTokenShaped(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** What the database holds and looks the link up by: the hex SHA-256 of the secret. */
export function hashShareToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
