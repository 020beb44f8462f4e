/** An endpoint's URL as saved: its shape (rules.ts), then, unless WEBHOOK_ALLOW_PRIVATE, where its host resolves (addresses.ts). */
import type { UserError } from "../shared/errors";
import { checkAddresses } from "./addresses";
import { checkUrl } from "./rules";

export async function acceptableUrl(value: string, allowPrivate: boolean, field: string[]): Promise<{ url: string } | { error: UserError }> {
  const checked = checkUrl(value, allowPrivate, field);
  if ("error" in checked) return checked;
  if (!allowPrivate) {
    const refused = await checkAddresses(checked.url, field);
    if (refused) return { error: refused };
  }
  return { url: checked.url.toString() };
}
