/**
 * Demo data (api.md "Demo data"), written in one transaction and only when the
 * database has no organization yet. Contoso's five named users (adele, alex,
 * megan, lee, nestor) hold no license of a blocked product and are named in no
 * seeded request, so examples and tests can start from them. Each
 * organization has two security groups: one licensed with Microsoft 365 E5
 * (its members hold E5 through it), one unlicensed; their members are other
 * users than those five. Contoso also has a license admin (christie), a user
 * admin (debra) and an approver of Power BI Pro (henrietta), none of them named
 * in a seeded request.
 */
import { DataSource, EntityManager } from "typeorm";
import {
  DecisionAction,
  GroupEntity,
  GroupLicensedProductEntity,
  GroupMemberEntity,
  DecisionRecordEntity,
  DecisionRecordUserEntity,
  LicenseAssignmentEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  OrganizationEntity,
  ProductApproverEntity,
  ProductEntity,
  ProductServicePlanEntity,
  ServicePlanEntity,
  StoredRecipientDecision,
  StoredRequestStatus,
  UserEntity,
} from "../entities";
import { exclusively } from "./dataSource";
import type { RoleValue } from "../values";

const DAY = 24 * 60 * 60 * 1000;

const PLANS: Record<string, string> = {
  BI_AZURE_P2: "Power BI Pro",
  EXCHANGE_S_FOUNDATION: "Exchange Foundation",
  VISIO_CLIENT_SUBSCRIPTION: "Visio Desktop App",
  VISIOONLINE: "Visio Web App",
  PROJECT_CLIENT_SUBSCRIPTION: "Project Online Desktop Client",
  SHAREPOINT_PROJECT: "Project Online Service",
  EXCHANGE_S_ENTERPRISE: "Exchange Online (Plan 2)",
  TEAMS1: "Microsoft Teams",
  SHAREPOINTENTERPRISE: "SharePoint Online (Plan 2)",
  OFFICESUBSCRIPTION: "Microsoft 365 Apps for enterprise",
};

const PRODUCTS = [
  { sku: "POWER_BI_PRO", name: "Power BI Pro", selfService: false, total: 5, plans: ["BI_AZURE_P2", "EXCHANGE_S_FOUNDATION"] },
  {
    sku: "VISIO_PLAN2",
    name: "Visio Plan 2",
    selfService: false,
    total: 3,
    plans: ["VISIO_CLIENT_SUBSCRIPTION", "VISIOONLINE", "EXCHANGE_S_FOUNDATION"],
  },
  {
    sku: "PROJECT_PLAN3",
    name: "Project Plan 3",
    selfService: true,
    total: 10,
    plans: ["PROJECT_CLIENT_SUBSCRIPTION", "SHAREPOINT_PROJECT", "EXCHANGE_S_FOUNDATION"],
  },
  {
    sku: "SPE_E5",
    name: "Microsoft 365 E5",
    selfService: false,
    total: 25,
    plans: ["BI_AZURE_P2", "EXCHANGE_S_FOUNDATION", "EXCHANGE_S_ENTERPRISE", "TEAMS1", "SHAREPOINTENTERPRISE", "OFFICESUBSCRIPTION"],
  },
] as const;

type Sku = (typeof PRODUCTS)[number]["sku"];

interface SeedOrganization {
  name: string;
  domain: string;
  admin: string;
  /** Handle, display name and, for the admin roles besides the global admin, the role (api.md "Who decides"). */
  users: [string, string, RoleValue?][];
  /** A product's approvers, by handle (api.md "Who decides"). */
  approvers?: [Sku, string[]][];
  /** Who reports to whom, by handle: [person, manager] (api.md "Policies": a manager endorses). */
  managers: [string, string][];
  /** Licenses held from the start (count toward assignedLicenses). */
  holdings: [string, Sku][];
  /** Security groups: name, the products they are licensed with, their members (licensed members hold the product through the group). */
  groups: { name: string; licensedWith: Sku[]; members: string[] }[];
  requests: {
    requester: string;
    others: string[];
    sku: Sku;
    daysAgo: number;
    status: StoredRequestStatus;
    justification?: string;
    excluded?: string[];
    message?: string;
  }[];
}

