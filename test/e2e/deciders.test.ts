/**
 * Who decides (api.md "Who decides"), over real HTTP against a real server:
 * setProductApprovers, delegateApprovals, cancelApprovalDelegation,
 * approvalDelegations, `me { permissions }`, Product.approvers, the request
 * lifetime, decisions by approvers and delegates (decidedOnBehalfOf, the
 * history entry and the recipients' email naming both, decisionChannel), and
 * bad input of every kind. Each refusal is checked to have changed nothing
 * (the stored rows, the lists), and no answer is ever an internal error.
 * Each test builds its own organization (no demo data); time moves on the
 * server's manual clock.
 *
 * Last, on MariaDB in every run (MYSQL_TEST_URL): two delegations asked at
 * once for the same person and window make exactly one.
 */
import type { DataSource } from "typeorm";
import { ApprovalDelegationEntity, ProductApproverEntity, ProductEntity, UserEntity } from "../../src/entities";
import { DAY_MS } from "../../src/services/shared/clock";
import { toGlobalId } from "../../src/services/shared/ids";
import { createMysqlDatabase, MYSQL_TEST_URL, TestDatabase } from "../helpers/database";
import { Mailbox, mailbox } from "../helpers/mailbox";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";
import { GraphQLResponse, startTestServer, TestServer } from "../helpers/server";
import { eventually, liveClient, LiveClient } from "../helpers/ws";

