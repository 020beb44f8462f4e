/**
 * Webhooks' rules (api.md "Nothing missed"), pure: what an endpoint's URL may
 * be, how its kinds are stored, which entries are ever delivered, and when a
 * failed delivery is tried again. The address rule is judged here on
 * addresses the caller resolved (services/webhooks/addresses.ts at save time);
 * the dispatcher applies the same ranges at connect time
 * (request-filtering-agent, which classifies with the same library).
 */
import ipaddr from "ipaddr.js";
import { ACTIVITY_KINDS, ActivityKindValue, StoredActivityKindValue } from "../../values";
import { userError, UserError } from "../shared/errors";

export const MAX_ENDPOINTS = 10;
export const MAX_URL_LENGTH = 2_000;
export const MAX_DESCRIPTION_LENGTH = 500;
/** Without a 2xx for this long while its deliveries keep failing, an endpoint is disabled. */
export const FAILING_DISABLES_AFTER_MS = 3 * 86_400_000;
/** The most of a receiver's answer the dispatcher reads before it drops the connection. */
export const MAX_RESPONSE_BYTES = 4_096;

/** The bit of a public kind; null for the internal ones (SHARED, SHARE_REVOKED), which are never delivered. */
export function kindBit(kind: StoredActivityKindValue): number | null {
  const index = (ACTIVITY_KINDS as readonly string[]).indexOf(kind);
  return index < 0 ? null : 1 << index;
}

/** The stored mask of `kinds`: duplicates count once; none (or an empty list) is 0, every kind. */
export function kindsMask(kinds: readonly ActivityKindValue[] | null | undefined): number {
  return (kinds ?? []).reduce((mask, kind) => mask | (kindBit(kind) ?? 0), 0);
}

/** The kinds a mask stands for, in the vocabulary's order; empty for 0 (every kind). */
export function kindsOf(mask: number): ActivityKindValue[] {
  return ACTIVITY_KINDS.filter((_, index) => (mask & (1 << index)) !== 0);
}

/** Standard Webhooks' `type` of an entry: `license_request.<kind in lower case>`. */
export const eventType = (kind: ActivityKindValue): string => `license_request.${kind.toLowerCase()}`;

const ADDRESS_RANGES: Record<string, string> = {
  private: "a private address",
  loopback: "a loopback address",
  linkLocal: "a link-local address",
  uniqueLocal: "a unique-local address",
  multicast: "a multicast address",
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  carrierGradeNat: "a shared (carrier-grade NAT) address",
};

/** Why a connection to `address` is refused (e.g. "a loopback address"); null for a public unicast address. */
export function addressRefusal(address: string): string | null {
  if (!ipaddr.isValid(address)) return "an address that is not an IP address";
  const range = ipaddr.process(address).range();
  if (range === "unicast") return null;
  return ADDRESS_RANGES[range] ?? "a reserved address";
}

/** The URL's host as an IP address when it is one (IPv6 without its brackets), else null. */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) && (bare.includes(":") || ipaddr.IPv4.isValidFourPartDecimal(bare)) ? bare : null;
}

/**
 * The URL's shape, before any address is resolved: at most MAX_URL_LENGTH
 * characters, absolute, https (http too when `allowPrivate`), with a host and
 * no credentials. Answers the parsed URL, or the user error naming why not
 * (`field` is the input's path to it).
 */
export function checkUrl(value: string, allowPrivate: boolean, field: string[]): { url: URL } | { error: UserError } {
  const refuse = (why: string) => ({ error: userError("INVALID_INPUT", why, field) });
  if (value.length > MAX_URL_LENGTH) return refuse(`The URL is at most ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return refuse("The URL must be an absolute https URL, e.g. https://hooks.example.com/licenses.");
  }
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    return refuse(allowPrivate ? "The URL must be http or https." : "The URL must be https.");
  }
  if (!url.hostname) return refuse("The URL must name a host.");
  if (url.username || url.password) return refuse("The URL must not carry credentials; the signature authenticates each delivery.");
  if (url.hash) return refuse("The URL must not have a fragment (#…).");
  return { url };
}

/** The refusal of a URL whose host resolves to `address`, in `refusal`'s range. */
export const addressError = (address: string, refusal: string, field: string[]): UserError =>
  userError("INVALID_INPUT", `The URL resolves to ${refusal} (${address}); webhooks go to public addresses only.`, field);

/** The bounds of a description: at most MAX_DESCRIPTION_LENGTH characters; blank is none. */
export function checkDescription(value: string | null | undefined, field: string[]): { description: string | null | undefined } | { error: UserError } {
  if (value === undefined) return { description: undefined };
  if (value === null) return { description: null };
  if (value.length > MAX_DESCRIPTION_LENGTH)
    return { error: userError("INVALID_INPUT", `The description is at most ${MAX_DESCRIPTION_LENGTH} characters.`, field) };
  return { description: value.trim() || null };
}
