/**
 * A request policy per product (api.md "Policies"), over real HTTP against a
 * real server: setLicenseRequestPolicy (an omitted part keeps its value, an
 * explicit null turns it off, every change recorded), who may set and read
 * it, `Product.seats`, `User.manager`, and bad input of every kind, each
 * refusal checked to have changed nothing and never an internal error. What a
 * policy does to requests is in endorsements and renewals' suites.
 */
import type { DataSource } from "typeorm";
import { LicenseRequestPolicyChangeEntity, LicenseRequestPolicyEntity, ProductEntity, ServicePlanEntity, UserEntity } from "../../src/entities";
import { toGlobalId } from "../../src/services/shared/ids";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";
import { GraphQLResponse, startTestServer, TestServer } from "../helpers/server";

jest.setTimeout(60_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let server: TestServer;
let ds: DataSource;

beforeAll(async () => {
  server = await startTestServer({ env: { SEED_DEMO_DATA: "false" } });
  ds = server.service.dataSource;
});

afterAll(async () => {
  await server?.stop();
});

/** Posts as `token`; fails on an HTTP status other than 200 or any internal error. */
async function ask(token: string, query: string, variables: Json = {}): Promise<GraphQLResponse<Json>["body"]> {
  const response = await server.gql<Json>(token, query, variables);
  const codes = (response.body.errors ?? []).map((e) => e.extensions?.code);
  if (response.status !== 200 || codes.includes("INTERNAL_SERVER_ERROR") || codes.some((c) => typeof c !== "string")) {
    throw new Error(`${query.slice(0, 80)}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

const POLICY = `product { id } autoApprove { maxRecipients requesterGroup { id } disabledServicePlans { id } }
  managerEndorsement { escalateAfterDays } licenseDurationDays updatedAt updatedBy { id }`;

async function setPolicy(token: string, input: Json) {
  const body = await ask(
    token,
    `mutation($input: SetLicenseRequestPolicyInput!) { setLicenseRequestPolicy(input: $input) { clientMutationId userErrors { code message field } policy { ${POLICY} } } }`,
    { input },
  );
  return { payload: (body.data?.setLicenseRequestPolicy ?? null) as Json | null, codes: (body.errors ?? []).map((e) => e.extensions?.code as string) };
}

const readPolicy = async (token: string, productId: string) =>
  (await ask(token, `query($id: ID!) { product(id: $id) { requestPolicy { ${POLICY} } } }`, { id: productId })).data!.product?.requestPolicy;

/** What is stored of policies, for "nothing changed" checks. */
async function storedPolicies(organizationId: number) {
  const policies = await ds.getRepository(LicenseRequestPolicyEntity).find({ where: { organizationId }, order: { productId: "ASC" } });
  const changes = await ds.getRepository(LicenseRequestPolicyChangeEntity).count({ where: { organizationId } });
  return JSON.stringify({ policies, changes });
}

interface World {
  seed: OrganizationSeed;
  global: UserEntity;
  license: UserEntity;
  userAdmin: UserEntity;
  user: UserEntity;
  P: ProductEntity;
  Q: ProductEntity;
  plansOf(product: ProductEntity): Promise<ServicePlanEntity[]>;
  foreign: { product: ProductEntity; admin: UserEntity; groupId: number; planId: number };
  token(user: UserEntity): string;
}

async function world(): Promise<World> {
  const seed = await seedOrganization(ds);
  const people = {
    global: await seed.user({ role: "GLOBAL_ADMIN" }),
    license: await seed.user({ role: "LICENSE_ADMIN" }),
    userAdmin: await seed.user({ role: "USER_ADMIN" }),
    user: await seed.user(),
  };
  const P = await seed.product({ name: "Product P", total: 5 });
  const Q = await seed.product({ name: "Product Q", plans: 1 });
  const other = await seedOrganization(ds);
  const otherProduct = await other.product();
  const otherGroup = await other.group({});
  const [otherPlan] = await ds.query<{ servicePlanId: number }[]>("SELECT servicePlanId FROM product_service_plan WHERE productId = ?", [otherProduct.id]);
  const foreign = {
    product: otherProduct,
    admin: await other.user({ role: "GLOBAL_ADMIN" }),
    groupId: otherGroup.id,
    planId: Number(otherPlan.servicePlanId),
  };
  const tokens = new Map<number, string>();
  for (const user of [...Object.values(people), foreign.admin]) tokens.set(user.id, await seed.token(user));
  const plansOf = async (product: ProductEntity) =>
    ds.query<ServicePlanEntity[]>(
      "SELECT sp.* FROM service_plan sp JOIN product_service_plan psp ON psp.servicePlanId = sp.id WHERE psp.productId = ? ORDER BY sp.id",
      [product.id],
    );
  return { seed, ...people, P, Q, plansOf, foreign, token: (user) => tokens.get(user.id)! };
}

const gid = (type: "User" | "Product" | "Group" | "ServicePlan", id: number) => toGlobalId(type, id);
const codesOf = (result: { payload: Json | null; codes: string[] }) => [...(result.payload?.userErrors ?? []).map((e: Json) => e.code), ...result.codes];

describe("setLicenseRequestPolicy", () => {
  it("is off for every product until set; a part set stays while others change, null turns it off, and every change is recorded", async () => {
    const w = await world();
    const P = gid("Product", w.P.id);
    expect(await readPolicy(w.token(w.global), P)).toEqual({
      product: { id: P },
      autoApprove: null,
      managerEndorsement: null,
      licenseDurationDays: null,
      updatedAt: null,
      updatedBy: null,
    });
    const group = await w.seed.group({ members: [w.user] });
    const [plan] = await w.plansOf(w.P);
    const first = await setPolicy(w.token(w.license), {
      productId: P,
      autoApprove: {
        maxRecipients: 3,
        requesterGroupId: gid("Group", group.id),
        disabledServicePlanIds: [gid("ServicePlan", plan.id), gid("ServicePlan", plan.id)],
      },
      clientMutationId: "one",
    });
    expect(first.payload).toMatchObject({
      clientMutationId: "one",
      userErrors: [],
      policy: {
        autoApprove: { maxRecipients: 3, requesterGroup: { id: gid("Group", group.id) }, disabledServicePlans: [{ id: gid("ServicePlan", plan.id) }] },
        managerEndorsement: null,
        licenseDurationDays: null,
        updatedBy: { id: gid("User", w.license.id) },
      },
    });
    expect(first.payload!.policy.updatedAt).toBe(server.clock.now().toISOString());
    // Omitted parts keep their values.
    const second = await setPolicy(w.token(w.global), { productId: P, managerEndorsement: { escalateAfterDays: 5 }, licenseDurationDays: 90 });
    expect(second.payload!.policy).toMatchObject({
      autoApprove: { maxRecipients: 3 },
      managerEndorsement: { escalateAfterDays: 5 },
      licenseDurationDays: 90,
      updatedBy: { id: gid("User", w.global.id) },
    });
    // An explicit null turns a part off, and only that part.
    const third = await setPolicy(w.token(w.global), { productId: P, autoApprove: null, licenseDurationDays: null });
    expect(third.payload!.policy).toMatchObject({ autoApprove: null, managerEndorsement: { escalateAfterDays: 5 }, licenseDurationDays: null });
    expect(await readPolicy(w.token(w.license), P)).toEqual(third.payload!.policy);
    // Another product's policy is its own.
    expect((await readPolicy(w.token(w.global), gid("Product", w.Q.id))).managerEndorsement).toBeNull();
    // Every change: who, when, what.
    const changes = await ds.getRepository(LicenseRequestPolicyChangeEntity).find({ where: { productId: w.P.id }, order: { id: "ASC" } });
    expect(changes.map((c) => [c.changedById, JSON.parse(c.policy)])).toEqual([
      [
        w.license.id,
        { autoApprove: { maxRecipients: 3, requesterGroupId: group.id, disabledPlanIds: [plan.id] }, managerEndorsement: null, licenseDurationDays: null },
      ],
      [
        w.global.id,
        {
          autoApprove: { maxRecipients: 3, requesterGroupId: group.id, disabledPlanIds: [plan.id] },
          managerEndorsement: { escalateAfterDays: 5 },
          licenseDurationDays: 90,
        },
      ],
      [w.global.id, { autoApprove: null, managerEndorsement: { escalateAfterDays: 5 }, licenseDurationDays: null }],
    ]);
  });

  it("is set and read only by those who manage the request process", async () => {
    const w = await world();
    const P = gid("Product", w.P.id);
    const before = await storedPolicies(w.seed.organization.id);
    for (const user of [w.userAdmin, w.user]) {
      expect(codesOf(await setPolicy(w.token(user), { productId: P, licenseDurationDays: 30 }))).toEqual(["FORBIDDEN"]);
      expect(await readPolicy(w.token(user), P)).toBeNull();
    }
    // Another organization's admin does not find the product at all.
    expect(codesOf(await setPolicy(w.token(w.foreign.admin), { productId: P, licenseDurationDays: 30 }))).toEqual(["NOT_FOUND"]);
    expect(await storedPolicies(w.seed.organization.id)).toBe(before);
  });

  it("refuses numbers out of range, foreign or unknown groups and plans, malformed IDs, and changes nothing", async () => {
    const w = await world();
    const P = gid("Product", w.P.id);
    await setPolicy(w.token(w.global), { productId: P, licenseDurationDays: 10 });
    const before = await storedPolicies(w.seed.organization.id);
    const [qPlan] = await w.plansOf(w.Q);
    const cases: [Json, string, string[]][] = [
      [{ autoApprove: { maxRecipients: 0 } }, "INVALID_INPUT", ["input", "autoApprove", "maxRecipients"]],
      [{ autoApprove: { maxRecipients: 51 } }, "INVALID_INPUT", ["input", "autoApprove", "maxRecipients"]],
      [{ autoApprove: { maxRecipients: -2147483648 } }, "INVALID_INPUT", ["input", "autoApprove", "maxRecipients"]],
      [{ managerEndorsement: { escalateAfterDays: 0 } }, "INVALID_INPUT", ["input", "managerEndorsement", "escalateAfterDays"]],
      [{ managerEndorsement: { escalateAfterDays: 31 } }, "INVALID_INPUT", ["input", "managerEndorsement", "escalateAfterDays"]],
      [{ licenseDurationDays: 0 }, "INVALID_INPUT", ["input", "licenseDurationDays"]],
      [{ licenseDurationDays: 3651 }, "INVALID_INPUT", ["input", "licenseDurationDays"]],
      [{ autoApprove: { maxRecipients: 2, requesterGroupId: gid("Group", w.foreign.groupId) } }, "NOT_FOUND", ["input", "autoApprove", "requesterGroupId"]],
      [{ autoApprove: { maxRecipients: 2, requesterGroupId: "not-an-id" } }, "NOT_FOUND", ["input", "autoApprove", "requesterGroupId"]],
      [{ autoApprove: { maxRecipients: 2, requesterGroupId: P } }, "NOT_FOUND", ["input", "autoApprove", "requesterGroupId"]],
      [
        { autoApprove: { maxRecipients: 2, disabledServicePlanIds: [gid("ServicePlan", w.foreign.planId)] } },
        "NOT_FOUND",
        ["input", "autoApprove", "disabledServicePlanIds", "0"],
      ],
      // A plan of another product of the same organization is not this product's.
      [
        { autoApprove: { maxRecipients: 2, disabledServicePlanIds: [gid("ServicePlan", qPlan.id)] } },
        "NOT_FOUND",
        ["input", "autoApprove", "disabledServicePlanIds", "0"],
      ],
      [{ autoApprove: { maxRecipients: 2, disabledServicePlanIds: ["x"] } }, "NOT_FOUND", ["input", "autoApprove", "disabledServicePlanIds", "0"]],
      [
        { autoApprove: { maxRecipients: 2, disabledServicePlanIds: Array.from({ length: 101 }, () => gid("ServicePlan", qPlan.id)) } },
        "INVALID_INPUT",
        ["input", "autoApprove", "disabledServicePlanIds"],
      ],
    ];
    for (const [input, code, field] of cases) {
      const result = await setPolicy(w.token(w.global), { productId: P, ...input });
      expect([input, result.payload!.policy, result.payload!.userErrors.map((e: Json) => [e.code, e.field])]).toEqual([input, null, [[code, field]]]);
    }
    for (const productId of [gid("Product", w.foreign.product.id), "bogus", gid("User", w.user.id)]) {
      const result = await setPolicy(w.token(w.global), { productId, licenseDurationDays: 5 });
      expect(result.payload!.userErrors.map((e: Json) => [e.code, e.field])).toEqual([["NOT_FOUND", ["input", "productId"]]]);
    }
    // Wrong types never reach the service: a validation error, not a 500.
    const typed = await server.gql<Json>(
      w.token(w.global),
      `mutation { setLicenseRequestPolicy(input: { productId: "${P}", licenseDurationDays: "ten" }) { policy { licenseDurationDays } } }`,
    );
    expect(typed.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const huge = await server.gql<Json>(
      w.token(w.global),
      `mutation { setLicenseRequestPolicy(input: { productId: "${P}", licenseDurationDays: 99999999999 }) { policy { licenseDurationDays } } }`,
    );
    expect(huge.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(await storedPolicies(w.seed.organization.id)).toBe(before);
    expect((await readPolicy(w.token(w.global), P)).licenseDurationDays).toBe(10);
  });

  it("acts once for a retried idempotency key, and answers the retry as the first call did", async () => {
    const w = await world();
    const input = { productId: gid("Product", w.P.id), licenseDurationDays: 30, idempotencyKey: "policy-1" };
    const first = await setPolicy(w.token(w.global), input);
    const again = await setPolicy(w.token(w.global), input);
    expect(again.payload!.policy).toEqual(first.payload!.policy);
    expect(await ds.getRepository(LicenseRequestPolicyChangeEntity).count({ where: { productId: w.P.id } })).toBe(1);
  });
});

describe("seats and managers", () => {
  it("counts a product's seats for those who decide its requests: assigned, available, asked for, and licenses expiring within 30 days", async () => {
    const w = await world();
    const [a, b, c] = [await w.seed.user(), await w.seed.user(), await w.seed.user()];
    await w.seed.request({ requester: a, product: w.P, named: [b] });
    await w.seed.request({ requester: c, product: w.P });
    const now = server.clock.now().getTime();
    await ds.query("UPDATE product SET assignedLicenses = 3 WHERE id = ?", [w.P.id]);
    for (const [user, expiresAt] of [
      [a, now + 5 * 86_400_000],
      [b, now + 40 * 86_400_000],
      [c, null],
    ] as const) {
      await ds.query("INSERT INTO license_assignment (organizationId, userId, productId, assignedAt, expiresAt) VALUES (?, ?, ?, ?, ?)", [
        w.seed.organization.id,
        user.id,
        w.P.id,
        now,
        expiresAt,
      ]);
    }
    const seats = async (token: string) =>
      (
        await ask(token, `query($id: ID!) { product(id: $id) { seats { total assigned available requested reclaimingWithin30Days } } }`, {
          id: gid("Product", w.P.id),
        })
      ).data!.product.seats;
    expect(await seats(w.token(w.userAdmin))).toEqual({ total: 5, assigned: 3, available: 2, requested: 3, reclaimingWithin30Days: 1 });
    expect(await seats(w.token(w.user))).toBeNull();
  });

  it("tells everyone of the organization a person's manager", async () => {
    const w = await world();
    const boss = await w.seed.user({ displayName: "Bo Boss" });
    await ds.query("UPDATE app_user SET managerId = ? WHERE id = ?", [boss.id, w.user.id]);
    const manager = async (token: string, userId: number) =>
      (await ask(token, `query($id: ID!) { node(id: $id) { ... on User { manager { id displayName } } } }`, { id: gid("User", userId) })).data!.node;
    expect(await manager(w.token(w.user), w.user.id)).toEqual({ manager: { id: gid("User", boss.id), displayName: "Bo Boss" } });
    expect(await manager(w.token(w.userAdmin), w.user.id)).toEqual({ manager: { id: gid("User", boss.id), displayName: "Bo Boss" } });
    expect(await manager(w.token(w.user), boss.id)).toEqual({ manager: null });
    expect(await manager(w.token(w.foreign.admin), w.user.id)).toBeNull();
  });

  it("tells a manager that requests may await their endorsement, and nobody else", async () => {
    const w = await world();
    const boss = await w.seed.user({ displayName: "Bo Boss" });
    const endorses = async (user: UserEntity) =>
      (await ask(await w.seed.token(user), `{ me { permissions { endorsesRequests } } }`)).data!.me.permissions.endorsesRequests;
    expect(await endorses(boss)).toBe(false);
    await ds.query("UPDATE app_user SET managerId = ? WHERE id = ?", [boss.id, w.user.id]);
    expect(await endorses(boss)).toBe(true);
    expect(await endorses(w.user)).toBe(false);
    // The same person managing someone in another organization makes nothing of it here.
    await ds.query("UPDATE app_user SET managerId = NULL WHERE id = ?", [w.user.id]);
    await ds.query("UPDATE app_user SET managerId = ? WHERE id = ?", [boss.id, w.foreign.admin.id]);
    expect(await endorses(boss)).toBe(false);
  });
});
