/**
 * Who sees which activity-log entries (api.md "Nothing missed": the
 * visibility of `licenseRequests`, decided for each entry and each viewer;
 * RECOMMENDED only for those who may read second opinions; nothing of another
 * organization), as a model-based property in the style of
 * isolation-model.test.ts: random sequences of changes (submit naming others,
 * approve with exclusions, deny, cancel, a second opinion asked and
 * recorded, refused attempts) in two organizations of the test's own. The
 * model predicts whether each change acts and which entry it appends; after
 * each sequence:
 *
 * - the log as stored is exactly the model's entries (each change's entry, in
 *   the order of the changes; the shares' internal entries aside);
 * - for every viewer (each organization's global, license and user admins,
 *   the approvers of two different products, delegates whose window is open,
 *   ahead, past or cancelled, delegates of a delegator demoted for the
 *   sequence, requesters, named recipients, people named in nothing), every
 *   transport in
 *   `ACTIVITY_TRANSPORTS` gives exactly the entries of the requests the
 *   policy lets them see, in order: over HTTP paged with endCursor, over
 *   graphql-ws live from a subscription opened before the sequence.
 *
 * - each decision by anyone (an admin of each role, an approver, a delegate,
 *   a plain user) is answered as the policy says: it acts, or FORBIDDEN
 *   (decides nothing), NOT_FOUND (may not see it), NOT_PERMITTED (sees it:
 *   a recipient, or another product's), CONFLICT (no longer pending), and a
 *   refusal changes nothing; a delegate's decision is stored on behalf of
 *   the delegator, channel API.
 *
 * All viewers' feeds are open at once, so P0's and P1's approvers are
 * subscribed side by side over graphql-ws and SSE (the payloads' shared
 * execution must keep them apart).
 *
 * ATTACK_RUNS / ACTIVITY_MODEL_RUNS set the number of commands.
 */
import fc from "fast-check";
import type { DataSource } from "typeorm";
import { ApprovalDelegationEntity, UserEntity } from "../../src/entities";
import { DAY_MS } from "../../src/services/shared/clock";
import { fromGlobalId, toGlobalId } from "../../src/services/shared/ids";
import {
  activityChanges,
  activityOrganization,
  ActivityOrganization,
  cursorOf,
  EventSeen,
  openFeed,
  OpenFeed,
  openSseFeed,
  readAllOverHttp,
  seqOf,
  storedEntries,
} from "../helpers/activity";
import { attackRuns, attackSeed } from "../helpers/attacks";
import { Mailbox, mailbox } from "../helpers/mailbox";
import { Json, postGraphQL } from "../helpers/processes";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, liveClient, LiveClient } from "../helpers/ws";

const MAX_COMMANDS = 14;
const COMMANDS = attackRuns(100, "ACTIVITY_MODEL_RUNS");
const SEQUENCES = Math.max(1, Math.round(COMMANDS / (MAX_COMMANDS / 2)));
jest.setTimeout(60_000 + COMMANDS * 300);

const PEOPLE = 4;
const PRODUCTS = 5;
const ORGS = [0, 1] as const;
type OrgIndex = (typeof ORGS)[number];

/**
 * The transports that read the log, by name: each gives what `token`'s viewer
 * sees after `after`, up to and with the first entry `last` accepts. A new
 * transport (Server-Sent Events at /graphql/stream, graphql-sse's distinct
 * connections mode) is one more entry here: every viewer of every sequence is
 * then checked over it too.
 */
interface TransportRun {
  /** Called before the sequence's changes (a subscription starts listening here). */
  start(token: string, after: string): Promise<void> | void;
  /** What the viewer got, once `last` accepted an entry (or the log is read to its end). */
  collect(token: string, after: string, last: (event: EventSeen) => boolean): Promise<EventSeen[]>;
  stop(): Promise<void>;
}

