/**
 * Organizations are isolated (api.md "Who may do what"), as a model-based
 * property (fast-check `commands`): random sequences of queries, mutations
 * (submit, approve, deny, cancel, settings), subscriptions and `node`/`nodes`
 * lookups by users of Contoso and Fabrikam, over HTTP and graphql-ws, with IDs
 * of both organizations. After every command:
 *
 * - every global ID the caller got back names a row of the caller's own
 *   organization (read from the database);
 * - no row of the other organization changed;
 * - a call naming an ID of the other organization is answered exactly as the
 *   same call naming an ID that exists nowhere (null for queries, the same
 *   userErrors for mutations: NOT_FOUND where the ID is looked up), and
 *   changed nothing at all;
 * - no subscriber (the admins' dashboards of both organizations, and the
 *   subscriptions the sequence opened) was pushed anything of another
 *   organization; a subscription naming a foreign request or product is
 *   refused with NOT_FOUND; and at the end of each sequence the dashboards
 *   did get every event of their own organization (so the check is not vacuous).
 *
 * `npm test` runs a modest number of sequences; ATTACK_RUNS=10000
 * (`npm run test:attacks`) runs about that many commands.
 */
import fc from "fast-check";
import { DataSource } from "typeorm";
import { ProductEntity } from "../../src/entities";
import { fromGlobalId, NodeTypeName, toGlobalId } from "../../src/services/shared/ids";
import { attackRuns, attackSeed, idCatalogue, idsIn, organizationOf, snapshot, snapshotDiff, WsSession, wsErrors } from "../helpers/attacks";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, liveClient, LiveClient, LiveSubscription } from "../helpers/ws";

/** Commands per sequence (at most), and sequences: ATTACK_RUNS is the number of commands of the whole run. */
const MAX_COMMANDS = 20;
const COMMANDS = attackRuns(240, "ISOLATION_RUNS");
const SEQUENCES = Math.max(1, Math.round(COMMANDS / (MAX_COMMANDS / 2)));
jest.setTimeout(180_000 + COMMANDS * 250);

type Org = "Contoso" | "Fabrikam";
const OTHER: Record<Org, Org> = { Contoso: "Fabrikam", Fabrikam: "Contoso" };
const PEOPLE: Record<Org, { admin: string; users: string[] }> = {
  Contoso: {
    admin: "admin@contoso.example",
    users: ["adele@contoso.example", "alex@contoso.example", "megan@contoso.example", "lee@contoso.example", "nestor@contoso.example"],
  },
  Fabrikam: {
    admin: "admin@fabrikam.example",
    users: ["diego@fabrikam.example", "irvin@fabrikam.example", "emily@fabrikam.example", "nina@fabrikam.example", "omar@fabrikam.example"],
  },
};
const ACTORS = (["Contoso", "Fabrikam"] as const).flatMap((org) => [PEOPLE[org].admin, ...PEOPLE[org].users].map((email) => ({ email, org })));
type Actor = (typeof ACTORS)[number];
const SKUS = ["POWER_BI_PRO", "VISIO_PLAN2", "SPE_E5", "PROJECT_PLAN3"] as const;
const PLANS = ["BI_AZURE_P2", "EXCHANGE_S_FOUNDATION", "VISIOONLINE", "TEAMS1"] as const;

// Selections that name every related object by ID, so a leak through any edge shows.
const REQUEST = `id status justification requester { id organization { id } } product { id } assignedProduct { id }
  recipients { decision user { id } assignment { id product { id } } } eligibleProducts { id } decidedBy { id }
  history { id actor { id } product { id } } disabledServicePlans { id }`;