const ORGANIZATIONS: SeedOrganization[] = [
  {
    name: "Contoso",
    domain: "contoso.example",
    admin: "MOD Administrator",
    users: [
      ["adele", "Adele Vance"],
      ["alex", "Alex Wilber"],
      ["megan", "Megan Bowen"],
      ["lee", "Lee Gu"],
      ["nestor", "Nestor Wilke"],
      ["patti", "Patti Fernandez"],
      ["lynne", "Lynne Robbins"],
      ["johanna", "Johanna Lorenz"],
      ["grady", "Grady Archie"],
      ["isaiah", "Isaiah Langer"],
      ["miriam", "Miriam Graham"],
      ["pradeep", "Pradeep Gupta"],
      ["joni", "Joni Sherman"],
      ["christie", "Christie Cline", "LICENSE_ADMIN"],
      ["debra", "Debra Berger", "USER_ADMIN"],
      ["henrietta", "Henrietta Mueller"],
    ],
    approvers: [["POWER_BI_PRO", ["henrietta"]]],
    managers: [
      ...(["adele", "alex", "megan", "nestor", "lee", "henrietta"] as const).map((handle): [string, string] => [handle, "miriam"]),
      ...(["patti", "grady", "johanna", "isaiah"] as const).map((handle): [string, string] => [handle, "lee"]),
      ...(["lynne", "pradeep", "joni"] as const).map((handle): [string, string] => [handle, "patti"]),
    ],
    holdings: [
      ["admin", "SPE_E5"],
      ["lynne", "SPE_E5"],
      ["miriam", "SPE_E5"],
      ["pradeep", "SPE_E5"],
      ["joni", "SPE_E5"],
      ["joni", "PROJECT_PLAN3"],
    ],
    groups: [
      { name: "Microsoft 365 E5 users", licensedWith: ["SPE_E5"], members: ["lynne", "miriam", "pradeep", "joni"] },
      { name: "Project managers", licensedWith: [], members: ["patti", "grady", "johanna"] },
    ],
    requests: [
      { requester: "patti", others: ["grady"], sku: "VISIO_PLAN2", daysAgo: 2, status: "PENDING", justification: "Floor plans for the new office." },
      { requester: "isaiah", others: [], sku: "POWER_BI_PRO", daysAgo: 9, status: "APPROVED", justification: "Sales dashboards.", message: "Enjoy!" },
      {
        requester: "johanna",
        others: ["pradeep"],
        sku: "POWER_BI_PRO",
        daysAgo: 12,
        status: "PARTIALLY_APPROVED",
        excluded: ["pradeep"],
        message: "Pradeep already has E5.",
      },
      { requester: "lynne", others: [], sku: "VISIO_PLAN2", daysAgo: 15, status: "DENIED", message: "Please use Visio in the browser." },
      { requester: "miriam", others: [], sku: "VISIO_PLAN2", daysAgo: 40, status: "EXPIRED" },
      { requester: "grady", others: [], sku: "POWER_BI_PRO", daysAgo: 5, status: "CANCELLED" },
      { requester: "joni", others: [], sku: "POWER_BI_PRO", daysAgo: 1, status: "PENDING", justification: "Quarterly reporting." },
    ],
  },
  {
    name: "Fabrikam",
    domain: "fabrikam.example",
    admin: "Fabrikam Administrator",
    users: [
      ["diego", "Diego Siciliani"],
      ["irvin", "Irvin Sayers"],
      ["emily", "Emily Braun"],
      ["nina", "Nina Park"],
      ["omar", "Omar Haddad"],
    ],
    managers: [
      ["irvin", "diego"],
      ["emily", "diego"],
      ["nina", "irvin"],
      ["omar", "irvin"],
    ],
    holdings: [
      ["admin", "SPE_E5"],
      ["irvin", "SPE_E5"],
      ["emily", "POWER_BI_PRO"],
      ["irvin", "POWER_BI_PRO"],
      ["emily", "SPE_E5"],
      ["emily", "PROJECT_PLAN3"],
      ["nina", "SPE_E5"],
      ["omar", "SPE_E5"],
    ],
    groups: [
      { name: "Microsoft 365 E5 users", licensedWith: ["SPE_E5"], members: ["irvin", "nina", "omar"] },
      { name: "Designers", licensedWith: [], members: ["emily", "irvin"] },
    ],
    requests: [
      { requester: "irvin", others: [], sku: "VISIO_PLAN2", daysAgo: 3, status: "PENDING", justification: "Network diagrams." },
      { requester: "emily", others: [], sku: "VISIO_PLAN2", daysAgo: 20, status: "DENIED" },
    ],
  },
];

