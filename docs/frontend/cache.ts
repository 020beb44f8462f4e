import { InMemoryCache } from "@apollo/client";
import { relayStylePagination } from "@apollo/client/utilities";

/**
 * The cache this schema needs. Every entity implements Node and has a global
 * `id`, so the default identity (`__typename` + `id`) normalizes them all;
 * the types without an id are connections, edges and PageInfo (merged by
 * relayStylePagination), mutation payloads, UserError, and
 * LicenseRequestRecipient, which has no identity of its own and lives inside
 * its request (`keyFields: false` says so).
 */
export function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          // One list per filter and order; pages with `after` are appended.
          licenseRequests: relayStylePagination(["filter", "orderBy"]),
          // One list per search text (the people picker).
          users: relayStylePagination(["search"]),
          // The organization's decision history: one list.
          licenseRequestDecisions: relayStylePagination(),
        },
      },
      LicenseRequestRecipient: { keyFields: false },
    },
  });
}