const REQUEST_ROW = `id status requester { id } product { id } recipients { user { id } } decidedBy { id }`;
// (Aliased per type: the same field name of different types may not return different types in one selection.)
const ANY_NODE = `id __typename
  ... on LicenseRequest { ${REQUEST_ROW} }
  ... on User { userOrganization: organization { id } userLicenses: licenses { id } }
  ... on Product { productPlans: servicePlans { id } }
  ... on LicenseAssignment { assignee: user { id } assignedProduct: product { id } assignedBy: request { id } }
  ... on LicenseRequestDecision { decided: request { id } actor { id } approvedUsers { id } deniedUsers { id } }
  ... on RequestProcessSettings { updatedBy { id } }`;
const PAYLOAD_ERRORS = "userErrors { code message field }";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Answer = { data?: Json | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

/** An ID chosen by a command: of the caller's organization, of the other one, or of nothing. */
type Pick = { whose: "own" | "foreign"; index: number; recent?: boolean };
const pick = (ownWeight = 2) =>
  fc.record({
    whose: fc.oneof({ weight: ownWeight, arbitrary: fc.constant("own" as const) }, { weight: 1, arbitrary: fc.constant("foreign" as const) }),
    index: fc.nat(1_000),
  });
/** A request: often the newest (likely still pending), sometimes any. */
const requestPick = (ownWeight: number) => fc.tuple(pick(ownWeight), fc.nat(2)).map(([p, n]) => ({ ...p, recent: n > 0 }));

interface Model {
  /** Requests known to exist, by organization (seeded and submitted), newest last. */
  requests: Record<Org, string[]>;
  /** Who submitted the requests this sequence created. */
  requesters: Map<string, string>;
  /** Subscriptions the sequence opened, per actor. */
  opened: Record<string, number>;
}

interface Real {
  server: TestServer;
  ds: DataSource;
  orgId: Record<Org, number>;
  ids: Record<Org, { users: string[]; products: string[]; plans: string[] }>;
  /** Global ID → organization, filled as IDs are met. */
  owner: Map<string, number>;
  sessions: Map<string, WsSession>;
  live: Map<string, LiveClient>;
  /** Every subscription open now: whose it is, what it saw so far. */
  subscriptions: { actor: Actor; subscription: LiveSubscription; checked: number; dashboard?: "submitted" | "updated" }[];
  /** Events each organization's dashboards must have received. */
  expected: Record<Org, { submitted: number; updated: number }>;
  /** Fresh IDs that name nothing, by type (never reused). */
  nothing(type: NodeTypeName): string;
  /** Calls sent (the twins with an ID of nothing included), and commands run. */
  calls: number;
  commands: number;
  /** What the commands met, for the summary. */
  stats: Map<string, number>;
}

// ---------------------------------------------------------------------------
// Calls and the invariants every answer must keep.

async function call(real: Real, actor: Actor, transport: "http" | "ws", query: string, variables: Json = {}): Promise<Answer> {
  real.calls += 1;
  if (transport === "http") return (await real.server.gql(actor.email, query, variables)).body;
  let session = real.sessions.get(actor.email);
  if (!session) {
    session = await WsSession.open(real.server.wsUrl, await real.server.ids.token(actor.email));
    real.sessions.set(actor.email, session);
  }
  await session.ensureOpen();
  const outcome = await session.run({ query, variables });
  if (outcome.closed) throw new Error(`the socket closed: ${JSON.stringify(outcome.closed)}`);
  const next = outcome.frames.find((f) => f.type === "next");
  return next ? (next.payload as Answer) : { errors: wsErrors(outcome) };
}

/** Every ID in `data` names a row of `org`. */
async function expectOwnIds(real: Real, org: Org, data: unknown, what: string): Promise<void> {
  for (const id of idsIn(data)) {
    if (!real.owner.has(id)) {
      const owner = await organizationOf(real.ds, id);
      if (owner === undefined) throw new Error(`${what}: answered with ${id} (${JSON.stringify(fromGlobalId(id))}), which names no row`);
      real.owner.set(id, owner);
    }
    if (real.owner.get(id) !== real.orgId[org]) {
      throw new Error(
        `${what}: ${org} was answered with ${id} (${JSON.stringify(fromGlobalId(id))}) of the other organization: ${JSON.stringify(data).slice(0, 1_500)}`,
      );
    }
  }
}

function expectNoInternalError(answer: Answer, what: string): void {
  for (const error of answer.errors ?? []) {
    if (error.extensions?.code === "INTERNAL_SERVER_ERROR" || typeof error.extensions?.code !== "string") throw new Error(`${what}: ${JSON.stringify(answer)}`);
  }
}

/** The part of an answer that must not tell a foreign ID from a missing one: data and error codes, IDs masked. */
function comparable(answer: Answer, masked: string[]): string {
  let text = JSON.stringify({ data: answer.data ?? null, errors: (answer.errors ?? []).map((e) => ({ code: e.extensions?.code, message: e.message })) });
  for (const id of masked) text = text.split(id).join("<id>");
  return text;
}

/**
 * Runs one command's call and checks the invariants. `foreign` lists the IDs of
 * the other organization it names; `swap` builds the same call with each of them
 * replaced by an ID that names nothing.
 */
async function checked(
  real: Real,
  actor: Actor,
  transport: "http" | "ws",
  what: string,
  build: (replace: (id: string) => string) => { query: string; variables: Json },
  named: string[],
): Promise<Answer> {
  real.commands += 1;
  const other = OTHER[actor.org];
  for (const id of named) {
    if (real.owner.has(id)) continue;
    const owner = await organizationOf(real.ds, id);
    if (owner !== undefined) real.owner.set(id, owner);
  }
  const foreign = named.filter((id) => real.owner.get(id) === real.orgId[other]);
  const otherBefore = await snapshot(real.ds, real.orgId[other]);
  const allBefore = foreign.length ? await snapshot(real.ds) : null;
  const { query, variables } = build((id) => id);
  const answer = await call(real, actor, transport, query, variables);
  const label = `${what} by ${actor.email} over ${transport}`;
  const codes = [
    ...Object.values(answer.data ?? {}).flatMap((payload) => ((payload as Json | null)?.userErrors ?? []).map((e: Json) => e.code)),
    ...(answer.errors ?? []).map((e) => e.extensions?.code),
  ];
  const key = `${what}${foreign.length ? " (foreign ID)" : ""}: ${codes[0] ?? "ok"}`;
  real.stats.set(key, (real.stats.get(key) ?? 0) + 1);
  expectNoInternalError(answer, label);
  await expectOwnIds(real, actor.org, answer.data, label);
  const otherDiff = snapshotDiff(otherBefore, await snapshot(real.ds, real.orgId[other]));
  if (Object.keys(otherDiff).length) throw new Error(`${label} changed ${other}'s rows: ${JSON.stringify(otherDiff).slice(0, 2_000)}`);
  if (allBefore) {
    // Naming another organization's ID is like naming nothing: refused, nothing changed, the same answer.
    const diff = snapshotDiff(allBefore, await snapshot(real.ds));
    if (Object.keys(diff).length) throw new Error(`${label} named ${foreign.join(", ")} of ${other} and changed rows: ${JSON.stringify(diff).slice(0, 2_000)}`);
    const replacements = new Map(foreign.map((id) => [id, real.nothing(fromGlobalId(id)!.type)]));
    const twin = build((id) => replacements.get(id) ?? id);
    const twinAnswer = await call(real, actor, transport, twin.query, twin.variables);
    const masks = [...replacements.keys(), ...replacements.values()];
    if (comparable(answer, masks) !== comparable(twinAnswer, masks)) {
      throw new Error(
        `${label}: an ID of ${other} is answered unlike an ID of nothing:\n foreign: ${comparable(answer, masks)}\n nothing: ${comparable(twinAnswer, masks)}`,
      );
    }
    const diffAfterTwin = snapshotDiff(allBefore, await snapshot(real.ds));
    if (Object.keys(diffAfterTwin).length) throw new Error(`${label} with an ID of nothing changed rows: ${JSON.stringify(diffAfterTwin).slice(0, 2_000)}`);
  }
  await checkSubscribers(real);
  return answer;
}

/** Subscribers saw nothing of another organization (their IDs are their own). */
async function checkSubscribers(real: Real): Promise<void> {
  for (const entry of real.subscriptions) {
    const items = entry.subscription.inbox.all;
    for (const item of items.slice(entry.checked)) {
      const label = `a subscription of ${entry.actor.email}`;
      if (item.kind === "next") {
        expectNoInternalError(item.payload as Answer, label);
        await expectOwnIds(real, entry.actor.org, item.payload.data, label);
      }
      if (item.kind === "error" && item.errors.some((e) => e.extensions?.code === "INTERNAL_SERVER_ERROR" || String(e.message).startsWith("socket closed"))) {
        throw new Error(`${label} ended: ${JSON.stringify(item.errors)}`);
      }
    }
    entry.checked = items.length;
  }
}

// ---------------------------------------------------------------------------
// Commands.

const resolve = (real: Real, actor: Actor, p: Pick, kind: "users" | "products" | "plans"): string => {
  const org = p.whose === "own" ? actor.org : OTHER[actor.org];
  const list = real.ids[org][kind];
  return list[p.index % list.length];
};
const requestOf = (model: Model, actor: Actor, p: Pick): string | null => {
  const list = model.requests[p.whose === "own" ? actor.org : OTHER[actor.org]];
  if (!list.length) return null;
  if (!p.recent) return list[p.index % list.length];
  // The newest, or for a user the newest they sent themselves (so cancels can succeed).
  const mine = list.filter((id) => model.requesters.get(id) === actor.email);
  return p.whose === "own" && mine.length && !actor.email.startsWith("admin@") ? mine[mine.length - 1] : list[list.length - 1];
};
const acted = (payload: Json | null | undefined) => !!payload && Array.isArray(payload.userErrors) && payload.userErrors.length === 0;

type Transport = "http" | "ws";
const transport = fc.constantFrom<Transport>("http", "ws");
const actor = fc.constantFrom(...ACTORS);

class Submit implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: Actor,
    readonly via: Transport,
    readonly product: Pick,
    readonly others: Pick[],
    readonly justification: string,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const productId = resolve(real, this.actor, this.product, "products");
    const others = this.others.map((p) => resolve(real, this.actor, p, "users"));
    const answer = await checked(
      real,
      this.actor,
      this.via,
      "submit",
      (r) => ({
        query: `mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) { licenseRequest { ${REQUEST} } ownRequestProcess { id message } ${PAYLOAD_ERRORS} } }`,
        variables: { input: { productId: r(productId), additionalUserIds: others.map(r), justification: this.justification } },
      }),
      [productId, ...others],
    );
    const created = answer.data?.submitLicenseRequest?.licenseRequest?.id as string | undefined;
    if (created) {
      model.requests[this.actor.org].push(created);
      model.requesters.set(created, this.actor.email);
      real.expected[this.actor.org].submitted += 1;
    }
  }
  toString = () => `submit(${this.actor.email}, ${this.via}, ${JSON.stringify([this.product, this.others])})`;
}

