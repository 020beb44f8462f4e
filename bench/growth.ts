/**
 * Growth (bench/README.md, "Growth"): the admin list (the page B1 answers:
 * 50 requests with `totalCount`, `pageInfo`, product, requester and
 * recipients) at its first page and at a deep page (90% of the way down),
 * while one organization grows through each of `steps` requests (Fabrikam:
 * the other benchmarks use Contoso). Sequential requests after a warm-up;
 * the target is latency at the largest step ≤ 1.5 × latency at the smallest.
 */
import { performance } from "node:perf_hooks";
import type { DataSource } from "typeorm";
import { LicenseRequestEntity, ProductEntity, UserEntity } from "../src/entities";
import { signToken } from "../src/services/access/authentication";
import { requestCursor } from "../src/services/licenseRequests/queries";

export interface GrowthOptions {
  url: string;
  dataSource: DataSource;
  secret: string;
  /** Requests in the organization at each step, ascending. */
  steps: number[];
  /** Sequential requests per page and step (after 5 warm-up requests). */
  samples?: number;
  say: (line?: string) => void;
}

const PAGE = `query AdminList($after: String) { licenseRequests(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id product { name availableLicenses } requester { displayName } recipients { decision user { displayName } } } } }`;
const FIRST_ID = 1_500_000_000;

/** Adds denied requests (one recipient each) to the organization until it holds `target`, older than every one before. */
async function growTo(dataSource: DataSource, organizationId: number, requesterId: number, productId: number, from: number, target: number): Promise<void> {
  const start = Date.now() - 86_400_000;
  const batch = 2_000;
  await dataSource.transaction(async (manager) => {
    for (let offset = from; offset < target; offset += batch) {
      const n = Math.min(batch, target - offset);
      const requests: unknown[] = [];
      const recipients: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const id = FIRST_ID + offset + i;
        const requestedAt = start - (offset + i) * 1_000;
        requests.push(id, organizationId, productId, requesterId, "DENIED", 1, requestedAt, requestedAt + 30 * 86_400_000, requestedAt + 3_600_000);
        recipients.push(id, requesterId, organizationId, 0, "DENIED");
      }
      await manager.query(
        `INSERT INTO license_request (id, organizationId, productId, requesterId, status, recipientCount, requestedAt, expiresAt, decidedAt) VALUES ${Array(n).fill("(?,?,?,?,?,?,?,?,?)").join(",")}`,
        requests,
      );
      await manager.query(
        `INSERT INTO license_request_recipient (requestId, userId, organizationId, position, decision) VALUES ${Array(n).fill("(?,?,?,?,?)").join(",")}`,
        recipients,
      );
    }
  });
}

async function timePage(url: string, token: string, after: string | null, samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples + 5; i++) {
    const t0 = performance.now();
    const response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: PAGE, variables: { after } }),
    });
    const body = (await response.json()) as { data?: { licenseRequests: { nodes: unknown[]; totalCount: number } }; errors?: unknown[] };
    const elapsed = performance.now() - t0;
    if (body.errors || body.data?.licenseRequests.nodes.length !== 50) throw new Error(`a page came back wrong: ${JSON.stringify(body.errors)}`);
    if (i >= 5) times.push(elapsed);
  }
  return times;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export async function measureGrowth(options: GrowthOptions): Promise<void> {
  const { dataSource, say } = options;
  const samples = options.samples ?? 100;
  const users = dataSource.getRepository(UserEntity);
  const admin = await users.findOneByOrFail({ email: "admin@fabrikam.example" });
  const requester = await users.findOneByOrFail({ email: "irvin@fabrikam.example" });
  const product = await dataSource.getRepository(ProductEntity).findOneByOrFail({ organizationId: admin.organizationId, skuPartNumber: "POWER_BI_PRO" });
  const token = await signToken(options.secret, admin, { expiresIn: "2h" });
  const repository = dataSource.getRepository(LicenseRequestEntity);
  const seeded = await repository.countBy({ organizationId: admin.organizationId });

  const rows: { total: number; loadSeconds: number; first: number[]; deep: number[]; depth: number }[] = [];
  let added = 0;
  for (const step of options.steps) {
    const t0 = performance.now();
    await growTo(dataSource, admin.organizationId, requester.id, product.id, added, Math.max(added, step - seeded));
    added = Math.max(added, step - seeded);
    const loadSeconds = (performance.now() - t0) / 1000;
    // On SQLite the rows went in synchronously, on this event loop: the server closed its idle
    // keep-alive connections meanwhile, and the client must see that before it sends on one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const total = seeded + added;
    const depth = Math.floor(total * 0.9);
    const row = await repository
      .createQueryBuilder("lr")
      .where("lr.organizationId = :org", { org: admin.organizationId })
      .orderBy("lr.requestedAt", "DESC")
      .addOrderBy("lr.id", "DESC")
      .offset(depth)
      .limit(1)
      .getOneOrFail();
    const first = (await timePage(options.url, token, null, samples)).sort((a, b) => a - b);
    const deep = (await timePage(options.url, token, requestCursor(row), samples)).sort((a, b) => a - b);
    rows.push({ total, loadSeconds, first, deep, depth });
  }

  say(`## Growth: the admin list (50 with totalCount, product, requester, recipients) as one organization grows (${samples} sequential requests each, ms)`);
  say();
  say(`| requests in the organization | first page p50 | first page p95 | deep page (row) | deep page p50 | deep page p95 | rows added in |`);
  say(`| --- | --- | --- | --- | --- | --- | --- |`);
  for (const r of rows) {
    say(
      `| ${r.total.toLocaleString("en")} | ${percentile(r.first, 50).toFixed(2)} | ${percentile(r.first, 95).toFixed(2)} | ${r.depth.toLocaleString("en")} | ${percentile(r.deep, 50).toFixed(2)} | ${percentile(r.deep, 95).toFixed(2)} | ${r.loadSeconds.toFixed(1)} s |`,
    );
  }
  const smallest = rows[0];
  const largest = rows[rows.length - 1];
  if (smallest && largest && rows.length > 1) {
    const ratio = (a: number[], b: number[], p: number) => (percentile(a, p) / percentile(b, p)).toFixed(2);
    say();
    say(
      `Ratio ${largest.total.toLocaleString("en")} / ${smallest.total.toLocaleString("en")} (target ≤ 1.5): first page p50 ${ratio(largest.first, smallest.first, 50)}, p95 ${ratio(largest.first, smallest.first, 95)}; deep page p50 ${ratio(largest.deep, smallest.deep, 50)}, p95 ${ratio(largest.deep, smallest.deep, 95)}.`,
    );
  }
  say();
}
