// @ts-check
/**
 * What the page does with a failed call it cannot handle where it happened:
 * a refused token ends the session (the handler app.js registers sends the
 * person back to the token form); anything else is shown in the alert line.
 */
import { isTokenRefused } from "./api.js";
import { showNotice } from "./dom.js";

export const TOKEN_REFUSED = "The token was refused (missing, expired or not valid here). Paste another one.";

/** @type {(reason: string) => void} */
let onTokenRefused = showNotice;

/**
 * Registers what ends the session when the API refuses the token.
 * @param {(reason: string) => void} handler
 */
export function whenTokenRefused(handler) {
  onTokenRefused = handler;
}

/**
 * Reports `error`: ends the session on a refused token, else shows its message.
 * @param {unknown} error
 */
export function failed(error) {
  if (isTokenRefused(error)) onTokenRefused(TOKEN_REFUSED);
  else showNotice(error instanceof Error ? error.message : String(error));
}