class Decide implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: Actor,
    readonly via: Transport,
    readonly decision: "approve" | "deny" | "cancel",
    readonly request: Pick,
    readonly product: Pick | null,
    readonly excluded: Pick[],
    readonly plans: Pick[],
  ) {}
  check = (model: Model) => model.requests.Contoso.length + model.requests.Fabrikam.length > 0;
  async run(model: Model, real: Real) {
    const requestId = requestOf(model, this.actor, this.request) ?? real.nothing("LicenseRequest");
    const productId = this.product ? resolve(real, this.actor, this.product, "products") : null;
    const excluded = this.excluded.map((p) => resolve(real, this.actor, p, "users"));
    const plans = this.plans.map((p) => resolve(real, this.actor, p, "plans"));
    const field = { approve: "approveLicenseRequest", deny: "denyLicenseRequest", cancel: "cancelLicenseRequest" }[this.decision];
    const inputType = { approve: "ApproveLicenseRequestInput", deny: "DenyLicenseRequestInput", cancel: "CancelLicenseRequestInput" }[this.decision];
    const named = this.decision === "approve" ? [requestId, ...(productId ? [productId] : []), ...excluded, ...plans] : [requestId];
    const answer = await checked(
      real,
      this.actor,
      this.via,
      this.decision,
      (r) => ({
        query: `mutation($input: ${inputType}!) { ${field}(input: $input) { licenseRequest { ${REQUEST} } ${
          this.decision === "approve" ? "assignments { id user { id } product { id } disabledServicePlans { id } request { id } }" : ""
        } ${PAYLOAD_ERRORS} } }`,
        variables: {
          input:
            this.decision === "approve"
              ? {
                  requestId: r(requestId),
                  ...(productId ? { productId: r(productId) } : {}),
                  excludedUserIds: excluded.map(r),
                  disabledServicePlanIds: plans.map(r),
                }
              : { requestId: r(requestId) },
        },
      }),
      named,
    );
    const payload = answer.data?.[field] as Json | undefined;
    if (acted(payload)) real.expected[this.actor.org].updated += 1;
    // A foreign request is looked up first: nothing of it may be told (NOT_FOUND, or the role refusal every missing ID gets).
    if (real.owner.get(requestId) === real.orgId[OTHER[this.actor.org]]) {
      const codes = [...(payload?.userErrors ?? []).map((e: Json) => e.code), ...(answer.errors ?? []).map((e) => e.extensions?.code)];
      if (!codes.length || codes.some((c) => c !== "NOT_FOUND" && c !== "FORBIDDEN"))
        throw new Error(`${this.decision} of a foreign request answered ${JSON.stringify(answer)}`);
    }
  }
  toString = () => `${this.decision}(${this.actor.email}, ${this.via}, ${JSON.stringify([this.request, this.product, this.excluded, this.plans])})`;
}