jest.setTimeout(60_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let server: TestServer;
let ds: DataSource;
let mail: Mailbox;

beforeAll(async () => {
  mail = mailbox();
  server = await startTestServer({ env: { SEED_DEMO_DATA: "false" }, start: { mailTransport: mail.transport } });
  ds = server.service.dataSource;
});

afterAll(async () => {
  await server?.stop();
});

const gid = (type: "User" | "Product" | "ApprovalDelegation" | "LicenseRequest", row: { id: number }) => toGlobalId(type, row.id);
const now = () => server.clock.now();
const iso = (ms: number) => new Date(ms).toISOString();

/** Posts as `token`; fails on an HTTP status other than 200 or any internal error. */
async function ask(token: string, query: string, variables: Json = {}): Promise<GraphQLResponse<Json>["body"]> {
  const response = await server.gql<Json>(token, query, variables);
  const codes = (response.body.errors ?? []).map((e) => e.extensions?.code);
  if (response.status !== 200 || codes.includes("INTERNAL_SERVER_ERROR") || codes.some((c) => typeof c !== "string")) {
    throw new Error(`${query.slice(0, 80)}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/** A mutation's payload and its top-level error codes. */
async function mutate(token: string, field: string, inputType: string, selection: string, input: Json) {
  const body = await ask(
    token,
    `mutation($input: ${inputType}!) { ${field}(input: $input) { clientMutationId userErrors { code message field } ${selection} } }`,
    { input },
  );
  return { payload: (body.data?.[field] ?? null) as Json | null, codes: (body.errors ?? []).map((e) => e.extensions?.code as string) };
}

const DELEGATION = "id from { id } to { id } startsAt endsAt createdAt cancelledAt";
const REQUEST = `id status expiresAt requestedAt viewerCanDecide decisionChannel decidedBy { id } decidedOnBehalfOf { id }
  history { action actor { id } onBehalfOf { id } channel }`;

const api = {
  setApprovers: (token: string, productId: string, userIds: string[]) =>
    mutate(token, "setProductApprovers", "SetProductApproversInput", "product { id approvers { id } }", { productId, userIds }),
  delegate: (token: string, input: Json) => mutate(token, "delegateApprovals", "DelegateApprovalsInput", `delegation { ${DELEGATION} }`, input),
  cancelDelegation: (token: string, delegationId: string) =>
    mutate(token, "cancelApprovalDelegation", "CancelApprovalDelegationInput", `delegation { ${DELEGATION} }`, { delegationId }),
  async submit(token: string, product: ProductEntity, others: UserEntity[] = []): Promise<Json> {
    const { payload } = await mutate(token, "submitLicenseRequest", "SubmitLicenseRequestInput", `licenseRequest { ${REQUEST} }`, {
      productId: gid("Product", product),
      additionalUserIds: others.map((u) => gid("User", u)),
    });
    if (!payload || payload.userErrors.length) throw new Error(`submit: ${JSON.stringify(payload)}`);
    return payload.licenseRequest;
  },
  approve: (token: string, requestId: string) =>
    mutate(token, "approveLicenseRequest", "ApproveLicenseRequestInput", `licenseRequest { ${REQUEST} }`, { requestId }),
  deny: (token: string, requestId: string, message?: string) =>
    mutate(token, "denyLicenseRequest", "DenyLicenseRequestInput", `licenseRequest { ${REQUEST} }`, { requestId, message }),
  settings: (token: string, input: Json) =>
    mutate(token, "updateRequestProcessSettings", "UpdateRequestProcessSettingsInput", "settings { requestLifetimeDays useOwnRequestProcess }", {
      useOwnRequestProcess: false,
      ...input,
    }),
  async read(token: string, requestId: string): Promise<Json | null> {
    return (await ask(token, `query($id: ID!) { licenseRequest(id: $id) { ${REQUEST} } }`, { id: requestId })).data!.licenseRequest;
  },
  /** The IDs of the requests `token` lists (every state). */
  async listed(token: string): Promise<string[]> {
    const body = await ask(token, `{ licenseRequests(first: 100) { totalCount nodes { id } } }`);
    const connection = body.data!.licenseRequests;
    expect(connection.totalCount).toBe(connection.nodes.length);
    return connection.nodes.map((n: Json) => n.id).sort();
  },
  async delegations(token: string, first = 50, after?: string): Promise<Json> {
    return (
      await ask(
        token,
        `query($first: Int, $after: String) { approvalDelegations(first: $first, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }`,
        { first, after },
      )
    ).data!.approvalDelegations;
  },
};

/** What is stored of who decides, for "nothing changed" checks. */
async function storedDeciders(organizationId: number) {
  const approvers = await ds.getRepository(ProductApproverEntity).find({ where: { organizationId }, order: { productId: "ASC", position: "ASC" } });
  const delegations = await ds.getRepository(ApprovalDelegationEntity).find({ where: { organizationId }, order: { id: "ASC" } });
  return JSON.stringify({ approvers: approvers.map((a) => [a.productId, a.userId, a.position]), delegations });
}

interface World {
  seed: OrganizationSeed;
  id: number;
  global: UserEntity;
  license: UserEntity;
  userAdmin: UserEntity;
  approverP: UserEntity;
  approverQ: UserEntity;
  delegate: UserEntity;
  requester: UserEntity;
  named: UserEntity;
  bystander: UserEntity;
  P: ProductEntity;
  Q: ProductEntity;
  foreign: { user: UserEntity; product: ProductEntity; admin: UserEntity };
  token(user: UserEntity): string;
}

/** An organization with one person of each kind, products P and Q (P's approver and Q's set through the API), and another organization. */
async function world(): Promise<World> {
  const seed = await seedOrganization(ds);
  const people = {
    global: await seed.user({ role: "GLOBAL_ADMIN", displayName: "Gloria Global" }),
    license: await seed.user({ role: "LICENSE_ADMIN", displayName: "Lena License" }),
    userAdmin: await seed.user({ role: "USER_ADMIN", displayName: "Uma Useradmin" }),
    approverP: await seed.user({ displayName: "Paula Approver" }),
    approverQ: await seed.user({ displayName: "Quentin Approver" }),
    delegate: await seed.user({ displayName: "Dario Delegate" }),
    requester: await seed.user({ displayName: "Rita Requester" }),
    named: await seed.user({ displayName: "Nico Named" }),
    bystander: await seed.user({ displayName: "Bea Bystander" }),
  };
  const P = await seed.product({ name: "Product P" });
  const Q = await seed.product({ name: "Product Q" });
  const other = await seedOrganization(ds);
  const foreign = { user: await other.user(), product: await other.product(), admin: await other.user({ role: "GLOBAL_ADMIN" }) };
  const tokens = new Map<number, string>();
  for (const user of [...Object.values(people), foreign.user, foreign.admin]) tokens.set(user.id, await seed.token(user));
  const w: World = { seed, id: seed.organization.id, ...people, P, Q, foreign, token: (user) => tokens.get(user.id)! };
  for (const [product, approver] of [
    [P, w.approverP],
    [Q, w.approverQ],
  ] as const) {
    const set = await api.setApprovers(w.token(w.global), gid("Product", product), [gid("User", approver)]);
    expect(set.payload!.userErrors).toEqual([]);
  }
  return w;
}

const setRole = (user: UserEntity, role: string) => ds.query("UPDATE app_user SET role = ? WHERE id = ?", [role, user.id]);
const codesOf = (result: { payload: Json | null; codes: string[] }) => [...(result.payload?.userErrors ?? []).map((e: Json) => e.code), ...result.codes];

describe("setProductApprovers", () => {
  it("lets global and license admins replace a product's approvers, shown only to them; the list replaces the last one", async () => {
    const w = await world();
    const set = await api.setApprovers(w.token(w.license), gid("Product", w.P), [gid("User", w.named), gid("User", w.bystander), gid("User", w.named)]);
    expect(set.payload!.userErrors).toEqual([]);
    // Duplicates count once; the order is the list's.
    expect(set.payload!.product.approvers).toEqual([{ id: gid("User", w.named) }, { id: gid("User", w.bystander) }]);
    const approversAs = async (user: UserEntity) =>
      (await ask(w.token(user), `query($id: ID!) { product(id: $id) { approvers { id } } }`, { id: gid("Product", w.P) })).data!.product.approvers;
    expect(await approversAs(w.global)).toEqual([{ id: gid("User", w.named) }, { id: gid("User", w.bystander) }]);
    for (const user of [w.userAdmin, w.requester, w.named, w.approverQ]) expect(await approversAs(user)).toBeNull();
    // Paula is no longer P's approver: she sees none of P's requests from now on.
    const request = await api.submit(w.token(w.requester), w.P);
    expect(await api.read(w.token(w.approverP), request.id)).toBeNull();
    expect(await api.read(w.token(w.named), request.id)).toMatchObject({ id: request.id, viewerCanDecide: true });
    // An empty list takes everyone off.
    const cleared = await api.setApprovers(w.token(w.global), gid("Product", w.P), []);
    expect(cleared.payload!.product.approvers).toEqual([]);
    expect(await api.read(w.token(w.named), request.id)).toBeNull();
  });

  it("refuses other organizations' people (NOT_FOUND naming the entry), 21 people, malformed and foreign IDs, and changes nothing", async () => {
    const w = await world();
    const before = await storedDeciders(w.id);
    const P = gid("Product", w.P);
    const admin = w.token(w.license);

    const foreignPerson = await api.setApprovers(admin, P, [gid("User", w.named), gid("User", w.foreign.user)]);
    expect(foreignPerson.payload!.userErrors).toEqual([{ code: "NOT_FOUND", message: expect.any(String), field: ["input", "userIds", "1"] }]);
    expect(foreignPerson.payload!.product).toBeNull();
    // …answered exactly as an ID that names nobody.
    const nobody = await api.setApprovers(admin, P, [gid("User", w.named), toGlobalId("User", 1_999_999_999)]);
    expect(nobody.payload!.userErrors).toEqual(foreignPerson.payload!.userErrors);
    const malformedPerson = await api.setApprovers(admin, P, ["not-an-id", gid("User", w.named)]);
    expect(malformedPerson.payload!.userErrors).toEqual([{ code: "NOT_FOUND", message: expect.any(String), field: ["input", "userIds", "0"] }]);
    // An ID of another type names no person either.
    const productAsPerson = await api.setApprovers(admin, P, [gid("User", w.named), gid("Product", w.Q)]);
    expect(productAsPerson.payload!.userErrors).toEqual([{ code: "NOT_FOUND", message: expect.any(String), field: ["input", "userIds", "1"] }]);

    for (const productId of ["not-an-id", gid("Product", w.foreign.product), toGlobalId("Product", 1_999_999_999), gid("User", w.named)]) {
      const result = await api.setApprovers(admin, productId, [gid("User", w.named)]);
      expect(result.payload!.userErrors).toEqual([{ code: "NOT_FOUND", message: expect.any(String), field: ["input", "productId"] }]);
    }

    const many: UserEntity[] = [];
    for (let i = 0; i < 21; i++) many.push(await w.seed.user());
    const tooMany = await api.setApprovers(
      admin,
      P,
      many.map((u) => gid("User", u)),
    );
    expect(tooMany.payload!.userErrors).toEqual([{ code: "INVALID_INPUT", message: expect.stringContaining("20"), field: ["input", "userIds"] }]);
    // 21 IDs naming 20 people is fine…
    expect(await storedDeciders(w.id)).toBe(before);
    const twenty = await api.setApprovers(
      admin,
      P,
      [...many.slice(0, 20), many[0]].map((u) => gid("User", u)),
    );
    expect(twenty.payload!.userErrors).toEqual([]);
    expect(twenty.payload!.product.approvers).toHaveLength(20);
    // …and so is a long list of them, but not one too long to read.
    const hundredAndOne = await api.setApprovers(
      admin,
      P,
      Array.from({ length: 101 }, () => gid("User", many[0])),
    );
    expect(codesOf(hundredAndOne)).toEqual(["INVALID_INPUT"]);
    const afterTwenty = await storedDeciders(w.id);
    const refusedAgain = await api.setApprovers(admin, P, [gid("User", many[0]), gid("User", w.foreign.user)]);
    expect(codesOf(refusedAgain)).toEqual(["NOT_FOUND"]);
    expect(await storedDeciders(w.id)).toBe(afterTwenty);
  });

  it("is FORBIDDEN to user admins, approvers, delegates and users; nothing changes", async () => {
    const w = await world();
    await api.delegate(w.token(w.license), { toUserId: gid("User", w.delegate), endsAt: iso(now().getTime() + DAY_MS) });
    const before = await storedDeciders(w.id);
    for (const user of [w.userAdmin, w.approverP, w.delegate, w.requester]) {
      const result = await api.setApprovers(w.token(user), gid("Product", w.P), [gid("User", user)]);
      expect([user.displayName, result.payload, result.codes]).toEqual([user.displayName, null, ["FORBIDDEN"]]);
    }
    // Another organization's admin naming this product: NOT_FOUND, as for a product that does not exist.
    const foreign = await api.setApprovers(w.token(w.foreign.admin), gid("Product", w.P), [gid("User", w.foreign.user)]);
    expect(codesOf(foreign)).toEqual(["NOT_FOUND"]);
    expect(await storedDeciders(w.id)).toBe(before);
  });
});

describe("delegateApprovals: bad input and who may lend", () => {
  it("refuses oneself, another organization's person, a window over 90 days, ending before starting, starting in the past; nothing is stored", async () => {
    const w = await world();
    const before = await storedDeciders(w.id);
    const t = now().getTime();
    const token = w.token(w.approverP);
    const cases: [string, Json, string[]][] = [
      ["to oneself", { toUserId: gid("User", w.approverP), endsAt: iso(t + DAY_MS) }, ["INVALID_INPUT:toUserId"]],
      ["to another organization's person", { toUserId: gid("User", w.foreign.user), endsAt: iso(t + DAY_MS) }, ["NOT_FOUND:toUserId"]],
      ["to nobody", { toUserId: toGlobalId("User", 1_999_999_999), endsAt: iso(t + DAY_MS) }, ["NOT_FOUND:toUserId"]],
      ["to a malformed ID", { toUserId: "garbage", endsAt: iso(t + DAY_MS) }, ["NOT_FOUND:toUserId"]],
      ["for 90 days and a minute", { toUserId: gid("User", w.delegate), endsAt: iso(t + 90 * DAY_MS + 60_000) }, ["INVALID_INPUT:endsAt"]],
      [
        "for 91 days from next week",
        { toUserId: gid("User", w.delegate), startsAt: iso(t + 7 * DAY_MS), endsAt: iso(t + 98 * DAY_MS) },
        ["INVALID_INPUT:endsAt"],
      ],
      ["ending before it starts", { toUserId: gid("User", w.delegate), startsAt: iso(t + 2 * DAY_MS), endsAt: iso(t + DAY_MS) }, ["INVALID_INPUT:endsAt"]],
      ["ending as it starts", { toUserId: gid("User", w.delegate), startsAt: iso(t + DAY_MS), endsAt: iso(t + DAY_MS) }, ["INVALID_INPUT:endsAt"]],
      ["ending in the past", { toUserId: gid("User", w.delegate), endsAt: iso(t - DAY_MS) }, ["INVALID_INPUT:endsAt"]],
      ["starting yesterday", { toUserId: gid("User", w.delegate), startsAt: iso(t - DAY_MS), endsAt: iso(t + DAY_MS) }, ["INVALID_INPUT:startsAt"]],
      ["starting an hour ago", { toUserId: gid("User", w.delegate), startsAt: iso(t - 3_600_000), endsAt: iso(t + DAY_MS) }, ["INVALID_INPUT:startsAt"]],
    ];
    for (const [what, input, expected] of cases) {
      const result = await api.delegate(token, input);
      expect([what, result.payload!.delegation, result.payload!.userErrors.map((e: Json) => `${e.code}:${e.field.slice(1).join(".")}`)]).toEqual([
        what,
        null,
        expected,
      ]);
    }
    expect(await storedDeciders(w.id)).toBe(before);
    // Exactly 90 days is fine, and so is a start a minute ago (a client's clock): it reads as now.
    const ninety = await api.delegate(token, { toUserId: gid("User", w.delegate), startsAt: iso(t - 60_000), endsAt: iso(t + 90 * DAY_MS) });
    expect(ninety.payload!.userErrors).toEqual([]);
    expect(ninety.payload!.delegation).toMatchObject({
      from: { id: gid("User", w.approverP) },
      to: { id: gid("User", w.delegate) },
      startsAt: iso(t),
      endsAt: iso(t + 90 * DAY_MS),
      createdAt: iso(t),
      cancelledAt: null,
    });
  });

  it("is FORBIDDEN to a plain user and to a delegate lending on what was lent; a second open delegation to one person is a CONFLICT", async () => {
    const w = await world();
    const t = now().getTime();
    const plain = await api.delegate(w.token(w.requester), { toUserId: gid("User", w.named), endsAt: iso(t + DAY_MS) });
    expect([plain.payload, plain.codes]).toEqual([null, ["FORBIDDEN"]]);

    const lent = await api.delegate(w.token(w.global), { toUserId: gid("User", w.delegate), startsAt: iso(t + DAY_MS), endsAt: iso(t + 10 * DAY_MS) });
    expect(lent.payload!.userErrors).toEqual([]);
    // A second delegation to the same person, open or ahead, whatever its window: CONFLICT naming the first one's end.
    for (const window of [{ endsAt: iso(t + 2 * DAY_MS) }, { startsAt: iso(t + 20 * DAY_MS), endsAt: iso(t + 30 * DAY_MS) }]) {
      const again = await api.delegate(w.token(w.global), { toUserId: gid("User", w.delegate), ...window });
      expect(again.payload!.userErrors).toEqual([{ code: "CONFLICT", message: expect.stringContaining(iso(t + 10 * DAY_MS)), field: ["input", "toUserId"] }]);
    }
    // To someone else is fine: a delegator lends to several people, one delegation each.
    const another = await api.delegate(w.token(w.global), { toUserId: gid("User", w.named), endsAt: iso(t + DAY_MS) });
    expect(another.payload!.userErrors).toEqual([]);
    // Another delegator may lend to the same person.
    const fromApprover = await api.delegate(w.token(w.approverP), { toUserId: gid("User", w.delegate), endsAt: iso(t + DAY_MS) });
    expect(fromApprover.payload!.userErrors).toEqual([]);

    // The delegate of the global admin and of P's approver, window open: lending on is FORBIDDEN.
    server.clock.advance(DAY_MS + 1);
    try {
      const before = await storedDeciders(w.id);
      const onward = await api.delegate(w.token(w.delegate), { toUserId: gid("User", w.bystander), endsAt: iso(now().getTime() + DAY_MS) });
      expect([onward.payload, onward.codes]).toEqual([null, ["FORBIDDEN"]]);
      expect(await storedDeciders(w.id)).toBe(before);
      // Yet they do decide now: the check is not vacuous.
      expect((await ask(w.token(w.delegate), "{ me { permissions { decideAllRequests } } }")).data!.me.permissions.decideAllRequests).toBe(true);
    } finally {
      server.clock.advance(-(DAY_MS + 1));
    }
    // Once the first one is cancelled, a new one to the same person is fine.
    expect((await api.cancelDelegation(w.token(w.global), lent.payload!.delegation.id)).payload!.userErrors).toEqual([]);
    const renewed = await api.delegate(w.token(w.global), { toUserId: gid("User", w.delegate), endsAt: iso(t + DAY_MS) });
    expect(renewed.payload!.userErrors).toEqual([]);
  });

  it("acts once for a replayed idempotency key, refuses the key with other input, and retries after userErrors", async () => {
    const w = await world();
    const t = now().getTime();
    const input = { toUserId: gid("User", w.delegate), endsAt: iso(t + 5 * DAY_MS), idempotencyKey: "away-next-week" };
    const first = await api.delegate(w.token(w.approverP), { ...input, clientMutationId: "a" });
    const second = await api.delegate(w.token(w.approverP), { ...input, clientMutationId: "b" });
    expect(first.payload!.userErrors).toEqual([]);
    expect(second.payload).toEqual({ ...first.payload, clientMutationId: "b" });
    expect(await ds.getRepository(ApprovalDelegationEntity).countBy({ organizationId: w.id })).toBe(1);
    const different = await api.delegate(w.token(w.approverP), { ...input, endsAt: iso(t + 6 * DAY_MS) });
    expect(codesOf(different)).toEqual(["INVALID_INPUT"]);
    // Keys are per user: another delegator's same key acts on its own.
    const otherUser = await api.delegate(w.token(w.approverQ), input);
    expect(otherUser.payload!.userErrors).toEqual([]);
    expect(otherUser.payload!.delegation.id).not.toBe(first.payload!.delegation.id);
    // After userErrors, nothing was remembered: the same key runs again.
    const refused = await api.delegate(w.token(w.license), { toUserId: gid("User", w.license), endsAt: iso(t + DAY_MS), idempotencyKey: "k2" });
    expect(codesOf(refused)).toEqual(["INVALID_INPUT"]);
    const retried = await api.delegate(w.token(w.license), { toUserId: gid("User", w.license), endsAt: iso(t + DAY_MS), idempotencyKey: "k2" });
    expect(codesOf(retried)).toEqual(["INVALID_INPUT"]);
    expect(await ds.getRepository(ApprovalDelegationEntity).countBy({ organizationId: w.id })).toBe(2);
  });
});

describe("a delegate decides what the delegator would, while the window is open and the delegator holds the right", () => {
  it("sees and decides P's requests only within the window: not before, not after", async () => {
    const w = await world();
    const t = now().getTime();
    const ofP = await api.submit(w.token(w.requester), w.P);
    const ofQ = await api.submit(w.token(w.requester), w.Q);
    const lent = await api.delegate(w.token(w.approverP), { toUserId: gid("User", w.delegate), startsAt: iso(t + DAY_MS), endsAt: iso(t + 3 * DAY_MS) });
    expect(lent.payload!.userErrors).toEqual([]);
    const d = w.token(w.delegate);
    const nothingSeen = async () => {
      expect(await api.read(d, ofP.id)).toBeNull();
      expect(await api.read(d, ofQ.id)).toBeNull();
      expect(await api.listed(d)).toEqual([]);
      // Deciding nothing at all, they are refused as a plain user is.
      expect(codesOf(await api.deny(d, ofP.id))).toEqual(["FORBIDDEN"]);
      expect((await ask(d, "{ me { permissions { decideAllRequests decidesProducts { id } } } }")).data!.me.permissions).toEqual({
        decideAllRequests: false,
        decidesProducts: [],
      });
    };
    try {
      // Before the window.
      await nothingSeen();
      server.clock.set(t + DAY_MS);
      // Open: P's request, not Q's.
      expect(await api.read(d, ofP.id)).toMatchObject({ id: ofP.id, viewerCanDecide: true, status: "PENDING" });
      expect(await api.read(d, ofQ.id)).toBeNull();
      expect(await api.listed(d)).toEqual([ofP.id]);
      expect(codesOf(await api.deny(d, ofQ.id))).toEqual(["NOT_FOUND"]);
      expect((await ask(d, "{ me { permissions { decideAllRequests decidesProducts { id } } } }")).data!.me.permissions).toEqual({
        decideAllRequests: false,
        decidesProducts: [{ id: gid("Product", w.P) }],
      });
      // The last millisecond of the window is open; its end is not.
      server.clock.set(t + 3 * DAY_MS - 1);
      expect(await api.read(d, ofP.id)).not.toBeNull();
      server.clock.set(t + 3 * DAY_MS);
      await nothingSeen();
      // Nothing was decided by all that.
      expect((await api.read(w.token(w.global), ofP.id))!.status).toBe("PENDING");
      expect((await api.read(w.token(w.global), ofQ.id))!.status).toBe("PENDING");
    } finally {
      server.clock.set(t);
    }
  });

  it("records a delegate's decision on behalf of the delegator: the request, its history entry and the recipients' email name both", async () => {
    const w = await world();
    const t = now().getTime();
    expect((await api.delegate(w.token(w.approverP), { toUserId: gid("User", w.delegate), endsAt: iso(t + DAY_MS) })).payload!.userErrors).toEqual([]);
    const request = await api.submit(w.token(w.requester), w.P, [w.named]);
    const since = mail.delivered.length;
    const denied = await api.deny(w.token(w.delegate), request.id, "Not this quarter.");
    expect(denied.payload!.userErrors).toEqual([]);
    const expected = {
      status: "DENIED",
      decidedBy: { id: gid("User", w.delegate) },
      decidedOnBehalfOf: { id: gid("User", w.approverP) },
      decisionChannel: "API",
      history: [{ action: "DENIED", actor: { id: gid("User", w.delegate) }, onBehalfOf: { id: gid("User", w.approverP) }, channel: "API" }],
    };
    expect(denied.payload!.licenseRequest).toMatchObject(expected);
    // As stored: read again by an admin.
    expect(await api.read(w.token(w.global), request.id)).toMatchObject(expected);
    // Each recipient's email names the delegate and the approver.
    for (const recipient of [w.requester, w.named]) {
      await eventually(
        () => mail.delivered.slice(since).some((e) => e.to === recipient.email && e.text.includes("denied the license request")),
        undefined,
        `the denial email to ${recipient.email}`,
      );
      const email = mail.delivered.slice(since).find((e) => e.to === recipient.email && e.text.includes("denied the license request"))!;
      expect(email.text).toContain(w.delegate.displayName);
      expect(email.text).toContain(w.approverP.displayName);
    }

    // An admin's own decision names nobody else, channel API.
    const other = await api.submit(w.token(w.requester), w.Q);
    const approved = await api.approve(w.token(w.userAdmin), other.id);
    expect(approved.payload!.licenseRequest).toMatchObject({
      status: "APPROVED",
      decidedBy: { id: gid("User", w.userAdmin) },
      decidedOnBehalfOf: null,
      decisionChannel: "API",
      history: [{ action: "APPROVED", actor: { id: gid("User", w.userAdmin) }, onBehalfOf: null, channel: "API" }],
    });
    // Pending and cancelled requests have no channel.
    const pending = await api.submit(w.token(w.bystander), w.Q);
    expect(pending).toMatchObject({ decisionChannel: null, decidedOnBehalfOf: null });
  });

  it("decides with an admin's delegation on the admin's behalf, for every product", async () => {
    const w = await world();
    const t = now().getTime();
    expect((await api.delegate(w.token(w.userAdmin), { toUserId: gid("User", w.delegate), endsAt: iso(t + DAY_MS) })).payload!.userErrors).toEqual([]);
    const ofQ = await api.submit(w.token(w.requester), w.Q);
    const approved = await api.approve(w.token(w.delegate), ofQ.id);
    expect(approved.payload!.licenseRequest).toMatchObject({ status: "APPROVED", decidedOnBehalfOf: { id: gid("User", w.userAdmin) } });
  });

  it("stops at once when the delegator is demoted (role, or approver rows), and applies again when they get the right back", async () => {
    const w = await world();
    const t = now().getTime();
    const ofP = await api.submit(w.token(w.requester), w.P);
    const ofQ = await api.submit(w.token(w.requester), w.Q);
    for (const [from, to] of [
      [w.license, w.delegate],
      [w.approverP, w.bystander],
    ] as const) {
      expect((await api.delegate(w.token(from), { toUserId: gid("User", to), endsAt: iso(t + 10 * DAY_MS) })).payload!.userErrors).toEqual([]);
    }
    expect(await api.listed(w.token(w.delegate))).toEqual([ofP.id, ofQ.id].sort());
    expect(await api.listed(w.token(w.bystander))).toEqual([ofP.id]);

    // The license admin demoted in the directory: their delegate sees nothing, decides nothing.
    await setRole(w.license, "USER");
    expect(await api.listed(w.token(w.delegate))).toEqual([]);
    expect(codesOf(await api.approve(w.token(w.delegate), ofQ.id))).toEqual(["FORBIDDEN"]);
    // Promoted again: the open window applies again (rights are computed when used).
    await setRole(w.license, "LICENSE_ADMIN");
    expect(await api.listed(w.token(w.delegate))).toEqual([ofP.id, ofQ.id].sort());

    // P's approver taken off P: their delegate loses P at once.
    expect((await api.setApprovers(w.token(w.global), gid("Product", w.P), [])).payload!.userErrors).toEqual([]);
    expect(await api.listed(w.token(w.bystander))).toEqual([]);
    expect(await api.read(w.token(w.bystander), ofP.id)).toBeNull();
    expect(codesOf(await api.deny(w.token(w.bystander), ofP.id))).toEqual(["FORBIDDEN"]);
    // An approver of Q now: the delegation lends Q (what the delegator holds when used).
    expect((await api.setApprovers(w.token(w.global), gid("Product", w.Q), [gid("User", w.approverP)])).payload!.userErrors).toEqual([]);
    expect(await api.listed(w.token(w.bystander))).toEqual([ofQ.id]);
    expect((await api.read(w.token(w.global), ofP.id))!.status).toBe("PENDING");
  });

  it("stops at once when cancelled by the delegator, the delegate or a license admin; anyone else is told it does not exist", async () => {
    const w = await world();
    const t = now().getTime();
    const ofP = await api.submit(w.token(w.requester), w.P);
    const lend = async () => {
      const lent = await api.delegate(w.token(w.approverP), { toUserId: gid("User", w.delegate), endsAt: iso(t + 10 * DAY_MS) });
      expect(lent.payload!.userErrors).toEqual([]);
      expect(await api.read(w.token(w.delegate), ofP.id)).not.toBeNull();
      return lent.payload!.delegation.id as string;
    };
    for (const canceller of [w.approverP, w.delegate, w.license, w.global]) {
      const id = await lend();
      // Not party to it, not managing the process: NOT_FOUND, as for an ID of nothing; the delegation stays.
      for (const outsider of [w.bystander, w.userAdmin, w.approverQ, w.foreign.admin]) {
        const before = await storedDeciders(w.id);
        const refused = await api.cancelDelegation(w.token(outsider), id);
        expect([outsider.displayName, refused.payload!.userErrors]).toEqual([
          outsider.displayName,
          [{ code: "NOT_FOUND", message: expect.any(String), field: ["input", "delegationId"] }],
        ]);
        expect(await storedDeciders(w.id)).toBe(before);
        const nothing = await api.cancelDelegation(w.token(outsider), toGlobalId("ApprovalDelegation", 1_999_999_999));
        expect(nothing.payload!.userErrors).toEqual(refused.payload!.userErrors);
        // Nor may they read it.
        expect((await ask(w.token(outsider), `query($id: ID!) { node(id: $id) { id } }`, { id })).data!.node).toBeNull();
      }
      expect(await api.read(w.token(w.delegate), ofP.id)).not.toBeNull();
      const cancelled = await api.cancelDelegation(w.token(canceller), id);
      expect([canceller.displayName, cancelled.payload!.userErrors]).toEqual([canceller.displayName, []]);
      expect(cancelled.payload!.delegation).toMatchObject({ id, cancelledAt: now().toISOString() });
      expect(await api.read(w.token(w.delegate), ofP.id)).toBeNull();
      expect(codesOf(await api.deny(w.token(w.delegate), ofP.id))).toEqual(["FORBIDDEN"]);
      // Cancelled twice: CONFLICT, nothing changes.
      const before = await storedDeciders(w.id);
      expect(codesOf(await api.cancelDelegation(w.token(w.approverP), id))).toEqual(["CONFLICT"]);
      expect(await storedDeciders(w.id)).toBe(before);
    }
    expect(codesOf(await api.cancelDelegation(w.token(w.approverP), "garbage"))).toEqual(["NOT_FOUND"]);
    expect((await api.read(w.token(w.global), ofP.id))!.status).toBe("PENDING");
  });
});

describe("deciding someone else's product, or one's own request", () => {
  it("answers NOT_FOUND to an approver of another product, NOT_PERMITTED to one who sees but may not decide, and changes nothing", async () => {
    const w = await world();
    const ofP = await api.submit(w.token(w.requester), w.P);
    const naming = (await api.submit(w.token(w.named), w.P, [w.approverQ, w.approverP, w.global])).id as string;
    const sentByApprover = (await api.submit(w.token(w.approverQ), w.Q)).id as string;
    const sentByAdmin = (await api.submit(w.token(w.userAdmin), w.Q)).id as string;
    const cases: [string, UserEntity, string, string][] = [
      ["Q's approver deciding a request of P", w.approverQ, ofP.id, "NOT_FOUND"],
      ["Q's approver named in a request of P", w.approverQ, naming, "NOT_PERMITTED"],
      ["P's approver named in a request of P", w.approverP, naming, "NOT_PERMITTED"],
      ["Q's approver deciding their own request", w.approverQ, sentByApprover, "NOT_PERMITTED"],
      ["a global admin named in a request", w.global, naming, "NOT_PERMITTED"],
      ["a user admin deciding their own request", w.userAdmin, sentByAdmin, "NOT_PERMITTED"],
      ["another organization's admin", w.foreign.admin, ofP.id, "NOT_FOUND"],
    ];
    for (const [what, who, requestId, code] of cases) {
      for (const decide of [api.approve, api.deny]) {
        const before = await api.read(w.token(w.license), requestId);
        const result = await decide(w.token(who), requestId);
        expect([what, codesOf(result)]).toEqual([what, [code]]);
        expect(await api.read(w.token(w.license), requestId)).toEqual(before);
      }
      // What the request says of the viewer agrees.
      const seen = await api.read(w.token(who), requestId);
      expect([what, seen === null ? "NOT_FOUND" : seen.viewerCanDecide ? "decides" : "NOT_PERMITTED"]).toEqual([what, code]);
    }
    // Nobody decided anything.
    for (const id of [ofP.id, naming, sentByApprover, sentByAdmin]) expect((await api.read(w.token(w.license), id))!.status).toBe("PENDING");
    // P's approver does decide a request of P that does not name them.
    expect((await api.approve(w.token(w.approverP), ofP.id)).payload!.licenseRequest).toMatchObject({ status: "APPROVED", decidedOnBehalfOf: null });
  });

  it("lends a delegate no right to decide a request naming the delegator, by API or by the notice's links; another delegator's right still decides it", async () => {
    const w = await world();
    const t = now().getTime();
    expect((await api.delegate(w.token(w.approverP), { toUserId: gid("User", w.delegate), endsAt: iso(t + DAY_MS) })).payload!.userErrors).toEqual([]);
    const since = mail.delivered.length;
    // Nico asks for P for himself and for Paula, P's approver: Paula may not decide it, so Dario may not on her behalf.
    const naming = (await api.submit(w.token(w.named), w.P, [w.approverP])).id as string;
    expect(await api.read(w.token(w.delegate), naming)).toMatchObject({ id: naming, viewerCanDecide: false });
    for (const decide of [api.approve, api.deny]) {
      const before = await api.read(w.token(w.license), naming);
      const refused = await decide(w.token(w.delegate), naming);
      expect(codesOf(refused)).toEqual(["NOT_PERMITTED"]);
      // The refusal says why: the right would be the named person's.
      expect(refused.payload!.userErrors[0].message).toMatch(/person whose right you would use is one of this request's recipients/);
      expect(await api.read(w.token(w.license), naming)).toEqual(before);
    }
    // Dario hears of it (P's requests), without decision links; an admin's notice has them.
    const noticeTo = (user: UserEntity) => mail.delivered.slice(since).find((e) => e.to === user.email && e.subject.startsWith("New license request"));
    await eventually(() => noticeTo(w.delegate) !== undefined && noticeTo(w.global) !== undefined, undefined, "the notices of the new request");
    expect(noticeTo(w.delegate)!.text).not.toContain("/decide?token=");
    expect(noticeTo(w.global)!.text).toContain("/decide?token=");

    // Lent a user admin's right as well, Dario decides it on the user admin's behalf.
    expect((await api.delegate(w.token(w.userAdmin), { toUserId: gid("User", w.delegate), endsAt: iso(t + DAY_MS) })).payload!.userErrors).toEqual([]);
    expect(await api.read(w.token(w.delegate), naming)).toMatchObject({ viewerCanDecide: true });
    expect((await api.approve(w.token(w.delegate), naming)).payload!.licenseRequest).toMatchObject({
      status: "APPROVED",
      decidedBy: { id: gid("User", w.delegate) },
      decidedOnBehalfOf: { id: gid("User", w.userAdmin) },
    });
  });
});

describe("approvalDelegations", () => {
  it("lists one's own, or everyone's for whoever manages the process, current and future first, then past, latest end first", async () => {
    const w = await world();
    const t = now().getTime();
    const make = async (from: UserEntity, to: UserEntity, startsIn: number, endsIn: number) => {
      const made = await api.delegate(w.token(from), { toUserId: gid("User", to), startsAt: iso(t + startsIn), endsAt: iso(t + endsIn) });
      expect(made.payload!.userErrors).toEqual([]);
      return made.payload!.delegation.id as string;
    };
    const current = await make(w.approverP, w.delegate, 0, 10 * DAY_MS);
    const future = await make(w.approverP, w.named, 5 * DAY_MS, 40 * DAY_MS);
    const cancelledLater = await make(w.global, w.bystander, 0, 20 * DAY_MS);
    const expired = await make(w.approverQ, w.delegate, 0, 2 * DAY_MS);
    try {
      server.clock.set(t + 3 * DAY_MS);
      expect((await api.cancelDelegation(w.token(w.bystander), cancelledLater)).payload!.userErrors).toEqual([]);
      const everyone = [future, current, cancelledLater, expired];
      for (const manager of [w.global, w.license]) {
        const all = await api.delegations(w.token(manager));
        expect(all).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: false } });
        expect(all.nodes.map((n: Json) => n.id)).toEqual(everyone);
        // Page by page, the same order.
        const first = await api.delegations(w.token(manager), 3);
        expect(first.pageInfo.hasNextPage).toBe(true);
        const rest = await api.delegations(w.token(manager), 3, first.pageInfo.endCursor);
        expect([...first.nodes, ...rest.nodes].map((n: Json) => n.id)).toEqual(everyone);
      }
      const mine = async (user: UserEntity) => (await api.delegations(w.token(user))).nodes.map((n: Json) => n.id);
      expect(await mine(w.delegate)).toEqual([current, expired]);
      expect(await mine(w.approverP)).toEqual([future, current]);
      expect(await mine(w.bystander)).toEqual([cancelledLater]);
      expect(await mine(w.named)).toEqual([future]);
      // A user admin decides everything but does not manage the process: their own only (none).
      expect(await mine(w.userAdmin)).toEqual([]);
      expect(await mine(w.requester)).toEqual([]);
      expect(await mine(w.foreign.admin)).toEqual([]);
      // node(id): party or manager only.
      const node = async (user: UserEntity, id: string) =>
        (await ask(w.token(user), `query($id: ID!) { node(id: $id) { ... on ApprovalDelegation { id cancelledAt } } }`, { id })).data!.node;
      expect(await node(w.delegate, current)).toEqual({ id: current, cancelledAt: null });
      expect(await node(w.license, cancelledLater)).toEqual({ id: cancelledLater, cancelledAt: iso(t + 3 * DAY_MS) });
      expect(await node(w.userAdmin, current)).toBeNull();
      expect(await node(w.foreign.admin, current)).toBeNull();
      expect(codesOf(await api.cancelDelegation(w.token(w.global), expired))).toEqual(["CONFLICT"]);
    } finally {
      server.clock.set(t);
    }
  });
});

describe("the request lifetime", () => {
  it("refuses 6 and 366 days, accepts 7 and 365; new requests expire after it, existing ones keep their expiry", async () => {
    const w = await world();
    const lifetime = async () =>
      (await ask(w.token(w.requester), "{ requestProcessSettings { requestLifetimeDays } }")).data!.requestProcessSettings.requestLifetimeDays;
    const expiry = (request: Json) => Date.parse(request.expiresAt) - Date.parse(request.requestedAt);
    expect(await lifetime()).toBe(30);
    const old = await api.submit(w.token(w.requester), w.P);
    expect(expiry(old)).toBe(30 * DAY_MS);
    for (const days of [6, 366, 0, -1]) {
      const refused = await api.settings(w.token(w.license), { requestLifetimeDays: days });
      expect([days, refused.payload!.userErrors]).toEqual([
        days,
        [{ code: "INVALID_INPUT", message: expect.any(String), field: ["input", "requestLifetimeDays"] }],
      ]);
      expect(refused.payload!.settings).toBeNull();
      expect(await lifetime()).toBe(30);
    }
    // Only those who manage the process.
    for (const user of [w.userAdmin, w.approverP, w.requester]) {
      expect((await api.settings(w.token(user), { requestLifetimeDays: 60 })).codes).toEqual(["FORBIDDEN"]);
    }
    expect(await lifetime()).toBe(30);

    const requests: [Json, number][] = [[old, 30]];
    for (const [who, days, requester] of [
      [w.license, 7, w.named],
      [w.global, 365, w.bystander],
    ] as const) {
      const set = await api.settings(w.token(who), { requestLifetimeDays: days });
      expect(set.payload!.userErrors).toEqual([]);
      expect(set.payload!.settings.requestLifetimeDays).toBe(days);
      expect(await lifetime()).toBe(days);
      server.clock.advance(60_000);
      const fresh = await api.submit(w.token(requester), w.Q);
      expect(expiry(fresh)).toBe(days * DAY_MS);
      requests.push([fresh, days]);
      // Those sent before keep theirs.
      for (const [request, lived] of requests) {
        const stored = await api.read(w.token(w.license), request.id);
        expect([request.id, expiry(stored!)]).toEqual([request.id, lived * DAY_MS]);
        expect(stored!.expiresAt).toBe(request.expiresAt);
      }
    }
    // Omitted keeps it.
    expect((await api.settings(w.token(w.global), {})).payload!.settings.requestLifetimeDays).toBe(365);
  });
});

describe("me { permissions }", () => {
  it("tells each role, approver and delegate what they may do, and nothing on anyone else's User", async () => {
    const w = await world();
    const t = now().getTime();
    expect((await api.delegate(w.token(w.userAdmin), { toUserId: gid("User", w.delegate), endsAt: iso(t + DAY_MS) })).payload!.userErrors).toEqual([]);
    expect((await api.delegate(w.token(w.approverQ), { toUserId: gid("User", w.named), endsAt: iso(t + DAY_MS) })).payload!.userErrors).toEqual([]);
    const permissions = async (user: UserEntity) =>
      (await ask(w.token(user), "{ me { permissions { decideAllRequests decidesProducts { id } manageRequestProcess manageWebhooks } } }")).data!.me
        .permissions;
    const P = { id: gid("Product", w.P) };
    const Q = { id: gid("Product", w.Q) };
    const expected: [UserEntity, Json][] = [
      [w.global, { decideAllRequests: true, decidesProducts: [], manageRequestProcess: true, manageWebhooks: true }],
      [w.license, { decideAllRequests: true, decidesProducts: [], manageRequestProcess: true, manageWebhooks: false }],
      [w.userAdmin, { decideAllRequests: true, decidesProducts: [], manageRequestProcess: false, manageWebhooks: false }],
      [w.requester, { decideAllRequests: false, decidesProducts: [], manageRequestProcess: false, manageWebhooks: false }],
      [w.approverP, { decideAllRequests: false, decidesProducts: [P], manageRequestProcess: false, manageWebhooks: false }],
      [w.delegate, { decideAllRequests: true, decidesProducts: [], manageRequestProcess: false, manageWebhooks: false }],
      [w.named, { decideAllRequests: false, decidesProducts: [Q], manageRequestProcess: false, manageWebhooks: false }],
    ];
    for (const [user, permission] of expected) expect([user.displayName, await permissions(user)]).toEqual([user.displayName, permission]);
    // An approver of both products.
    expect((await api.setApprovers(w.token(w.global), gid("Product", w.Q), [gid("User", w.approverQ), gid("User", w.approverP)])).payload!.userErrors).toEqual(
      [],
    );
    expect((await permissions(w.approverP)).decidesProducts.map((p: Json) => p.id).sort()).toEqual([P.id, Q.id].sort());
    // Someone else's User answers null.
    const other = await ask(w.token(w.global), `query($id: ID!) { node(id: $id) { ... on User { permissions { decideAllRequests } } } }`, {
      id: gid("User", w.approverP),
    });
    expect(other.data!.node).toEqual({ permissions: null });
    // Only on `me`: the viewer met elsewhere (here, as a node) answers null too.
    const self = await ask(
      w.token(w.global),
      `query($id: ID!) { me { permissions { manageWebhooks } } node(id: $id) { ... on User { permissions { manageWebhooks } } } }`,
      {
        id: gid("User", w.global),
      },
    );
    expect(self.data).toEqual({ me: { permissions: { manageWebhooks: true } }, node: { permissions: null } });
  });
});

describe("approvers of different products subscribed at once (graphql-ws)", () => {
  const clients: LiveClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });

  it("gives each approver, and the delegate, only their products' requests and their own answers, however the payloads are shared", async () => {
    const w = await world();
    expect(
      (await api.delegate(w.token(w.approverP), { toUserId: gid("User", w.delegate), endsAt: iso(now().getTime() + DAY_MS) })).payload!.userErrors,
    ).toEqual([]);
    // Fields whose answers depend on the viewer: whether they decide it, the product's approvers (managers only), the requester's licenses.
    const selection = `id product { id approvers { id } } viewerCanDecide viewerCanCancel requester { id licenses { id } } recipients { user { id } }`;
    const listeners = () => server.service.services.tails.listenerCount();
    const before = listeners();
    const subscribe = (user: UserEntity, field: "licenseRequestSubmitted" | "licenseRequestUpdated") => {
      const client = liveClient(server.wsUrl, w.token(user));
      clients.push(client);
      return client.subscribe(`subscription { ${field} { ${selection} } }`);
    };
    const submitted = {
      approverP: subscribe(w.approverP, "licenseRequestSubmitted"),
      approverQ: subscribe(w.approverQ, "licenseRequestSubmitted"),
      delegate: subscribe(w.delegate, "licenseRequestSubmitted"),
      license: subscribe(w.license, "licenseRequestSubmitted"),
    };
    const updated = { approverP: subscribe(w.approverP, "licenseRequestUpdated"), approverQ: subscribe(w.approverQ, "licenseRequestUpdated") };
    await eventually(() => listeners() >= before + 6, undefined, "the subscriptions to listen");

    const q1 = await api.submit(w.token(w.requester), w.Q);
    const p1 = await api.submit(w.token(w.named), w.P, [w.approverQ]);
    const q2 = await api.submit(w.token(w.bystander), w.Q, [w.approverP]);
    const p2 = await api.submit(w.token(w.userAdmin), w.P);
    const next = async (subscription: (typeof submitted)["approverP"], field: string) => (await subscription.nextData<Json>())[field];
    const expectation = (request: Json, canDecide: boolean) => ({
      id: request.id,
      product: { id: expect.any(String), approvers: null },
      viewerCanDecide: canDecide,
      viewerCanCancel: false,
      // Someone's licenses are for those who decide every product (and the person): null to an approver.
      requester: { id: expect.any(String), licenses: null },
      recipients: expect.any(Array),
    });
    // In order: what each may see, nothing else in between (a later event must come next).
    expect(await next(submitted.approverP, "licenseRequestSubmitted")).toEqual(expectation(p1, true));
    // Named in q2, P's approver sees it, without deciding it.
    expect(await next(submitted.approverP, "licenseRequestSubmitted")).toEqual(expectation(q2, false));
    expect(await next(submitted.approverP, "licenseRequestSubmitted")).toEqual(expectation(p2, true));
    expect(await next(submitted.delegate, "licenseRequestSubmitted")).toEqual(expectation(p1, true));
    expect(await next(submitted.delegate, "licenseRequestSubmitted")).toEqual(expectation(p2, true));
    expect(await next(submitted.approverQ, "licenseRequestSubmitted")).toEqual(expectation(q1, true));
    expect(await next(submitted.approverQ, "licenseRequestSubmitted")).toEqual(expectation(p1, false));
    expect(await next(submitted.approverQ, "licenseRequestSubmitted")).toEqual(expectation(q2, true));
    // The license admin sees all four, manages the process (approvers shown), decides them all.
    for (const request of [q1, p1, q2, p2]) {
      const got = await next(submitted.license, "licenseRequestSubmitted");
      expect(got).toMatchObject({ id: request.id, viewerCanDecide: true });
      expect(got.product.approvers).toHaveLength(1);
      expect(got.requester.licenses).toEqual([]);
    }
    // Updates: P's approver decides p1; Q's approver hears nothing of it (q1 denied next must come first).
    expect((await api.deny(w.token(w.approverP), p1.id)).payload!.userErrors).toEqual([]);
    expect((await api.deny(w.token(w.approverQ), q1.id)).payload!.userErrors).toEqual([]);
    expect(await next(updated.approverP, "licenseRequestUpdated")).toEqual(expectation(p1, false));
    // Named in p1, Q's approver hears of it, then of q1; P's approver never of q1.
    expect(await next(updated.approverQ, "licenseRequestUpdated")).toEqual(expectation(p1, false));
    expect(await next(updated.approverQ, "licenseRequestUpdated")).toEqual(expectation(q1, false));
    expect((await api.deny(w.token(w.approverQ), q2.id)).payload!.userErrors).toEqual([]);
    expect(await next(updated.approverP, "licenseRequestUpdated")).toEqual(expectation(q2, false));
    expect(await next(updated.approverQ, "licenseRequestUpdated")).toEqual(expectation(q2, false));
    for (const subscription of [...Object.values(submitted), ...Object.values(updated)]) expect(subscription.inbox.pending()).toEqual([]);
  });
});

describe("two delegations asked at once (MariaDB)", () => {
  let database: TestDatabase;
  let mysqlServer: TestServer;

  beforeAll(async () => {
    database = await createMysqlDatabase(MYSQL_TEST_URL);
    mysqlServer = await startTestServer({ database, env: { SEED_DEMO_DATA: "false" } });
  });

  afterAll(async () => {
    await mysqlServer?.stop();
    await database?.drop();
  });

  it("makes exactly one delegation to the same person for the same window; the other call is a CONFLICT", async () => {
    const mds = mysqlServer.service.dataSource;
    expect(mds.options.type).toMatch(/mysql|mariadb/);
    const seed = await seedOrganization(mds);
    const delegator = await seed.user({ role: "LICENSE_ADMIN" });
    const token = await seed.token(delegator);
    const t = mysqlServer.clock.now().getTime();
    for (let round = 0; round < 5; round++) {
      const to = await seed.user();
      const input = { toUserId: gid("User", to), startsAt: iso(t + DAY_MS), endsAt: iso(t + 2 * DAY_MS) };
      const call = async () => {
        const response = await mysqlServer.gql<Json>(
          token,
          `mutation($input: DelegateApprovalsInput!) { delegateApprovals(input: $input) { delegation { id } userErrors { code } } }`,
          { input },
        );
        expect(response.body.errors).toBeUndefined();
        return response.body.data!.delegateApprovals;
      };
      const outcomes = await Promise.all([call(), call(), call()]);
      const codes = outcomes.map((o) => (o.userErrors.length ? o.userErrors.map((e: Json) => e.code).join() : "ok")).sort();
      expect(codes).toEqual(["CONFLICT", "CONFLICT", "ok"]);
      expect(await mds.getRepository(ApprovalDelegationEntity).countBy({ organizationId: seed.organization.id, toUserId: to.id })).toBe(1);
    }
  });
});
