// @ts-check
/**
 * Idempotency keys of the page's forms (api.md "Idempotency"). A key names one
 * attempt, not one click: it is made when the form's current choices are first
 * sent and reused by every retry of them until the API answers (done, or
 * userErrors, after which nothing changed). A changed choice starts a new
 * attempt. So a click retried after a lost answer, a 5xx or no connection
 * cannot act twice when the first call did reach the server. decision.js does
 * the same for the decisions of the details pane.
 */

/** 32 hex characters from the platform's random source (crypto.randomUUID needs a secure context, which plain http on a LAN address is not). */
export function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The key of one attempt: the same on every call of `current` until `reset`. */
export class AttemptKey {
  /** @type {string | null} */
  #key = null;

  current() {
    return (this.#key ??= randomKey());
  }

  /** Call when the choices changed or the API answered: the next send is a new attempt. */
  reset() {
    this.#key = null;
  }
}