class Settings implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: Actor,
    readonly via: Transport,
    readonly useOwn: boolean,
    readonly message: string | null,
  ) {}
  check = () => true;
  async run(_model: Model, real: Real) {
    await checked(
      real,
      this.actor,
      this.via,
      "settings",
      () => ({
        query: `mutation($input: UpdateRequestProcessSettingsInput!) { updateRequestProcessSettings(input: $input) { settings { id useOwnRequestProcess message updatedBy { id } } ${PAYLOAD_ERRORS} } }`,
        variables: { input: { useOwnRequestProcess: this.useOwn, message: this.message } },
      }),
      [],
    );
  }
  toString = () => `settings(${this.actor.email}, ${this.via}, ${this.useOwn})`;
}

type ReadKind = "request" | "node" | "nodes" | "list" | "product" | "directory" | "history" | "me";
class Read implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: Actor,
    readonly via: Transport,
    readonly kind: ReadKind,
    readonly picks: Pick[],
    readonly idKinds: ("request" | "users" | "products" | "plans" | "assignment" | "decision" | "settings" | "organization")[],
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const ids = this.picks.map((p, i) => {
      const kind = this.idKinds[i % this.idKinds.length];
      const org = p.whose === "own" ? this.actor.org : OTHER[this.actor.org];
      if (kind === "request") return requestOf(model, this.actor, p) ?? real.nothing("LicenseRequest");
      if (kind === "users" || kind === "products" || kind === "plans") return resolve(real, this.actor, p, kind);
      if (kind === "settings") return toGlobalId("RequestProcessSettings", real.orgId[org]);
      if (kind === "organization") return toGlobalId("Organization", real.orgId[org]);
      const type: NodeTypeName = kind === "assignment" ? "LicenseAssignment" : "LicenseRequestDecision";
      const known = [...real.owner].filter(([id, owner]) => owner === real.orgId[org] && fromGlobalId(id)?.type === type).map(([id]) => id);
      return known.length ? known[p.index % known.length] : real.nothing(type);
    });
    const [first = real.nothing("LicenseRequest"), second = real.nothing("User")] = ids;
    const builders: Record<ReadKind, (r: (id: string) => string) => { query: string; variables: Json }> = {
      request: (r) => ({ query: `query($id: ID!) { licenseRequest(id: $id) { ${REQUEST} } }`, variables: { id: r(first) } }),
      node: (r) => ({ query: `query($id: ID!) { node(id: $id) { ${ANY_NODE} } }`, variables: { id: r(first) } }),
      nodes: (r) => ({ query: `query($ids: [ID!]!) { nodes(ids: $ids) { ${ANY_NODE} } }`, variables: { ids: ids.map(r) } }),
      list: (r) => ({
        query: `query($f: LicenseRequestFilter) { licenseRequests(filter: $f, first: 50) { totalCount nodes { ${REQUEST_ROW} } } }`,
        variables: {
          f: {
            productId: r(resolve(real, this.actor, this.picks[0] ?? { whose: "own", index: 0 }, "products")),
            ...(this.picks.length > 1 ? { requesterId: r(second) } : {}),
          },
        },
      }),
      product: (r) => ({ query: `query($id: ID!) { product(id: $id) { id servicePlans { id } } }`, variables: { id: r(first) } }),
      directory: () => ({
        query: `{ products { id servicePlans { id } } users(first: 20) { totalCount nodes { id organization { id } licenses { id } } } requestProcessSettings { id updatedBy { id } } }`,
        variables: {},
      }),
      history: () => ({
        query: `{ licenseRequestDecisions(first: 50) { totalCount nodes { id request { id } actor { id } approvedUsers { id } deniedUsers { id } product { id } } } }`,
        variables: {},
      }),
      me: () => ({ query: `{ me { id organization { id } licenses { id product { id } request { id } } } }`, variables: {} }),
    };
    const listed = [resolve(real, this.actor, this.picks[0] ?? { whose: "own", index: 0 }, "products"), ...(this.picks.length > 1 ? [second] : [])];
    const named: Record<ReadKind, string[]> = {
      request: [first],
      node: [first],
      nodes: ids,
      list: listed,
      product: [first],
      directory: [],
      history: [],
      me: [],
    };
    const answer = await checked(real, this.actor, this.via, `read ${this.kind}`, builders[this.kind], named[this.kind]);
    if (this.kind === "nodes" && answer.data?.nodes) {
      ids.forEach((id, i) => {
        if (real.owner.get(id) === real.orgId[OTHER[this.actor.org]] && answer.data!.nodes[i] !== null)
          throw new Error(`nodes answered a foreign ID: ${JSON.stringify(answer)}`);
      });
    }
  }
  toString = () => `read ${this.kind}(${this.actor.email}, ${this.via}, ${JSON.stringify(this.picks)})`;
}

