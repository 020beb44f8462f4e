/**
 * The types of ./client.js as the page imports it: the server answers
 * /requests/vendor/graphql-ws/client.js with the installed graphql-ws's
 * dist/client.js (src/server/requestsPage.ts), whose types these are. Read only
 * by the page's type check (tsconfig.page.json); the server never serves this
 * file, since its vendor route answers the package's own .js files alone.
 */
export * from "graphql-ws/client";
