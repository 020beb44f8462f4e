/**
 * Secrets the service must be able to use again, kept encrypted at rest: a
 * webhook endpoint's signing secret (HMAC-SHA256 needs the key itself, so it
 * cannot be kept as a hash as one-time secrets are). AES-256-GCM under a key
 * derived from the server's WEBHOOK_SECRET_KEY, bound to what it belongs to
 * (`context`, e.g. the organization), so a ciphertext copied to another row
 * or organization does not open. A database copy without the server key holds
 * nothing usable. Knows no feature.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";

export class SecretBox {
  private readonly key: Buffer;

  constructor(serverKey: string) {
    this.key = Buffer.from(hkdfSync("sha256", Buffer.from(serverKey, "utf8"), Buffer.alloc(0), "license-requests secret box v1", 32));
  }

  /** `v1.<iv>.<ciphertext>.<tag>` (base64url): what is stored. */
  seal(secret: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const sealed = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return [VERSION, iv.toString("base64url"), sealed.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
  }

  /** The secret `sealed` holds. @throws when it was sealed under another key or context, or altered. */
  open(sealed: string, context: string): string {
    const [version, iv, body, tag] = sealed.split(".");
    if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) throw new Error("not a sealed secret");
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }
}

/** What a secret owned by an organization is bound to. */
export const organizationContext = (organizationId: number): string => `organization:${organizationId}`;