class Subscribe implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: Actor,
    readonly topic: "submitted" | "updated",
    readonly target: Pick | null,
  ) {}
  check = (model: Model) => (model.opened[this.actor.email] ?? 0) < 10;
  async run(model: Model, real: Real) {
    let live = real.live.get(this.actor.email);
    if (!live) {
      live = liveClient(real.server.wsUrl, await real.server.ids.token(this.actor.email));
      real.live.set(this.actor.email, live);
    }
    const id = this.target
      ? this.topic === "submitted"
        ? resolve(real, this.actor, this.target, "products")
        : requestOf(model, this.actor, this.target)
      : null;
    const query =
      this.topic === "submitted"
        ? `subscription($id: ID) { licenseRequestSubmitted(productId: $id) { ${REQUEST} } }`
        : `subscription($id: ID) { licenseRequestUpdated(requestId: $id) { ${REQUEST} } }`;
    real.commands += 1;
    const subscription = live.subscribe(query, { id });
    model.opened[this.actor.email] = (model.opened[this.actor.email] ?? 0) + 1;
    real.subscriptions.push({ actor: this.actor, subscription, checked: 0 });
    if (id && real.owner.get(id) === real.orgId[OTHER[this.actor.org]]) {
      // A foreign product or request is answered like one that does not exist: NOT_FOUND (or the role's FORBIDDEN first).
      const errors = await subscription.nextError();
      const twin = live.subscribe(query, { id: real.nothing(this.topic === "submitted" ? "Product" : "LicenseRequest") });
      const twinErrors = await twin.nextError();
      const codes = errors.map((e) => e.extensions?.code).join();
      if (codes !== twinErrors.map((e) => e.extensions?.code).join() || !["NOT_FOUND", "FORBIDDEN"].includes(codes)) {
        throw new Error(`subscribing to a foreign ${this.topic} target answered ${JSON.stringify(errors)}; a missing one ${JSON.stringify(twinErrors)}`);
      }
      const key = `subscribe ${this.topic} (foreign ID): ${codes}`;
      real.stats.set(key, (real.stats.get(key) ?? 0) + 1);
    }
    await checkSubscribers(real);
  }
  toString = () => `subscribe ${this.topic}(${this.actor.email}, ${JSON.stringify(this.target)})`;
}