function activityTransports(server: TestServer, live: (token: string) => LiveClient): Record<string, () => TransportRun> {
  return {
    http: () => ({
      start: () => undefined,
      collect: (token, after) => readAllOverHttp(server, token, after, 7),
      stop: async () => undefined,
    }),
    "graphql-ws": () => {
      const feeds = new Map<string, OpenFeed>();
      return {
        start(token, after) {
          feeds.set(token, openFeed(server, token, after, live(token)));
        },
        async collect(token, _after, last) {
          const feed = feeds.get(token)!;
          await eventually(() => feed.received().some(last), 15_000, "the subscription to receive the sequence's last entry");
          return feed.received();
        },
        async stop() {
          for (const feed of feeds.values()) await feed.close();
          feeds.clear();
        },
      };
    },
    sse: () => {
      const feeds = new Map<string, Omit<OpenFeed, "subscription">>();
      return {
        start(token, after) {
          feeds.set(token, openSseFeed(server, token, after));
        },
        async collect(token, _after, last) {
          const feed = feeds.get(token)!;
          await eventually(() => feed.received().some(last), 15_000, "the stream to receive the sequence's last entry");
          return feed.received();
        },
        async stop() {
          for (const feed of feeds.values()) await feed.close();
          feeds.clear();
        },
      };
    },
  };
}

/**
 * Who each organization has besides its global admin and PEOPLE plain users
 * (people indexes PEOPLE…), with the rights the policy gives them. Delegations
 * are made once, at the start: to `delegateA` from P0's approver, to
 * `delegateB` from P1's approver, to `delegateOfUserAdmin` from the user admin
 * (all open), to `delegateFuture` from the license admin (starting in 30
 * days), to `delegateExpired` (ended 10 days ago) and `delegateCancelled`
 * (cancelled). Each sequence then starts from a state of its own: the user
 * admin demoted to USER in the directory (SQL) or not, P1's approver taken
 * off P1 (setProductApprovers) or not; their delegates follow.
 */
const CAST = [
  { kind: "licenseAdmin", role: "LICENSE_ADMIN" },
  { kind: "userAdmin", role: "USER_ADMIN" },
  { kind: "approverA", role: "USER" },
  { kind: "approverB", role: "USER" },
  { kind: "delegateA", role: "USER" },
  { kind: "delegateB", role: "USER" },
  { kind: "delegateOfUserAdmin", role: "USER" },
  { kind: "delegateFuture", role: "USER" },
  { kind: "delegateExpired", role: "USER" },
  { kind: "delegateCancelled", role: "USER" },
] as const;
type Kind = "admin" | "plain" | (typeof CAST)[number]["kind"];
/** Every person of an organization but the global admin: the plain users, then the cast. */
const PERSONS = PEOPLE + CAST.length;
const kindOf = (person: number): Kind => (person < 0 ? "admin" : person < PEOPLE ? "plain" : CAST[person - PEOPLE].kind);
/** The person index of the cast member of `kind`. */
const personOfKind = (kind: Kind): number => PEOPLE + CAST.findIndex((c) => c.kind === kind);
/** Whose right each delegate decides with (their delegator's kind), where they have one. */
const DELEGATOR: Partial<Record<Kind, Kind>> = { delegateA: "approverA", delegateB: "approverB", delegateOfUserAdmin: "userAdmin" };

interface RightsState {
  /** The user admin is a USER in the directory for this sequence. */
  userAdminDemoted: boolean;
  /** Product 1 has no approver for this sequence. */
  approverBRemoved: boolean;
}

/** What the policy lets each kind of person decide, in a state: every product, or these product indexes. */
function rightsOf(kind: Kind, state: RightsState): { all: boolean; products: number[] } {
  switch (kind) {
    case "admin":
    case "licenseAdmin":
      return { all: true, products: [] };
    case "userAdmin":
    case "delegateOfUserAdmin":
      return { all: !state.userAdminDemoted, products: [] };
    case "approverA":
    case "delegateA":
      return { all: false, products: [0] };
    case "approverB":
    case "delegateB":
      return { all: false, products: state.approverBRemoved ? [] : [1] };
    default:
      return { all: false, products: [] };
  }
}
const decides = (kind: Kind, state: RightsState, product: number) => {
  const rights = rightsOf(kind, state);
  return rights.all || rights.products.includes(product);
};

interface ModelRequest {
  org: OrgIndex;
  localId: number;
  id: string;
  productIndex: number;
  requester: number;
  /** People indexes, the requester included. */
  recipients: number[];
  status: string;
}

