/**
 * The secret of a link that acts (a shared request's, a notice's decision
 * link): 32 random bytes (256 bits) as base64url (43 characters). Only its
 * SHA-256 is stored; the secret itself exists in the email alone (in the
 * outbox only until the email is sent: outbox.ts). Anything not shaped like a
 * secret is refused before any lookup.
 */
import { createHash, randomBytes } from "node:crypto";

const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newLinkSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Whether `secret` could be a secret this server made. */
export function isLinkSecretShaped(secret: string): boolean {
  return SECRET_PATTERN.test(secret);
}

/** What the database holds and looks the link up by: the hex SHA-256 of the secret. */
export function hashLinkSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