const admin = fc.constantFrom(...ACTORS.filter((a) => a.email.startsWith("admin@")));
const user = fc.constantFrom(...ACTORS.filter((a) => !a.email.startsWith("admin@")));
const mostly = <T>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: usual }, { weight: 1, arbitrary: other });
const few = <T>(arbitrary: fc.Arbitrary<T>) => mostly(fc.constant<T[]>([]), fc.array(arbitrary, { minLength: 1, maxLength: 2 }));

const submit = fc
  .tuple(mostly(user, actor), transport, pick(4), few(pick(2)), fc.constantFrom("", "Needed for the project.", "x".repeat(50)))
  .map((a) => new Submit(...a));
const decide = fc.oneof(
  fc
    .tuple(
      mostly(admin, actor),
      transport,
      fc.constantFrom("approve" as const, "deny" as const),
      requestPick(4),
      fc.option(pick(2), { nil: null, freq: 2 }),
      few(pick(2)),
      few(pick(2)),
    )
    .map((a) => new Decide(...a)),
  fc
    .tuple(mostly(user, actor), transport, fc.constant("cancel" as const), requestPick(4))
    .map(([who, via, what, request]) => new Decide(who, via, what, request, null, [], [])),
);
const settings = fc
  .tuple(
    mostly(admin, actor),
    transport,
    fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    fc.constantFrom(null, "Ask the service desk."),
  )
  .map((a) => new Settings(...a));