interface Model {
  requests: ModelRequest[];
  /** Products each person holds (approved), per organization: "person:product". */
  holds: Set<string>[];
  /** The entries each organization's log must have gained, in order. */
  entries: { requestId: number; kind: string }[][];
  /** The sequence's rights. */
  state: RightsState;
}

interface Real {
  server: TestServer;
  ds: DataSource;
  orgs: ActivityOrganization[];
  changes: ReturnType<typeof activityChanges>;
  mail: Mailbox;
  stats: Map<string, number>;
}

const count = (real: Real, key: string) => real.stats.set(key, (real.stats.get(key) ?? 0) + 1);
const personToken = (real: Real, org: OrgIndex, person: number) => real.orgs[org].tokens.get(real.orgs[org].people[person].id)!;
const pendingFor = (model: Model, org: OrgIndex, person: number, product: number) =>
  model.requests.some((r) => r.org === org && r.status === "PENDING" && r.productIndex === product && r.recipients.includes(person));
const pickRequest = (model: Model, org: OrgIndex, index: number) => {
  const own = model.requests.filter((r) => r.org === org);
  return own.length ? own[index % own.length] : null;
};

class Submit implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly org: OrgIndex,
    readonly requester: number,
    readonly product: number,
    readonly named: number[],
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const recipients = [...new Set([this.requester, ...this.named])];
    const refused = recipients.some((p) => model.holds[this.org].has(`${p}:${this.product}`) || pendingFor(model, this.org, p, this.product));
    const org = real.orgs[this.org];
    const answer = await real.changes.submit(
      personToken(real, this.org, this.requester),
      org.products[this.product],
      this.named.filter((p) => p !== this.requester).map((p) => org.people[p]),
    );
    if (answer.acted === refused) throw new Error(`${this.toString()}: the model said ${refused ? "refused" : "acts"}, the API ${JSON.stringify(answer)}`);
    count(real, `submit: ${answer.acted ? "ok" : answer.errors[0]?.code}`);
    if (!answer.acted) return;
    const localId = fromGlobalId(answer.id!)!.localId;
    model.requests.push({ org: this.org, localId, id: answer.id!, productIndex: this.product, requester: this.requester, recipients, status: "PENDING" });
    model.entries[this.org].push({ requestId: localId, kind: "SUBMITTED" });
  }
  toString = () => `submit(org ${this.org}, person ${this.requester}, product ${this.product}, naming ${JSON.stringify(this.named)})`;
}

/**
 * What the policy answers `decider` (a person index, -1 for the global admin)
 * deciding `request`: FORBIDDEN (a top-level error) for whoever decides
 * nothing, NOT_FOUND for a request they may not see, NOT_PERMITTED for one
 * they see but may not decide (a recipient, another product's, or one whose
 * delegator is a recipient), CONFLICT for one no longer pending, else it acts.
 */
function expectedDecision(model: Model, request: ModelRequest, decider: number): string {
  const kind = kindOf(decider);
  const rights = rightsOf(kind, model.state);
  if (!rights.all && !rights.products.length) return "FORBIDDEN";
  const recipient = request.recipients.includes(decider);
  const decidesIt = decides(kind, model.state, request.productIndex);
  if (!decidesIt && !recipient) return "NOT_FOUND";
  // A delegate's every right is lent (the cast's delegates are plain users), and a delegator named in the request lends none to decide it.
  const delegator = DELEGATOR[kind];
  const lentByRecipient = delegator !== undefined && request.recipients.includes(personOfKind(delegator));
  if (!decidesIt || recipient || lentByRecipient) return "NOT_PERMITTED";
  return request.status === "PENDING" ? "ok" : "CONFLICT";
}