/** The email domains of the demo organizations: every demo user's address ends in "@" and one of them. */
export const DEMO_DOMAINS: readonly string[] = ORGANIZATIONS.map((organization) => organization.domain);

/**
 * Seeds the demo organizations if the database is empty, in one transaction;
 * returns whether it did. Instances starting together seed once (a database
 * lock on MySQL/MariaDB).
 */
export async function seedDemoData(dataSource: DataSource, now: Date = new Date()): Promise<boolean> {
  return exclusively(dataSource, "seed", () =>
    dataSource.transaction(async (manager) => {
      if ((await manager.getRepository(OrganizationEntity).count()) > 0) return false;
      for (const org of ORGANIZATIONS) await seedOrganization(manager, org, now);
      return true;
    }),
  );
}

async function seedOrganization(manager: EntityManager, spec: SeedOrganization, now: Date): Promise<void> {
  const organization = await manager.getRepository(OrganizationEntity).save({ name: spec.name });
  const organizationId = organization.id;
  const userByHandle = new Map<string, UserEntity>();
  const admin = await manager
    .getRepository(UserEntity)
    .save({ organizationId, displayName: spec.admin, email: `admin@${spec.domain}`, role: "GLOBAL_ADMIN" as const });
  userByHandle.set("admin", admin);
  for (const [handle, displayName, role = "USER"] of spec.users) {
    userByHandle.set(handle, await manager.getRepository(UserEntity).save({ organizationId, displayName, email: `${handle}@${spec.domain}`, role }));
  }
  for (const [handle, managerHandle] of spec.managers) {
    await manager.getRepository(UserEntity).update({ id: userByHandle.get(handle)!.id }, { managerId: userByHandle.get(managerHandle)!.id });
  }

  const planByCode = new Map<string, ServicePlanEntity>();
  for (const [servicePlanName, name] of Object.entries(PLANS)) {
    planByCode.set(servicePlanName, await manager.getRepository(ServicePlanEntity).save({ organizationId, servicePlanName, name }));
  }
  const productBySku = new Map<string, ProductEntity>();
  for (const p of PRODUCTS) {
    const product = await manager.getRepository(ProductEntity).save({
      organizationId,
      name: p.name,
      skuPartNumber: p.sku,
      selfServicePurchaseAllowed: p.selfService,
      totalLicenses: p.total,
      assignedLicenses: 0,
    });
    productBySku.set(p.sku, product);
    await manager
      .getRepository(ProductServicePlanEntity)
      .insert(p.plans.map((code) => ({ productId: product.id, servicePlanId: planByCode.get(code)!.id, organizationId })));
  }

  for (const [sku, handles] of spec.approvers ?? []) {
    await manager
      .getRepository(ProductApproverEntity)
      .insert(handles.map((handle, position) => ({ productId: productBySku.get(sku)!.id, userId: userByHandle.get(handle)!.id, organizationId, position })));
  }

  /** The licensed group a holder's license of `sku` comes through, by handle and SKU. */
  const groupOfHolding = new Map<string, number>();
  for (const g of spec.groups) {
    const group = await manager.getRepository(GroupEntity).save({ organizationId, name: g.name });
    await manager
      .getRepository(GroupMemberEntity)
      .insert(g.members.map((handle) => ({ groupId: group.id, userId: userByHandle.get(handle)!.id, organizationId })));
    if (g.licensedWith.length) {
      await manager
        .getRepository(GroupLicensedProductEntity)
        .insert(g.licensedWith.map((sku) => ({ groupId: group.id, productId: productBySku.get(sku)!.id, organizationId })));
    }
    for (const handle of g.members) for (const sku of g.licensedWith) groupOfHolding.set(`${handle}:${sku}`, group.id);
  }

  const assign = async (handle: string, sku: string, at: Date, requestId: number | null) => {
    const product = productBySku.get(sku)!;
    product.assignedLicenses += 1;
    await manager.getRepository(ProductEntity).update({ id: product.id }, { assignedLicenses: product.assignedLicenses });
    return manager.getRepository(LicenseAssignmentEntity).save({
      organizationId,
      userId: userByHandle.get(handle)!.id,
      productId: product.id,
      assignedAt: at,
      requestId,
      groupId: requestId === null ? (groupOfHolding.get(`${handle}:${sku}`) ?? null) : null,
    });
  };
  for (const [handle, sku] of spec.holdings) await assign(handle, sku, new Date(now.getTime() - 90 * DAY), null);

  for (const r of spec.requests) {
    const requestedAt = new Date(now.getTime() - r.daysAgo * DAY);
    const expiresAt = new Date(requestedAt.getTime() + 30 * DAY);
    const product = productBySku.get(r.sku)!;
    const handles = [r.requester, ...r.others];
    const decided = r.status !== "PENDING";
    const decidedAt = r.status === "EXPIRED" ? expiresAt : decided ? new Date(requestedAt.getTime() + DAY) : null;
    const decidedBy = r.status === "CANCELLED" ? userByHandle.get(r.requester)!.id : decided && r.status !== "EXPIRED" ? admin.id : null;
    const approving = r.status === "APPROVED" || r.status === "PARTIALLY_APPROVED";
    const request = await manager.getRepository(LicenseRequestEntity).save({
      organizationId,
      productId: product.id,
      requesterId: userByHandle.get(r.requester)!.id,
      justification: r.justification ?? null,
      status: r.status,
      recipientCount: handles.length,
      requestedAt,
      expiresAt,
      decidedAt,
      decidedById: decidedBy,
      decisionMessage: r.message ?? null,
      assignedProductId: approving ? product.id : null,
      decidedOnBehalfOfId: null,
      decisionChannel: approving || r.status === "DENIED" ? "API" : null,
    });
    const approved: number[] = [];
    const denied: number[] = [];
    for (const [position, handle] of handles.entries()) {
      const user = userByHandle.get(handle)!;
      let decision: StoredRecipientDecision = "PENDING";
      let assignmentId: number | null = null;
      if (approving && !r.excluded?.includes(handle)) {
        decision = "APPROVED";
        assignmentId = (await assign(handle, r.sku, decidedAt!, request.id)).id;
        approved.push(user.id);
      } else if (r.status === "DENIED" || approving) {
        decision = "DENIED";
        denied.push(user.id);
      }
      await manager.getRepository(LicenseRequestRecipientEntity).insert({
        requestId: request.id,
        userId: user.id,
        organizationId,
        position,
        decision,
        pendingProductId: r.status === "PENDING" ? product.id : null,
        assignmentId,
      });
    }
    if (decided) {
      const inserted = await manager.getRepository(DecisionRecordEntity).insert({
        organizationId,
        requestId: request.id,
        action: r.status as DecisionAction,
        actorId: decidedBy,
        at: decidedAt!,
        productId: approving ? product.id : null,
        message: r.message ?? null,
        channel: approving || r.status === "DENIED" ? "API" : null,
      });
      const decisionId = Number(inserted.identifiers[0]?.["id"]);
      const people = [
        ...approved.map((userId) => ({ userId, outcome: "APPROVED" as const })),
        ...denied.map((userId) => ({ userId, outcome: "DENIED" as const })),
      ];
      if (people.length) {
        await manager.getRepository(DecisionRecordUserEntity).insert(people.map((person, position) => ({ decisionId, organizationId, position, ...person })));
      }
    }
  }
}
