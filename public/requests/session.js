// @ts-check
/**
 * Where the page's bearer token comes from. The page holds no secret of its
 * own: a token typed into the page is kept in sessionStorage (this tab only,
 * never in a URL); in development the server hands out the demo admin's token
 * at /requests/dev-token, or a demo user's with ?email= (404 in production,
 * and then the page asks).
 */

const TOKEN_KEY = "licenseRequests.token";

/** The token typed into this tab earlier, if any. */
function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** @param {string} token a token the API accepted */
export function storeToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * The token as pasted: trimmed, without a leading "Bearer " (people copy whole headers).
 * @param {string} text
 */
export function tokenFromInput(text) {
  return text.trim().replace(/^Bearer\s+/i, "");
}

/**
 * The demo admin's token from the development server, or with `email` that
 * demo user's; null in production, for no demo user, or when the server is unreachable.
 * @param {string} [email]
 * @returns {Promise<string | null>}
 */
async function developmentToken(email) {
  try {
    const query = email ? `?email=${encodeURIComponent(email)}` : "";
    const response = await fetch(`/requests/dev-token${query}`, { headers: { accept: "application/json" } });
    if (!response.ok) return null;
    /** @type {{ token?: unknown }} */
    const body = await response.json();
    return typeof body.token === "string" ? body.token : null;
  } catch {
    return null;
  }
}

/** The demo user the page's address names (`?as=`, development only), if any. */
function demoUser() {
  return new URLSearchParams(location.search).get("as");
}

/**
 * `path` as a link from this page: it keeps `?as=` so the other page signs in
 * as the same demo user (without it, development would sign in as the demo admin).
 * @param {string} path
 */
export function keepingDemoUser(path) {
  const as = demoUser();
  return as ? `${path}?as=${encodeURIComponent(as)}` : path;
}

/**
 * Signs the page in as it opens: as the demo user `?as=` names (development
 * only), else with the token typed into this tab earlier, else as the demo
 * admin (development only); otherwise it shows the token form.
 * @param {(token: string, options: { typed: boolean }) => unknown} signIn
 * @param {(reason: string | null) => unknown} signOut
 */
export async function openSession(signIn, signOut) {
  const as = demoUser();
  if (as) {
    const token = await developmentToken(as);
    return token ? signIn(token, { typed: false }) : signOut(`No development token for ${as}: sign in with a token.`);
  }
  const stored = storedToken();
  if (stored) return signIn(stored, { typed: true });
  const token = await developmentToken();
  return token ? signIn(token, { typed: false }) : signOut(null);
}