class Decide implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly org: OrgIndex,
    readonly decision: "approve" | "deny" | "cancel",
    readonly request: number,
    readonly exclude: number,
    /** Who decides: -1 the global admin, else a person index. */
    readonly decider: number,
  ) {}
  check = (model: Model) => model.requests.some((r) => r.org === this.org);
  async run(model: Model, real: Real) {
    const request = pickRequest(model, this.org, this.request)!;
    const org = real.orgs[this.org];
    const excluded =
      this.decision === "approve" && request.recipients.length > 1 ? request.recipients.filter((_, i) => i === this.exclude % request.recipients.length) : [];
    const token =
      this.decision === "cancel"
        ? personToken(real, this.org, request.requester)
        : this.decider < 0
          ? org.adminToken
          : personToken(real, this.org, this.decider);
    const expected = this.decision === "cancel" ? (request.status === "PENDING" ? "ok" : "CONFLICT") : expectedDecision(model, request, this.decider);
    const before = await real.changes.read(org.adminToken, request.id);
    const call =
      this.decision === "approve"
        ? real.changes.approve(
            token,
            request.id,
            excluded.map((p) => org.people[p]),
          )
        : this.decision === "deny"
          ? real.changes.deny(token, request.id)
          : real.changes.cancel(token, request.id);
    const answer: { acted: boolean; errors: { code: string }[] } = await call.catch((error: unknown) => ({
      acted: false,
      errors: [{ code: String(error).includes('"FORBIDDEN"') ? "FORBIDDEN" : String(error) }],
    }));
    const got = answer.acted ? "ok" : (answer.errors[0]?.code ?? "?");
    const who = this.decision === "cancel" ? "the requester" : kindOf(this.decider);
    if (got !== expected) {
      throw new Error(
        `${this.toString()} by ${who} of a ${request.status} request of product ${request.productIndex} naming ${JSON.stringify(request.recipients)} (${JSON.stringify(model.state)}): the policy says ${expected}, the API ${JSON.stringify(answer)}`,
      );
    }
    count(real, `${this.decision} by ${who}: ${got}`);
    if (!answer.acted) {
      // Refused: nothing of the request changed.
      const after = await real.changes.read(org.adminToken, request.id);
      if (JSON.stringify(after) !== JSON.stringify(before))
        throw new Error(`${this.toString()} was refused (${got}) and yet changed ${JSON.stringify([before, after])}`);
      return;
    }
    const status = this.decision === "approve" ? (excluded.length ? "PARTIALLY_APPROVED" : "APPROVED") : this.decision === "deny" ? "DENIED" : "CANCELLED";
    request.status = status;
    if (this.decision === "approve")
      for (const p of request.recipients.filter((p) => !excluded.includes(p))) model.holds[this.org].add(`${p}:${request.productIndex}`);
    model.entries[this.org].push({ requestId: request.localId, kind: status });
    // A decision records whose right it used (a delegate's delegator) and its channel, as stored.
    const stored = await real.changes.read(org.adminToken, request.id);
    const delegator = this.decision === "cancel" ? undefined : DELEGATOR[kindOf(this.decider)];
    const onBehalfOf = delegator ? toGlobalId("User", org.people[personOfKind(delegator)].id) : null;
    const expectedStored = { status, decidedOnBehalfOf: onBehalfOf && { id: onBehalfOf }, decisionChannel: this.decision === "cancel" ? null : "API" };
    if (
      JSON.stringify({ status: stored?.status, decidedOnBehalfOf: stored?.decidedOnBehalfOf, decisionChannel: stored?.decisionChannel }) !==
      JSON.stringify(expectedStored)
    ) {
      throw new Error(`${this.toString()} by ${who} stored ${JSON.stringify(stored)}, expected ${JSON.stringify(expectedStored)}`);
    }
  }
  toString = () => `${this.decision}(org ${this.org}, request ${this.request}, exclude ${this.exclude}, by ${this.decider})`;
}

