/**
 * The address rule at save time (api.md "Nothing missed"): the URL's host is
 * resolved and every address it resolves to must be public. The dispatcher
 * checks again at each connection (DNS may change after saving: rebinding).
 * Lifted, with the https rule, by WEBHOOK_ALLOW_PRIVATE.
 */
import { lookup } from "node:dns/promises";
import { userError, UserError } from "../shared/errors";
import { addressError, addressRefusal, literalAddress } from "./rules";

const LOOKUP_TIMEOUT_MS = 5_000;

/** Null when every address `url`'s host resolves to is public; else the user error naming why (on `field`). */
export async function checkAddresses(url: URL, field: string[]): Promise<UserError | null> {
  const literal = literalAddress(url.hostname);
  let addresses: string[];
  if (literal) {
    addresses = [literal];
  } else {
    let timer: NodeJS.Timeout | undefined;
    try {
      const found = await Promise.race([
        lookup(url.hostname, { all: true, verbatim: true }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timeout")), LOOKUP_TIMEOUT_MS);
        }),
      ]);
      addresses = found.map((a) => a.address);
    } catch {
      return userError("INVALID_INPUT", `The URL's host ${url.hostname} does not resolve.`, field);
    } finally {
      clearTimeout(timer);
    }
  }
  for (const address of addresses) {
    const refusal = addressRefusal(address);
    if (refusal) return addressError(address, refusal, field);
  }
  return addresses.length ? null : userError("INVALID_INPUT", `The URL's host ${url.hostname} does not resolve.`, field);
}
