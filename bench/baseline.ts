/**
 * B1, the hand-written baseline the list is measured against (bench/README.md):
 * plain `node:http` and `mysql2` over the project's own tables, answering the
 * one admin list the benchmark asks for, with what the service would have to
 * do and nothing else: the JWT checked (HS256, as the service checks it), the
 * viewer read, the same six statements written by hand, the same JSON.
 *
 *   licenseRequests(first: 50) { totalCount pageInfo { hasNextPage endCursor }
 *     nodes { id product { name availableLicenses } requester { displayName }
 *             recipients { decision user { displayName } } } }
 *
 * It serves only that, for a global admin; anything else is a 400. It is no
 * GraphQL server: it is what the same SQL costs when nothing stands between it
 * and the socket.
 */
import http from "node:http";
import { jwtVerify } from "jose";
import mysql from "mysql2/promise";
import { Baseline, listenOnLoopback, serveAlone } from "./processes";

export const BASELINE_QUERY = `query AdminList { licenseRequests(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { id product { name availableLicenses } requester { displayName } recipients { decision user { displayName } } } } }`;

const PAGE = 50;
const globalId = (type: string, id: number) => Buffer.from(`${type}:${id}`, "utf8").toString("base64url");
const localId = (value: unknown, type: string): number | null => {
  if (typeof value !== "string") return null;
  const [name, id] = Buffer.from(value, "base64url").toString("utf8").split(":");
  return name === type && /^\d+$/.test(id ?? "") ? Number(id) : null;
};
const cursor = (requestedAt: number, id: number) => Buffer.from(JSON.stringify(["licenseRequests", requestedAt, id]), "utf8").toString("base64url");

export async function startBaseline(options: { databaseUrl: string; secret: string; connections?: number }): Promise<Baseline> {
  const pool = mysql.createPool({ uri: options.databaseUrl, connectionLimit: options.connections ?? 10, supportBigNumbers: true, bigNumberStrings: false });
  const key = new TextEncoder().encode(options.secret);

  async function answer(authorization: string | undefined): Promise<{ status: number; body: unknown }> {
    const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
    if (!token) return { status: 401, body: { errors: [{ message: "no token", extensions: { code: "UNAUTHENTICATED" } }] } };
    const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], requiredClaims: ["exp", "sub", "tid"] });
    const userId = localId(payload.sub, "User");
    const organizationId = localId(payload["tid"], "Organization");
    // 1. The viewer, roles from the database.
    const [viewers] = await pool.query<mysql.RowDataPacket[]>("SELECT id, organizationId, role FROM app_user WHERE id = ?", [userId]);
    const viewer = viewers[0];
    if (!viewer || viewer["organizationId"] !== organizationId || viewer["role"] !== "GLOBAL_ADMIN") {
      return { status: 403, body: { errors: [{ message: "admins only", extensions: { code: "FORBIDDEN" } }] } };
    }
    // 2. The page (keyset order, the index the service uses), 3. its count.
    const [rows] = await pool.query<mysql.RowDataPacket[]>(
      "SELECT id, productId, requesterId, requestedAt FROM license_request FORCE INDEX (ix_request_org_time) WHERE organizationId = ? ORDER BY requestedAt DESC, id DESC LIMIT ?",
      [organizationId, PAGE + 1],
    );
    const [counted] = await pool.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS total FROM license_request WHERE organizationId = ?", [organizationId]);
    const total = Number(counted[0]?.["total"] ?? 0);
    const page = rows.slice(0, PAGE);
    const requestIds = page.map((r) => r["id"] as number);
    // 4. Their products, 5. their recipients, 6. the people named.
    const [products] = await pool.query<mysql.RowDataPacket[]>(
      "SELECT id, name, totalLicenses, assignedLicenses FROM product WHERE organizationId = ? AND id IN (?)",
      [organizationId, [...new Set(page.map((r) => r["productId"] as number)), 0]],
    );
    const [recipients] = await pool.query<mysql.RowDataPacket[]>(
      "SELECT requestId, userId, decision FROM license_request_recipient WHERE organizationId = ? AND requestId IN (?) ORDER BY requestId, position",
      [organizationId, [...requestIds, 0]],
    );
    const userIds = new Set<number>([...page.map((r) => r["requesterId"] as number), ...recipients.map((r) => r["userId"] as number)]);
    const [users] = await pool.query<mysql.RowDataPacket[]>("SELECT id, displayName FROM app_user WHERE organizationId = ? AND id IN (?)", [
      organizationId,
      [...userIds, 0],
    ]);
    const productById = new Map(products.map((p) => [p["id"] as number, p]));
    const nameOf = new Map(users.map((u) => [u["id"] as number, u["displayName"] as string]));
    const recipientsOf = new Map<number, mysql.RowDataPacket[]>();
    for (const r of recipients) recipientsOf.set(r["requestId"] as number, [...(recipientsOf.get(r["requestId"] as number) ?? []), r]);
    const last = page[page.length - 1];
    return {
      status: 200,
      body: {
        data: {
          licenseRequests: {
            totalCount: Number(total),
            pageInfo: { hasNextPage: rows.length > PAGE, endCursor: last ? cursor(Number(last["requestedAt"]), last["id"] as number) : null },
            nodes: page.map((r) => {
              const product = productById.get(r["productId"] as number)!;
              return {
                id: globalId("LicenseRequest", r["id"] as number),
                product: { name: product["name"], availableLicenses: Math.max(0, product["totalLicenses"] - product["assignedLicenses"]) },
                requester: { displayName: nameOf.get(r["requesterId"] as number) },
                recipients: (recipientsOf.get(r["id"] as number) ?? []).map((x) => ({
                  decision: x["decision"],
                  user: { displayName: nameOf.get(x["userId"] as number) },
                })),
              };
            }),
          },
        },
      },
    };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
        res.end(text);
      };
      let query: unknown;
      try {
        query = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { query?: unknown }).query;
      } catch {
        return send(400, { errors: [{ message: "not JSON" }] });
      }
      if (req.method !== "POST" || query !== BASELINE_QUERY) return send(400, { errors: [{ message: "B1 serves one operation" }] });
      answer(req.headers.authorization).then(
        ({ status, body }) => send(status, body),
        () => send(401, { errors: [{ message: "bad token", extensions: { code: "UNAUTHENTICATED" } }] }),
      );
    });
  });
  return listenOnLoopback(server, pool);
}

/** Run alone (bench/list.ts starts it so, in a process of its own): DATABASE_URL, JWT_SECRET; logs `{"url": …}` once it listens. */
if (require.main === module) serveAlone("B1", startBaseline);