class SecondOpinion implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly org: OrgIndex,
    readonly request: number,
    readonly person: number,
  ) {}
  check = (model: Model) => model.requests.some((r) => r.org === this.org);
  async run(model: Model, real: Real) {
    const request = pickRequest(model, this.org, this.request)!;
    const org = real.orgs[this.org];
    const since = real.mail.delivered.length;
    const shared = await real.server.gql(
      org.adminToken,
      `mutation($input: ShareLicenseRequestInput!) { shareLicenseRequest(input: $input) { userErrors { code message } } }`,
      { input: { requestId: request.id, userIds: [toGlobalId("User", org.people[this.person].id)] } },
    );
    const acted = shared.body.data?.shareLicenseRequest?.userErrors?.length === 0;
    if (acted !== (request.status === "PENDING")) throw new Error(`${this.toString()} of a ${request.status} request: ${JSON.stringify(shared.body)}`);
    count(real, `share: ${acted ? "ok" : shared.body.data?.shareLicenseRequest?.userErrors?.[0]?.code}`);
    if (!acted) return;
    // The link's secret as the person gets it, from the delivered email.
    const token = await real.mail.linkTokenTo(org.people[this.person].email, since);
    const recorded = await real.server.gql(
      null,
      `mutation($input: RecordRecommendationInput!) { recordRecommendation(input: $input) { userErrors { code message } } }`,
      { input: { shareToken: token, verdict: this.person % 2 ? "APPROVE" : "DENY" } },
    );
    if (recorded.body.data?.recordRecommendation?.userErrors?.length !== 0) throw new Error(`recording: ${JSON.stringify(recorded.body)}`);
    count(real, "second opinion recorded");
    model.entries[this.org].push({ requestId: request.localId, kind: "RECOMMENDED" });
  }
  toString = () => `second opinion(org ${this.org}, request ${this.request}, asking person ${this.person})`;
}

const org = fc.constantFrom<OrgIndex>(0, 1);
/** Mostly plain users and the approvers, sometimes anyone. */
const person = fc.oneof({ weight: 2, arbitrary: fc.nat(PEOPLE + 3) }, { weight: 1, arbitrary: fc.nat(PERSONS - 1) });
/** Mostly someone who decides something (the global admin, the cast), sometimes a plain user. */
const decider = fc.oneof(
  { weight: 1, arbitrary: fc.constant(-1) },
  { weight: 4, arbitrary: fc.integer({ min: PEOPLE, max: PERSONS - 1 }) },
  { weight: 1, arbitrary: fc.nat(PEOPLE - 1) },
);
const commands = [
  fc.tuple(org, person, fc.nat(PRODUCTS - 1), fc.array(person, { maxLength: 2 })).map((a) => new Submit(...a)),
  fc.tuple(org, person, fc.nat(PRODUCTS - 1), fc.array(person, { maxLength: 2 })).map((a) => new Submit(...a)),
  fc.tuple(org, fc.constantFrom("approve" as const, "deny" as const, "cancel" as const), fc.nat(50), fc.nat(3), decider).map((a) => new Decide(...a)),
  fc.tuple(org, fc.constantFrom("approve" as const, "deny" as const), fc.nat(50), fc.nat(3), decider).map((a) => new Decide(...a)),
  fc.tuple(org, fc.nat(50), person).map((a) => new SecondOpinion(...a)),
];
const rightsState = fc.record({ userAdminDemoted: fc.boolean(), approverBRemoved: fc.boolean() });

