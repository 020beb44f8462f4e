/**
 * Invalid UTF-16 is refused, never altered (issue 10, point C): a lone
 * surrogate in any text input of any mutation (justification, decision
 * messages, the request-process message and link, the client's echo and
 * idempotency key) is an INVALID_INPUT user error on that field, and nothing
 * in the database changes. UTF-8 cannot carry a lone surrogate: the drivers
 * stored it, and emails carried it, as U+FFFD. Well-formed text outside the
 * Basic Multilingual Plane (surrogate pairs) is kept exactly.
 */
import { IsNull } from "typeorm";
import { allEntities, OutboxEmailEntity } from "../../src/entities";
import { requestsApi, RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually } from "../helpers/ws";

const ADMIN = "admin@contoso.example";
const ADELE = "adele@contoso.example";

describe("text inputs holding a lone UTF-16 surrogate", () => {
  let server: TestServer;
  let api: RequestsApi;
  let pending: string;

  /** Every row of every table, to prove that nothing changed. */
  const everything = async () => {
    const tables: Record<string, string[]> = {};
    for (const entity of allEntities) {
      const rows = await server.service.dataSource.getRepository(entity).find();
      tables[entity.name] = rows.map((row) => JSON.stringify(row)).sort();
    }
    return tables;
  };

  beforeAll(async () => {
    server = await startTestServer();
    api = requestsApi(server);
    pending = await api.submitted(ADELE, "VISIO_PLAN2");
    // Its notices are delivered (each delivery changes its outbox row) before any test takes its "before".
    const outbox = server.service.dataSource.getRepository(OutboxEmailEntity);
    await eventually(async () => (await outbox.countBy({ sentAt: IsNull() })) === 0, 10_000, "the notices delivered");
  });
  afterAll(async () => {
    await server.stop();
  });

  const cases: [string, () => Promise<Record<string, unknown>>, string[]][] = [
    [
      "a justification (a lone high surrogate)",
      () => api.submit(ADELE, "POWER_BI_PRO", [], { justification: "Reports for the board \ud800" }),
      ["input", "justification"],
    ],
    ["a justification (a lone low surrogate)", () => api.submit(ADELE, "POWER_BI_PRO", [], { justification: "\udfffReports" }), ["input", "justification"]],
    [
      "a justification (a pair the wrong way round)",
      () => api.submit(ADELE, "POWER_BI_PRO", [], { justification: "\ude00\ud83d" }),
      ["input", "justification"],
    ],
    ["an approval's message", () => api.approve(ADMIN, pending, { message: "Approved \ud83d" }), ["input", "message"]],
    ["a denial's message", () => api.deny(ADMIN, pending, { message: "\udc00 Denied" }), ["input", "message"]],
    ["the request-process message", () => api.settings(ADMIN, { useOwnRequestProcess: true, message: "Ask the service desk \ud800" }), ["input", "message"]],
    [
      "the request-process documentation link",
      () => api.settings(ADMIN, { useOwnRequestProcess: true, message: "Ask the service desk.", documentationUrl: "https://contoso.example/\udbff" }),
      ["input", "documentationUrl"],
    ],
    ["a cancellation's clientMutationId", () => api.cancel(ADELE, pending, { clientMutationId: "cancel-\ud800" }), ["input", "clientMutationId"]],
    ["an idempotency key", () => api.submit(ADELE, "POWER_BI_PRO", [], { idempotencyKey: "key-\udfff" }), ["input", "idempotencyKey"]],
  ];

  it.each(cases)("refuses %s with INVALID_INPUT on that field, and changes nothing", async (_what, send, field) => {
    const before = await everything();
    const payload = await send();
    expect(payload.userErrors).toEqual([{ code: "INVALID_INPUT", message: expect.stringMatching(/surrogate/), field }]);
    for (const object of ["licenseRequest", "settings", "ownRequestProcess"]) {
      if (object in payload) expect(payload[object]).toBeNull();
    }
    expect(await everything()).toEqual(before);
    expect((await api.read(ADMIN, pending))!.status).toBe("PENDING");
  });

  it("keeps well-formed text beyond the Basic Multilingual Plane exactly as sent", async () => {
    const justification = "Dashboards \ud83d\udcca for the launch \ud83d\ude80";
    const payload = await api.submit(ADELE, "POWER_BI_PRO", [], { justification });
    expect(payload.userErrors).toEqual([]);
    const id = payload.licenseRequest.id as string;
    const read = await server.gql(ADMIN, `query($id: ID!) { licenseRequest(id: $id) { justification } }`, { id });
    expect(read.body.data?.licenseRequest).toEqual({ justification });
    expect((await api.stored(id)).request.justification).toBe(justification);
    await api.cancel(ADELE, id);
  });
});
