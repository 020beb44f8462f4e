/** An endpoint's signing secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks' libraries read it. Shown once, stored sealed. */
import { randomBytes } from "node:crypto";
import { ClientError } from "../shared/errors";
import { organizationContext, SecretBox } from "../shared/secretBox";

export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The secret sealed for the organization. @throws SERVICE_UNAVAILABLE when the server has no key to seal it with. */
export function sealSecret(secrets: SecretBox | null, organizationId: number, secret: string): string {
  if (!secrets) throw new ClientError("SERVICE_UNAVAILABLE", "Webhooks are not configured on this server (WEBHOOK_SECRET_KEY).");
  return secrets.seal(secret, organizationContext(organizationId));
}