/** The cast of one organization, its approvers and delegations (see CAST). */
async function castOf(real: Pick<Real, "server" | "ds">, organization: ActivityOrganization): Promise<void> {
  const users: Record<string, UserEntity> = {};
  for (const { kind, role } of CAST) {
    const user = await organization.seed.user({ role, displayName: `${kind} ${organization.id}` });
    users[kind] = user;
    organization.people.push(user);
    organization.tokens.set(user.id, await organization.seed.token(user));
  }
  const as = (kind: string) => organization.tokens.get(users[kind].id)!;
  const ask = async (token: string, query: string, input: Json) => {
    const body = await postGraphQL(real.server, token, query, { input });
    const payload = body.data && Object.values(body.data)[0];
    if (body.errors || (payload as Json).userErrors.length) throw new Error(`setting up the cast: ${JSON.stringify(body)}`);
    return payload as Json;
  };
  const setApprovers = `mutation($input: SetProductApproversInput!) { setProductApprovers(input: $input) { userErrors { code message } } }`;
  const delegate = `mutation($input: DelegateApprovalsInput!) { delegateApprovals(input: $input) { delegation { id } userErrors { code message } } }`;
  for (const [product, kind] of [
    [0, "approverA"],
    [1, "approverB"],
  ] as const) {
    await ask(as("licenseAdmin"), setApprovers, {
      productId: toGlobalId("Product", organization.products[product].id),
      userIds: [toGlobalId("User", users[kind].id)],
    });
  }
  const now = real.server.clock.now().getTime();
  const lend = (from: string, to: string, startsIn: number, endsIn: number) =>
    ask(as(from), delegate, {
      toUserId: toGlobalId("User", users[to].id),
      startsAt: new Date(now + startsIn).toISOString(),
      endsAt: new Date(now + endsIn).toISOString(),
    });
  await lend("approverA", "delegateA", 0, 80 * DAY_MS);
  await lend("approverB", "delegateB", 0, 80 * DAY_MS);
  await lend("userAdmin", "delegateOfUserAdmin", 0, 80 * DAY_MS);
  await lend("licenseAdmin", "delegateFuture", 30 * DAY_MS, 60 * DAY_MS);
  const cancelled = await lend("approverA", "delegateCancelled", 0, 80 * DAY_MS);
  await ask(
    as("delegateCancelled"),
    `mutation($input: CancelApprovalDelegationInput!) { cancelApprovalDelegation(input: $input) { userErrors { code message } } }`,
    {
      delegationId: cancelled.delegation.id,
    },
  );
  // A window that ended (the API refuses a start in the past, so it is stored as if made three weeks ago).
  await real.ds.getRepository(ApprovalDelegationEntity).insert({
    organizationId: organization.id,
    fromUserId: users.licenseAdmin.id,
    toUserId: users.delegateExpired.id,
    startsAt: new Date(now - 20 * DAY_MS),
    endsAt: new Date(now - 10 * DAY_MS),
    createdAt: new Date(now - 21 * DAY_MS),
    cancelledAt: null,
  });
}

/** Puts an organization in a sequence's state: the user admin's role in the directory, product 1's approvers. */
async function applyState(real: Real, organization: ActivityOrganization, state: RightsState): Promise<void> {
  const userAdmin = organization.people[PEOPLE + CAST.findIndex((c) => c.kind === "userAdmin")];
  const approverB = organization.people[PEOPLE + CAST.findIndex((c) => c.kind === "approverB")];
  await real.ds.query("UPDATE app_user SET role = ? WHERE id = ?", [state.userAdminDemoted ? "USER" : "USER_ADMIN", userAdmin.id]);
  const body = await postGraphQL(
    real.server,
    organization.adminToken,
    `mutation($input: SetProductApproversInput!) { setProductApprovers(input: $input) { userErrors { code } } }`,
    { input: { productId: toGlobalId("Product", organization.products[1].id), userIds: state.approverBRemoved ? [] : [toGlobalId("User", approverB.id)] } },
  );
  if (body.errors || (body.data!.setProductApprovers as Json).userErrors.length) throw new Error(`applying ${JSON.stringify(state)}: ${JSON.stringify(body)}`);
}