const read = fc
  .tuple(
    actor,
    transport,
    fc.constantFrom<ReadKind>("request", "node", "nodes", "list", "product", "directory", "history", "me"),
    fc.array(pick(1), { minLength: 1, maxLength: 6 }),
    fc.array(
      fc.constantFrom(
        "request" as const,
        "users" as const,
        "products" as const,
        "plans" as const,
        "assignment" as const,
        "decision" as const,
        "settings" as const,
        "organization" as const,
      ),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
  )
  .map((a) => new Read(...a));
const subscribe = fc.tuple(actor, fc.constantFrom("submitted" as const, "updated" as const), fc.option(pick(1), { nil: null })).map((a) => new Subscribe(...a));
/** Weighted by listing an arbitrary more than once. */
const commands = [submit, submit, submit, decide, decide, decide, decide, read, read, read, read, subscribe, settings];

describe("organizations are isolated under random sequences of calls", () => {
  let real: Real;

  beforeAll(async () => {
    const server = await startTestServer();
    const ds = server.service.dataSource;
    // Pools large enough that approvals keep succeeding through a long run.
    await ds.getRepository(ProductEntity).createQueryBuilder().update().set({ totalLicenses: 100_000 }).execute();
    const orgId = { Contoso: server.ids.userRow(PEOPLE.Contoso.admin).organizationId, Fabrikam: server.ids.userRow(PEOPLE.Fabrikam.admin).organizationId };
    const idsOf = (org: Org) => ({
      users: [PEOPLE[org].admin, ...PEOPLE[org].users].map((email) => server.ids.user(email)),
      products: SKUS.map((sku) => server.ids.product(sku, org)),
      plans: PLANS.map((plan) => server.ids.plan(plan, org)),
    });
    let nothing = 1_999_999_999;
    real = {
      server,
      ds,
      orgId,
      ids: { Contoso: idsOf("Contoso"), Fabrikam: idsOf("Fabrikam") },
      owner: await idCatalogue(ds),
      sessions: new Map(),
      live: new Map(),
      subscriptions: [],
      expected: { Contoso: { submitted: 0, updated: 0 }, Fabrikam: { submitted: 0, updated: 0 } },
      nothing: (type) => toGlobalId(type, (nothing -= 1)),
      calls: 0,
      commands: 0,
      stats: new Map(),
    };
    // The admins' dashboards, open through the whole run: every new request and every update of their organization.
    for (const org of ["Contoso", "Fabrikam"] as const) {
      const admin = ACTORS.find((a) => a.email === PEOPLE[org].admin)!;
      const live = liveClient(server.wsUrl, await server.ids.token(admin.email));
      real.live.set(`dashboard:${org}`, live);
      real.subscriptions.push({
        actor: admin,
        subscription: live.subscribe(`subscription { licenseRequestSubmitted { ${REQUEST} } }`),
        checked: 0,
        dashboard: "submitted",
      });
      real.subscriptions.push({
        actor: admin,
        subscription: live.subscribe(`subscription { licenseRequestUpdated { ${REQUEST} } }`),
        checked: 0,
        dashboard: "updated",
      });
    }
    await eventually(() => server.service.services.tails.listenerCount() >= 4, undefined, "the dashboards to subscribe");
  });

  afterAll(async () => {
    for (const live of real?.live.values() ?? []) await live.dispose();
    for (const session of real?.sessions.values() ?? []) await session.close();
    await real?.server.stop();
    console.log(
      `isolation model: ${SEQUENCES} sequences, ${real?.commands} commands, ${real?.calls} calls; ${JSON.stringify(Object.fromEntries([...(real?.stats ?? [])].sort()))}`,
    );
  });

  it("never answers, changes or pushes anything of the other organization", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS, size: "max" }), async (cmds) => {
        // Each sequence starts from what is stored now; its own subscriptions end with it.
        for (const entry of real.subscriptions.filter((s) => !s.dashboard)) entry.subscription.unsubscribe();
        real.subscriptions = real.subscriptions.filter((s) => s.dashboard);
        const catalogue = await idCatalogue(real.ds);
        for (const [id, org] of catalogue) real.owner.set(id, org);
        const requests: Model["requests"] = { Contoso: [], Fabrikam: [] };
        for (const [id, org] of catalogue)
          if (fromGlobalId(id)?.type === "LicenseRequest") requests[org === real.orgId.Contoso ? "Contoso" : "Fabrikam"].push(id);
        const model: Model = { requests, requesters: new Map(), opened: {} };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        // The dashboards got every event of their own organization (and, checked above, nothing else).
        for (const org of ["Contoso", "Fabrikam"] as const) {
          for (const topic of ["submitted", "updated"] as const) {
            const entry = real.subscriptions.find((s) => s.dashboard === topic && s.actor.org === org)!;
            const received = () => entry.subscription.inbox.all.filter((m) => m.kind === "next").length;
            await eventually(
              () => received() >= real.expected[org][topic],
              undefined,
              `${org}'s dashboard to receive ${real.expected[org][topic]} ${topic} events`,
            );
            if (received() !== real.expected[org][topic])
              throw new Error(`${org}'s ${topic} dashboard got ${received()} events for ${real.expected[org][topic]} changes`);
          }
        }
        await checkSubscribers(real);
      }),
      { numRuns: SEQUENCES, seed: attackSeed(), endOnFailure: true },
    );
  });
});
