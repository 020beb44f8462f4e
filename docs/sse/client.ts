import { createClient } from "graphql-sse";

/** Shows new requests as they come, over Server-Sent Events; answers the function that stops it. */
export function followNewRequests(
  getToken: () => Promise<string>,
  addRow: (request: unknown) => void,
  showProblem: (problem: unknown) => void,
): () => void {
  const client = createClient({
    url: "https://licenses.contoso.com/graphql/stream", // distinct connections mode is the client's default
    // Called for every (re)connection, so a refreshed token is used.
    headers: async () => ({ authorization: `Bearer ${await getToken()}` }),
  });
  return client.subscribe<{ licenseRequestSubmitted: unknown }>(
    { query: "subscription { licenseRequestSubmitted { id status requester { displayName } } }" },
    {
      // A refusal in the stream (FORBIDDEN, QUERY_TOO_COMPLEX, UNAUTHENTICATED at expiry, …) arrives here as `errors`.
      next: (result) => (result.errors ? showProblem(result.errors) : addRow(result.data?.licenseRequestSubmitted)),
      // An HTTP refusal after the retries: a NetworkError whose `response` holds the status and the JSON errors.
      error: (error) => showProblem(error),
      complete: () => undefined,
    },
  );
}