describe("each viewer sees exactly the activity the policy lets them see, over every transport", () => {
  let real: Real;
  const clients = new Map<string, LiveClient>();
  const model: Model = { requests: [], holds: [new Set(), new Set()], entries: [[], []], state: { userAdminDemoted: false, approverBRemoved: false } };

  beforeAll(async () => {
    const mail = mailbox();
    const server = await startTestServer({
      env: { SEED_DEMO_DATA: "false", WS_MAX_CONNECTIONS_PER_USER: "100", WS_MAX_SUBSCRIPTIONS_PER_USER: "100" },
      start: { mailTransport: mail.transport },
    });
    const ds = server.service.dataSource;
    const orgs = [
      await activityOrganization(ds, { people: PEOPLE, products: PRODUCTS }),
      await activityOrganization(ds, { people: PEOPLE, products: PRODUCTS }),
    ];
    real = { server, ds, orgs, changes: activityChanges(server), mail, stats: new Map() };
    for (const organization of orgs) await castOf(real, organization);
  });

  afterAll(async () => {
    for (const client of clients.values()) await client.dispose();
    await real?.server.stop();
    console.log(`activity visibility model: ${SEQUENCES} sequences; ${JSON.stringify(Object.fromEntries([...(real?.stats ?? [])].sort()))}`);
  });

  it("gives each viewer (every role, approvers, delegates) the entries of the requests they may see, second opinions only to their deciders, nothing of another organization; decides as the policy says", async () => {
    const live = (token: string) => {
      if (!clients.has(token)) clients.set(token, liveClient(real.server.wsUrl, token));
      return clients.get(token)!;
    };
    const transports = activityTransports(real.server, live);
    await fc.assert(
      fc.asyncProperty(rightsState, fc.commands(commands, { maxCommands: MAX_COMMANDS, size: "max" }), async (state, cmds) => {
        model.state = state;
        for (const o of ORGS) await applyState(real, real.orgs[o], state);
        count(real, `sequence in ${JSON.stringify(state)}`);
        const heads = await Promise.all(ORGS.map(async (o) => (await storedEntries(real.ds, real.orgs[o].id)).length));
        const starts = ORGS.map((o) => cursorOf(real.orgs[o].id, heads[o]));
        for (const o of ORGS) model.entries[o] = [];
        const viewers = ORGS.flatMap((o) => [real.orgs[o].admin, ...real.orgs[o].people].map((user) => ({ org: o, user })));
        const runs = Object.entries(transports).map(([name, make]) => ({ name, run: make() }));
        // Every viewer's feeds open at once: P0's and P1's approvers (and their delegates) are subscribed side by side.
        for (const { run } of runs) for (const v of viewers) await run.start(real.orgs[v.org].tokens.get(v.user.id)!, starts[v.org]);
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          // Last, in each organization, a request naming everyone: each viewer's last entry.
          const sentinels: number[] = [];
          for (const o of ORGS) {
            const organization = real.orgs[o];
            const answer = await real.changes.submit(organization.adminToken, await organization.seed.product(), organization.people);
            if (!answer.acted) throw new Error(`the sequence's last request was refused: ${JSON.stringify(answer)}`);
            sentinels.push(fromGlobalId(answer.id!)!.localId);
            model.entries[o].push({ requestId: sentinels[o], kind: "SUBMITTED" });
          }

          for (const o of ORGS) {
            const stored = (await storedEntries(real.ds, real.orgs[o].id)).filter((e) => e.seq > heads[o] && e.kind !== "SHARED" && e.kind !== "SHARE_REVOKED");
            expect(stored.map((e) => ({ requestId: e.requestId, kind: e.kind }))).toEqual(model.entries[o]);
          }
          for (const v of viewers) {
            const organization = real.orgs[v.org];
            const person = organization.people.findIndex((p: UserEntity) => p.id === v.user.id);
            const kind = kindOf(person);
            const stored = (await storedEntries(real.ds, organization.id)).filter((e) => e.seq > heads[v.org]);
            const requestOf = (requestId: number) => model.requests.find((r) => r.org === v.org && r.localId === requestId)!;
            const decidesIt = (requestId: number) => requestId !== sentinels[v.org] && decides(kind, state, requestOf(requestId).productIndex);
            const mayRead = (requestId: number) => requestId === sentinels[v.org] || decidesIt(requestId) || requestOf(requestId).recipients.includes(person);
            const expected = stored
              .filter((e) => e.kind !== "SHARED" && e.kind !== "SHARE_REVOKED" && (e.kind !== "RECOMMENDED" || decidesIt(e.requestId)) && mayRead(e.requestId))
              .map((e) => [e.seq, e.kind, toGlobalId("LicenseRequest", e.requestId)]);
            const token = organization.tokens.get(v.user.id)!;
            for (const { name, run } of runs) {
              const got = await run.collect(token, starts[v.org], (e) => e.licenseRequest?.id === toGlobalId("LicenseRequest", sentinels[v.org]));
              const seen = got.map((e) => [seqOf(e.cursor), e.kind, e.licenseRequest?.id]);
              if (JSON.stringify(seen) !== JSON.stringify(expected)) {
                throw new Error(
                  `${name}: ${kind} (person ${person}) of organization ${v.org} in ${JSON.stringify(state)} saw\n ${JSON.stringify(seen)}\nwhere the policy says\n ${JSON.stringify(expected)}`,
                );
              }
              count(real, `viewer checked over ${name}`);
            }
          }
        } finally {
          for (const { run } of runs) await run.stop();
        }
      }),
      { numRuns: SEQUENCES, seed: attackSeed(), endOnFailure: true },
    );
  });
});
