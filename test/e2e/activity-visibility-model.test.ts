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
 * - for every viewer (each organization's global admin, requesters, named
 *   recipients, people named in nothing), every transport in
 *   `ACTIVITY_TRANSPORTS` gives exactly the entries of the requests the
 *   policy lets them see, in order: over HTTP paged with endCursor, over
 *   graphql-ws live from a subscription opened before the sequence.
 *
 * ATTACK_RUNS / ACTIVITY_MODEL_RUNS set the number of commands.
 */
import fc from "fast-check";
import type { DataSource } from "typeorm";
import type { UserEntity } from "../../src/entities";
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
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, liveClient, LiveClient } from "../helpers/ws";

const MAX_COMMANDS = 14;
const COMMANDS = attackRuns(200, "ACTIVITY_MODEL_RUNS");
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

class Decide implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly org: OrgIndex,
    readonly decision: "approve" | "deny" | "cancel" | "deny by a user",
    readonly request: number,
    readonly exclude: number,
  ) {}
  check = (model: Model) => model.requests.some((r) => r.org === this.org);
  async run(model: Model, real: Real) {
    const request = pickRequest(model, this.org, this.request)!;
    const org = real.orgs[this.org];
    const excluded =
      this.decision === "approve" && request.recipients.length > 1 ? request.recipients.filter((_, i) => i === this.exclude % request.recipients.length) : [];
    let acts = request.status === "PENDING";
    let answer: { acted: boolean; errors: { code: string }[] };
    if (this.decision === "approve")
      answer = await real.changes.approve(
        org.adminToken,
        request.id,
        excluded.map((p) => org.people[p]),
      );
    else if (this.decision === "deny") answer = await real.changes.deny(org.adminToken, request.id);
    else if (this.decision === "cancel") answer = await real.changes.cancel(personToken(real, this.org, request.requester), request.id);
    else {
      // A user (not an admin) may not deny: nothing happens.
      acts = false;
      answer = await real.changes
        .deny(personToken(real, this.org, request.requester), request.id)
        .catch((error: unknown) => ({ acted: false, errors: [{ code: String(error).includes("FORBIDDEN") ? "FORBIDDEN" : String(error) }] }));
    }
    if (answer.acted !== acts)
      throw new Error(`${this.toString()} of a ${request.status} request: the model said ${acts ? "acts" : "refused"}, the API ${JSON.stringify(answer)}`);
    count(real, `${this.decision}: ${answer.acted ? "ok" : answer.errors[0]?.code}`);
    if (!answer.acted) return;
    const status = this.decision === "approve" ? (excluded.length ? "PARTIALLY_APPROVED" : "APPROVED") : this.decision === "deny" ? "DENIED" : "CANCELLED";
    request.status = status;
    if (this.decision === "approve")
      for (const p of request.recipients.filter((p) => !excluded.includes(p))) model.holds[this.org].add(`${p}:${request.productIndex}`);
    model.entries[this.org].push({ requestId: request.localId, kind: status });
  }
  toString = () => `${this.decision}(org ${this.org}, request ${this.request}, exclude ${this.exclude})`;
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
const person = fc.nat(PEOPLE - 1);
const commands = [
  fc.tuple(org, person, fc.nat(PRODUCTS - 1), fc.array(person, { maxLength: 2 })).map((a) => new Submit(...a)),
  fc.tuple(org, person, fc.nat(PRODUCTS - 1), fc.array(person, { maxLength: 2 })).map((a) => new Submit(...a)),
  fc
    .tuple(org, fc.constantFrom("approve" as const, "deny" as const, "cancel" as const, "deny by a user" as const), fc.nat(50), fc.nat(3))
    .map((a) => new Decide(...a)),
  fc.tuple(org, fc.constantFrom("approve" as const, "deny" as const, "cancel" as const), fc.nat(50), fc.nat(3)).map((a) => new Decide(...a)),
  fc.tuple(org, fc.nat(50), person).map((a) => new SecondOpinion(...a)),
];

describe("each viewer sees exactly the activity the policy lets them see, over every transport", () => {
  let real: Real;
  const clients = new Map<string, LiveClient>();
  const model: Model = { requests: [], holds: [new Set(), new Set()], entries: [[], []] };

  beforeAll(async () => {
    const mail = mailbox();
    const server = await startTestServer({ env: { SEED_DEMO_DATA: "false" }, start: { mailTransport: mail.transport } });
    const ds = server.service.dataSource;
    const orgs = [
      await activityOrganization(ds, { people: PEOPLE, products: PRODUCTS }),
      await activityOrganization(ds, { people: PEOPLE, products: PRODUCTS }),
    ];
    real = { server, ds, orgs, changes: activityChanges(server), mail, stats: new Map() };
  });

  afterAll(async () => {
    for (const client of clients.values()) await client.dispose();
    await real?.server.stop();
    console.log(`activity visibility model: ${SEQUENCES} sequences; ${JSON.stringify(Object.fromEntries([...(real?.stats ?? [])].sort()))}`);
  });

  it("gives each viewer the entries of the requests they may see, second opinions only to global admins, nothing of another organization", async () => {
    const live = (token: string) => {
      if (!clients.has(token)) clients.set(token, liveClient(real.server.wsUrl, token));
      return clients.get(token)!;
    };
    const transports = activityTransports(real.server, live);
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS, size: "max" }), async (cmds) => {
        const heads = await Promise.all(ORGS.map(async (o) => (await storedEntries(real.ds, real.orgs[o].id)).length));
        const starts = ORGS.map((o) => cursorOf(real.orgs[o].id, heads[o]));
        for (const o of ORGS) model.entries[o] = [];
        const viewers = ORGS.flatMap((o) => [real.orgs[o].admin, ...real.orgs[o].people].map((user) => ({ org: o, user })));
        const runs = Object.entries(transports).map(([name, make]) => ({ name, run: make() }));
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
            const admin = v.user.id === organization.admin.id;
            const person = organization.people.findIndex((p: UserEntity) => p.id === v.user.id);
            const stored = (await storedEntries(real.ds, organization.id)).filter((e) => e.seq > heads[v.org]);
            const mayRead = (requestId: number) => {
              if (requestId === sentinels[v.org]) return true;
              const request = model.requests.find((r) => r.org === v.org && r.localId === requestId)!;
              return admin || request.recipients.includes(person);
            };
            const expected = stored
              .filter((e) => e.kind !== "SHARED" && e.kind !== "SHARE_REVOKED" && (e.kind !== "RECOMMENDED" || admin) && mayRead(e.requestId))
              .map((e) => [e.seq, e.kind, toGlobalId("LicenseRequest", e.requestId)]);
            const token = organization.tokens.get(v.user.id)!;
            for (const { name, run } of runs) {
              const got = await run.collect(token, starts[v.org], (e) => e.licenseRequest?.id === toGlobalId("LicenseRequest", sentinels[v.org]));
              const seen = got.map((e) => [seqOf(e.cursor), e.kind, e.licenseRequest?.id]);
              if (JSON.stringify(seen) !== JSON.stringify(expected)) {
                throw new Error(
                  `${name}: ${admin ? "the admin" : `person ${person}`} of organization ${v.org} saw\n ${JSON.stringify(seen)}\nwhere the policy says\n ${JSON.stringify(expected)}`,
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
