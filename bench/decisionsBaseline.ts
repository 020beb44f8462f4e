/**
 * B2, the hand-written baseline the concurrent decisions are measured against
 * (bench/decisions.ts, `measureDecisionsAgainstB2`): plain `node:http` and
 * `mysql2` over the project's own tables, answering the two operations the
 * decisions client sends (the approval and the denial below), with what the
 * service does for them and nothing else: the JWT checked (HS256, as the
 * service checks it), the viewer read with the service's statement, then one
 * transaction (REPEATABLE READ, as the service's units of work) with the
 * service's statements in the service's order:
 *
 *   the idempotency record (read, written, its outcome stored), the request's
 *   row lock and its recipients, the checks (NOT_FOUND, NOT_PERMITTED,
 *   CONFLICT, REQUEST_EXPIRED), what the plan reads (approval: the catalog,
 *   the users, the holders, the organization, the product's policy; denial:
 *   the users, the product, the organization), the pool taken by the
 *   conditional update (approval; when it takes nothing, the product read
 *   under its lock for the INSUFFICIENT_LICENSES message, and everything
 *   rolled back), the licenses assigned and read back, the recipients'
 *   decisions, the request's status (only while PENDING), the history
 *   (decision_record and its people), one outbox email per recipient (the
 *   service's text and HTML), the activity log's head and entry, the webhook
 *   deliveries (INSERT … SELECT, none without endpoints).
 *
 * A deadlock or lock wait timeout runs the transaction again with the
 * service's backoff; a call whose idempotency key was used replays its
 * outcome. It answers the service's JSON for those two operations (data
 * only, no `extensions`) and 400 for anything else. What it leaves out of the
 * service by design: renewals, endorsements, delegates, groups, excluded
 * people and disabled apps (it refuses a request that would need them, with
 * a 500), the email dispatcher (it writes the outbox; it sends nothing).
 */
import { createHash } from "node:crypto";
import http from "node:http";
import { jwtVerify } from "jose";
import mysql from "mysql2/promise";
import { Baseline, listenOnLoopback, serveAlone } from "./processes";

/** The decisions client's two operations (bench/decisions.ts), byte for byte: B2 answers these and nothing else. */
export const APPROVE_OPERATION = `mutation Approve($id: ID!, $key: String) { approveLicenseRequest(input: { requestId: $id, idempotencyKey: $key }) { licenseRequest { id status } userErrors { code message } } }`;
export const DENY_MESSAGE = "The pool is empty.";
export const DENY_OPERATION = `mutation Deny($id: ID!, $key: String) { denyLicenseRequest(input: { requestId: $id, idempotencyKey: $key, message: "${DENY_MESSAGE}" }) { licenseRequest { id status } userErrors { code message } } }`;

const DAY_MS = 86_400_000;
const IDEMPOTENCY_WINDOW_MS = DAY_MS;
const EXPIRY_NOTICE_DAYS = [14, 1];
/** The activity log's kinds in the service's order (src/values.ts ACTIVITY_KINDS): a webhook endpoint's `kinds` mask has bit i for kind i. */
const KIND_BITS: Record<string, number> = { APPROVED: 1 << 1, DENIED: 1 << 3 };
const ADMIN_ROLES = ["GLOBAL_ADMIN", "LICENSE_ADMIN", "USER_ADMIN"];

const globalId = (type: string, id: number) => Buffer.from(`${type}:${id}`, "utf8").toString("base64url");
const localId = (value: unknown, type: string): number | null => {
  if (typeof value !== "string") return null;
  const [name, id] = Buffer.from(value, "base64url").toString("utf8").split(":");
  return name === type && /^\d+$/.test(id ?? "") ? Number(id) : null;
};

interface UserError {
  code: string;
  message: string;
}

/** Rolls the transaction back; the mutation answers with these user errors. */
class Refused extends Error {
  constructor(readonly userErrors: UserError[]) {
    super(userErrors.map((e) => e.code).join(", "));
  }
}

const refuse = (code: string, message: string): never => {
  throw new Refused([{ code, message }]);
};

// --------------------------------------------------------------- emails

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const utcTime = (at: Date) => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The service's email layout (src/services/shared/email.ts) for paragraphs only: text lines, and HTML with every piece of text escaped. */
function email(subject: string, blocks: string[]): { subject: string; text: string; html: string } {
  return {
    subject: subject.replace(/[\r\n]+/g, " ").slice(0, 200),
    text: blocks.join("\n"),
    html: ["<!doctype html><html><body>", ...blocks.map((b) => (b === "" ? "<br>" : `<p>${escapeHtml(b)}</p>`)), "</body></html>"].join("\n"),
  };
}

/** The decision email of one recipient (src/services/licenseRequests/emails.ts) for a direct approval of the requested product, or a denial. */
function decisionEmail(f: {
  recipientName: string;
  adminName: string;
  organizationName: string;
  productName: string;
  approved: boolean;
  message: string | null;
  expiresAt: Date | null;
}) {
  const blocks = [`Hello ${f.recipientName},`, ""];
  if (f.approved) {
    blocks.push(`${f.adminName} of ${f.organizationName} approved the license request for ${f.productName}.`);
    blocks.push(`You now have a license of ${f.productName}.`);
    if (f.expiresAt) blocks.push(`It lasts until ${utcTime(f.expiresAt)}; you can ask to renew it before then.`);
  } else {
    blocks.push(`${f.adminName} of ${f.organizationName} denied the license request for ${f.productName}.`);
  }
  if (f.message) blocks.push("", "Message from your admin:", f.message);
  return email(`Your request for ${f.productName} was ${f.approved ? "approved" : "denied"}`, blocks);
}

// --------------------------------------------------------------- the server

type Connection = mysql.PoolConnection;
type Rows = mysql.RowDataPacket[];

interface Viewer {
  id: number;
  organizationId: number;
  displayName: string;
}

interface Answer {
  licenseRequest: { id: string; status: string } | null;
  userErrors: UserError[];
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

export async function startDecisionsBaseline(options: { databaseUrl: string; secret: string; connections?: number }): Promise<Baseline> {
  // The service's pool: 10 connections, waiting for one when all are taken.
  const pool = mysql.createPool({
    uri: options.databaseUrl,
    connectionLimit: options.connections ?? 10,
    waitForConnections: true,
    enableKeepAlive: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
  const key = new TextEncoder().encode(options.secret);

  const select = async (c: Connection, sql: string, values: unknown[]): Promise<Rows> => (await c.query<Rows>(sql, values))[0];
  const write = async (c: Connection, sql: string, values: unknown[]): Promise<mysql.ResultSetHeader> => (await c.query<mysql.ResultSetHeader>(sql, values))[0];

  /** The service's viewer statement (src/services/access/authentication.ts): the user, and whether they may hold rights of their own. */
  async function readViewer(userId: number, organizationId: number, now: number): Promise<Viewer | null> {
    const [found] = (
      await pool.query<Rows>(
        "SELECT u.`id`, u.`organizationId`, u.`displayName`, u.`email`, u.`role`, u.`managerId`, CASE WHEN u.`role` IN (?, ?, ?) THEN 0 WHEN EXISTS (SELECT 1 FROM `product_approver` pa WHERE pa.`organizationId` = u.`organizationId` AND pa.`userId` = u.`id`) THEN 1 WHEN EXISTS (SELECT 1 FROM `approval_delegation` d WHERE d.`organizationId` = u.`organizationId` AND d.`toUserId` = u.`id` AND d.`cancelledAt` IS NULL AND d.`startsAt` <= ? AND d.`endsAt` > ?) THEN 1 ELSE 0 END AS mayHoldRights FROM `app_user` u WHERE u.`id` = ?",
        [...ADMIN_ROLES, now, now, userId],
      )
    )[0];
    if (!found || found["organizationId"] !== organizationId) return null;
    // Global admins decide every request of their organization with their own right (no delegation, no second statement).
    if (found["role"] !== "GLOBAL_ADMIN") return null;
    return { id: found["id"] as number, organizationId, displayName: found["displayName"] as string };
  }

  /**
   * One decision in one transaction, run again on deadlock or lock wait
   * timeout (up to 10 attempts, the service's backoff), and again when a
   * concurrent call with the same idempotency key committed first (then it
   * replays that call's outcome).
   */
  async function transaction(work: (c: Connection) => Promise<Answer>): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      const c = await pool.getConnection();
      try {
        await c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        await c.query("START TRANSACTION");
        const answer = await work(c);
        await c.query("COMMIT");
        return answer;
      } catch (error) {
        await c.query("ROLLBACK").catch(() => undefined);
        if (error instanceof Refused) return { licenseRequest: null, userErrors: error.userErrors };
        const code = (error as { code?: string }).code;
        const retry = code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT" || code === "ER_DUP_ENTRY";
        if (!retry || attempt >= 10) throw error;
        await new Promise((r) => setTimeout(r, Math.min(10 * 2 ** attempt, 250) + Math.random() * 50));
      } finally {
        c.release();
      }
    }
  }

  /**
   * The idempotency record of the call, as the service keeps it
   * (src/services/shared/idempotency.ts): a replay's answer when the key was
   * used with the same input, INVALID_INPUT when with other input, else the
   * new record's ID (its outcome stored at the end).
   */
  async function remember(
    c: Connection,
    viewer: Viewer,
    mutation: string,
    idempotencyKey: string,
    fingerprint: string,
    now: number,
  ): Promise<{ replay: Answer } | { recordId: number }> {
    const scope = [viewer.organizationId, viewer.id, mutation, idempotencyKey];
    const [existing] = await select(
      c,
      "SELECT `id`, `organizationId`, `userId`, `mutation`, `idempotencyKey`, `inputHash`, `outcome`, `createdAt` FROM `idempotency_record` WHERE `organizationId` = ? AND `userId` = ? AND `mutation` = ? AND `idempotencyKey` = ? LIMIT 1",
      scope,
    );
    if (existing && Number(existing["createdAt"]) > now - IDEMPOTENCY_WINDOW_MS) {
      if (existing["inputHash"] !== fingerprint) {
        return refuse("INVALID_INPUT", "This idempotency key was already used with different input; use a new key for a new call.");
      }
      const { requestId } = JSON.parse(existing["outcome"] as string) as { requestId: number };
      const [request] = await select(c, "SELECT `id`, `status` FROM `license_request` WHERE `id` = ? LIMIT 1", [requestId]);
      return {
        replay: { licenseRequest: request ? { id: globalId("LicenseRequest", requestId), status: request["status"] as string } : null, userErrors: [] },
      };
    }
    if (existing) await write(c, "DELETE FROM `idempotency_record` WHERE `id` = ?", [existing["id"]]);
    const inserted = await write(
      c,
      "INSERT INTO `idempotency_record` (`organizationId`, `userId`, `mutation`, `idempotencyKey`, `inputHash`, `outcome`, `createdAt`) VALUES (?, ?, ?, ?, ?, 'null', ?)",
      [...scope, fingerprint, now],
    );
    return { recordId: inserted.insertId };
  }

  /** The request under its row lock and its recipients, when the viewer may still decide it (the service's readChangeable). */
  async function lockChangeable(
    c: Connection,
    viewer: Viewer,
    requestId: number,
    now: number,
  ): Promise<{ request: mysql.RowDataPacket; recipientIds: number[] }> {
    const [request] = await select(c, "SELECT * FROM `license_request` WHERE `id` = ? AND `organizationId` = ? LIMIT 1 FOR UPDATE", [
      requestId,
      viewer.organizationId,
    ]);
    if (!request) return refuse("NOT_FOUND", "No such license request.");
    const recipients = await select(c, "SELECT * FROM `license_request_recipient` WHERE `requestId` = ? ORDER BY `position` ASC", [requestId]);
    const recipientIds = recipients.map((r) => r["userId"] as number);
    if (recipientIds.includes(viewer.id)) refuse("NOT_PERMITTED", "You are one of this request's recipients: someone else decides it.");
    const status = request["status"] as string;
    if (status === "EXPIRED") refuse("REQUEST_EXPIRED", "This request expired; it can no longer change.");
    if (status !== "PENDING") refuse("CONFLICT", `This request is already ${status.replace("_", " ").toLowerCase()} (${status}); it can no longer change.`);
    if (Number(request["expiresAt"]) <= now) refuse("REQUEST_EXPIRED", "This request expired; it can no longer change.");
    if (request["renewalOfId"] !== null || request["endorsementState"] === "AWAITING") {
      throw new Error(`B2 decides plain requests only; request ${requestId} is a renewal or awaits an endorsement`);
    }
    return { request, recipientIds };
  }

  async function users(c: Connection, organizationId: number, ids: number[]): Promise<Map<number, mysql.RowDataPacket>> {
    const found = await select(
      c,
      "SELECT `id`, `organizationId`, `displayName`, `email`, `role`, `managerId` FROM `app_user` WHERE `id` IN (?) AND `organizationId` = ?",
      [ids, organizationId],
    );
    return new Map(found.map((u) => [u["id"] as number, u]));
  }

  async function organizationName(c: Connection, organizationId: number): Promise<string> {
    const [organization] = await select(c, "SELECT `id`, `name` FROM `organization` WHERE `id` = ? LIMIT 1", [organizationId]);
    if (!organization) throw new Error(`no organization ${organizationId}`);
    return organization["name"] as string;
  }

  /** The decision written after the request's own rows: its status (only while PENDING), the history, the emails, the activity log and its webhooks. */
  async function record(
    c: Connection,
    d: {
      viewer: Viewer;
      request: mysql.RowDataPacket;
      status: "APPROVED" | "DENIED";
      productId: number | null;
      message: string | null;
      recipientIds: number[];
      emails: { user: mysql.RowDataPacket; subject: string; text: string; html: string }[];
      now: number;
    },
  ): Promise<void> {
    const { viewer, request, status, now } = d;
    const requestId = request["id"] as number;
    const organizationId = viewer.organizationId;
    const stored = await write(
      c,
      "UPDATE `license_request` SET `status` = ?, `decidedAt` = ?, `decidedById` = ?, `decisionMessage` = ?, `assignedProductId` = ?, `decidedOnBehalfOfId` = ?, `decisionChannel` = ? WHERE `id` = ? AND `status` = 'PENDING'",
      [status, now, viewer.id, d.message, d.productId, null, "API", requestId],
    );
    if (!stored.affectedRows) {
      const [row] = await select(c, "SELECT `status` FROM `license_request` WHERE `id` = ? LIMIT 1", [requestId]);
      const current = String(row?.["status"]);
      refuse("CONFLICT", `This request is already ${current.replace("_", " ").toLowerCase()} (${current}); it can no longer change.`);
    }
    const decision = await write(
      c,
      "INSERT INTO `decision_record` (`organizationId`, `requestId`, `action`, `actorId`, `at`, `productId`, `message`, `groupId`, `onBehalfOfId`, `channel`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [organizationId, requestId, status, viewer.id, now, d.productId, d.message, null, null, "API"],
    );
    await write(
      c,
      `INSERT INTO \`decision_record_user\` (\`decisionId\`, \`userId\`, \`organizationId\`, \`outcome\`, \`position\`) VALUES ${d.recipientIds.map(() => "(?, ?, ?, ?, ?)").join(", ")}`,
      d.recipientIds.flatMap((userId, position) => [decision.insertId, userId, organizationId, status, position]),
    );
    await write(
      c,
      `INSERT INTO \`outbox_email\` (\`organizationId\`, \`requestId\`, \`recipientUserId\`, \`toAddress\`, \`subject\`, \`textBody\`, \`htmlBody\`, \`attempts\`, \`createdAt\`, \`nextAttemptAt\`, \`lockedBy\`, \`lockedUntil\`, \`sentAt\`, \`lastError\`, \`secret\`) VALUES ${d.emails
        .map(() => "(?, ?, ?, ?, ?, ?, ?, 0, ?, ?, NULL, NULL, NULL, NULL, NULL)")
        .join(", ")}`,
      d.emails.flatMap((e) => [organizationId, requestId, e.user["id"], e.user["email"], e.subject, e.text, e.html, now, now]),
    );
    // The activity log: the organization's next number from its head row (locked to the commit), the entry, its webhook deliveries.
    const head = await write(
      c,
      "INSERT INTO `license_request_event_head` (`organizationId`, `seq`) VALUES (?, LAST_INSERT_ID(1)) ON DUPLICATE KEY UPDATE `seq` = LAST_INSERT_ID(`seq` + 1)",
      [organizationId],
    );
    const entry = await write(
      c,
      "INSERT INTO `license_request_event` (`organizationId`, `seq`, `requestId`, `productId`, `kind`, `status`, `actorId`, `at`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [organizationId, head.insertId, requestId, request["productId"], status, status, viewer.id, now],
    );
    await write(
      c,
      "INSERT INTO `webhook_delivery` (`organizationId`, `endpointId`, `eventId`, `status`, `attempts`, `createdAt`, `nextAttemptAt`) SELECT w.`organizationId`, w.`id`, ?, 'PENDING', 0, ?, ? FROM `webhook_endpoint` w WHERE w.`organizationId` = ? AND w.`enabled` = 1 AND (w.`kinds` = 0 OR (w.`kinds` & ?) <> 0)",
      [entry.insertId, now, now, organizationId, KIND_BITS[status]],
    );
  }

  async function approve(viewer: Viewer, requestId: number, idempotencyKey: string | null, now: number): Promise<Answer> {
    const fingerprint = createHash("sha256").update(JSON.stringify({ requestId })).digest("hex");
    return transaction(async (c) => {
      const remembered = idempotencyKey === null ? null : await remember(c, viewer, "approveLicenseRequest", idempotencyKey, fingerprint, Date.now());
      if (remembered && "replay" in remembered) return remembered.replay;
      const { request, recipientIds } = await lockChangeable(c, viewer, requestId, now);
      const { organizationId } = viewer;
      const productId = request["productId"] as number;
      // What the service's plan reads: the catalog (products, plans, which plans each product has), the users, the holders, the organization, the policy.
      const products = await select(
        c,
        "SELECT `id`, `organizationId`, `name`, `skuPartNumber`, `selfServicePurchaseAllowed`, `totalLicenses`, `assignedLicenses` FROM `product` WHERE `organizationId` = ?",
        [organizationId],
      );
      await select(c, "SELECT `id`, `organizationId`, `name`, `servicePlanName` FROM `service_plan` WHERE `organizationId` = ?", [organizationId]);
      await select(c, "SELECT `productId`, `servicePlanId` FROM `product_service_plan` WHERE `organizationId` = ?", [organizationId]);
      const people = await users(c, organizationId, recipientIds);
      const holders = await select(
        c,
        "SELECT `userId`, `id` FROM `license_assignment` WHERE `productId` = ? AND `userId` IN (?) AND `organizationId` = ? AND `held` = ?",
        [productId, recipientIds, organizationId, true],
      );
      const product = products.find((p) => p["id"] === productId);
      if (!product) return refuse("NOT_FOUND", "No such product.");
      const productName = product["name"] as string;
      for (const holder of holders) {
        const name = people.get(holder["userId"] as number)?.["displayName"] as string;
        refuse("INVALID_INPUT", `${name} already has a license of ${productName}: leave them out or choose another product.`);
      }
      const orgName = await organizationName(c, organizationId);
      const [policy] = await select(
        c,
        "SELECT `productId`, `organizationId`, `autoApproveMaxRecipients`, `autoApproveRequesterGroupId`, `autoApproveDisabledPlanIds`, `escalateAfterDays`, `licenseDurationDays`, `updatedAt`, `updatedById` FROM `license_request_policy` WHERE `productId` = ? AND `organizationId` = ? LIMIT 1",
        [productId, organizationId],
      );
      const days = (policy?.["licenseDurationDays"] as number | null | undefined) ?? null;
      const expiresAt = days === null ? null : now + days * DAY_MS;
      const expiryNoticesDone = expiresAt === null ? 0 : EXPIRY_NOTICE_DAYS.filter((d) => expiresAt - now <= d * DAY_MS).length;

      // The pool: taken by the conditional update, or nothing is (never above the total, under any concurrency).
      const needed = recipientIds.length;
      const taken = await write(
        c,
        `UPDATE \`product\` SET \`assignedLicenses\` = \`assignedLicenses\` + ${needed} WHERE \`id\` = ? AND \`organizationId\` = ? AND \`assignedLicenses\` + ? <= \`totalLicenses\``,
        [productId, organizationId, needed],
      );
      if (!taken.affectedRows) {
        const [stock] = await select(c, "SELECT * FROM `product` WHERE `id` = ? LIMIT 1 FOR UPDATE", [productId]);
        const available = Math.max(0, Number(stock?.["totalLicenses"]) - Number(stock?.["assignedLicenses"]));
        refuse(
          "INSUFFICIENT_LICENSES",
          `${productName} has ${available} available ${plural(available, "license", "licenses")}; ${needed} ${plural(needed, "is", "are")} needed. Leave people out, choose another product, or buy more licenses.`,
        );
      }
      await write(
        c,
        `INSERT INTO \`license_assignment\` (\`organizationId\`, \`userId\`, \`productId\`, \`assignedAt\`, \`requestId\`, \`groupId\`, \`expiresAt\`, \`expiryNoticesDone\`) VALUES ${recipientIds.map(() => "(?, ?, ?, ?, ?, NULL, ?, ?)").join(", ")}`,
        recipientIds.flatMap((userId) => [organizationId, userId, productId, now, requestId, expiresAt, expiryNoticesDone]),
      );
      const assignments = await select(
        c,
        "SELECT * FROM `license_assignment` WHERE `requestId` = ? AND `userId` IN (?) AND `organizationId` = ? ORDER BY `id` ASC",
        [requestId, recipientIds, organizationId],
      );
      await write(
        c,
        "UPDATE `license_request_recipient` SET `decision` = 'APPROVED', `pendingProductId` = NULL, `assignmentId` = (SELECT a.id FROM license_assignment a WHERE a.requestId = license_request_recipient.requestId AND a.userId = license_request_recipient.userId AND a.held = 1) WHERE `requestId` = ? AND `userId` IN (?)",
        [requestId, recipientIds],
      );
      const emails = recipientIds.map((id) => {
        const user = people.get(id)!;
        const composed = decisionEmail({
          recipientName: user["displayName"] as string,
          adminName: viewer.displayName,
          organizationName: orgName,
          productName,
          approved: true,
          message: null,
          expiresAt: expiresAt === null ? null : new Date(expiresAt),
        });
        return { user, ...composed };
      });
      await record(c, { viewer, request, status: "APPROVED", productId, message: null, recipientIds, emails, now });
      if (remembered) {
        const outcome = JSON.stringify({ requestId, assignmentIds: assignments.map((a) => a["id"] as number) });
        await write(c, "UPDATE `idempotency_record` SET `outcome` = ? WHERE `id` = ?", [outcome, remembered.recordId]);
      }
      return { licenseRequest: { id: globalId("LicenseRequest", requestId), status: "APPROVED" }, userErrors: [] };
    });
  }

  async function deny(viewer: Viewer, requestId: number, idempotencyKey: string | null, now: number): Promise<Answer> {
    const message = DENY_MESSAGE;
    const fingerprint = createHash("sha256").update(JSON.stringify({ message, requestId })).digest("hex");
    return transaction(async (c) => {
      const remembered = idempotencyKey === null ? null : await remember(c, viewer, "denyLicenseRequest", idempotencyKey, fingerprint, Date.now());
      if (remembered && "replay" in remembered) return remembered.replay;
      const { request, recipientIds } = await lockChangeable(c, viewer, requestId, now);
      const { organizationId } = viewer;
      const people = await users(c, organizationId, recipientIds);
      const [product] = await select(
        c,
        "SELECT `id`, `organizationId`, `name`, `skuPartNumber`, `selfServicePurchaseAllowed`, `totalLicenses`, `assignedLicenses` FROM `product` WHERE `id` = ? AND `organizationId` = ? LIMIT 1",
        [request["productId"], organizationId],
      );
      if (!product) return refuse("NOT_FOUND", "No such product.");
      const orgName = await organizationName(c, organizationId);
      await write(c, "UPDATE `license_request_recipient` SET `decision` = 'DENIED', `pendingProductId` = NULL WHERE `requestId` = ?", [requestId]);
      const emails = recipientIds.map((id) => {
        const user = people.get(id)!;
        const composed = decisionEmail({
          recipientName: user["displayName"] as string,
          adminName: viewer.displayName,
          organizationName: orgName,
          productName: product["name"] as string,
          approved: false,
          message,
          expiresAt: null,
        });
        return { user, ...composed };
      });
      await record(c, { viewer, request, status: "DENIED", productId: null, message, recipientIds, emails, now });
      if (remembered) await write(c, "UPDATE `idempotency_record` SET `outcome` = ? WHERE `id` = ?", [JSON.stringify({ requestId }), remembered.recordId]);
      return { licenseRequest: { id: globalId("LicenseRequest", requestId), status: "DENIED" }, userErrors: [] };
    });
  }

  async function answer(
    authorization: string | undefined,
    operation: "approve" | "deny",
    variables: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown }> {
    const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
    if (!token) return { status: 401, body: { errors: [{ message: "no token", extensions: { code: "UNAUTHENTICATED" } }] } };
    let userId: number | null;
    let organizationId: number | null;
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], requiredClaims: ["exp", "sub", "tid"] });
      userId = localId(payload.sub, "User");
      organizationId = localId(payload["tid"], "Organization");
    } catch {
      userId = null;
      organizationId = null;
    }
    if (userId === null || organizationId === null)
      return { status: 401, body: { errors: [{ message: "bad token", extensions: { code: "UNAUTHENTICATED" } }] } };
    const now = Date.now();
    const viewer = await readViewer(userId, organizationId, now);
    if (!viewer) return { status: 403, body: { errors: [{ message: "global admins only", extensions: { code: "FORBIDDEN" } }] } };
    const idempotencyKey = variables["key"] ?? null;
    if (idempotencyKey !== null && (typeof idempotencyKey !== "string" || idempotencyKey.length === 0 || idempotencyKey.length > 64)) {
      return {
        status: 200,
        body: { errors: [{ message: "`idempotencyKey` must be 1 to 64 characters.", extensions: { code: "BAD_USER_INPUT" } }], data: null },
      };
    }
    const requestId = localId(variables["id"], "LicenseRequest");
    const field = operation === "approve" ? "approveLicenseRequest" : "denyLicenseRequest";
    const result: Answer =
      requestId === null
        ? { licenseRequest: null, userErrors: [{ code: "NOT_FOUND", message: "No such license request." }] }
        : await (operation === "approve" ? approve : deny)(viewer, requestId, idempotencyKey, now);
    return { status: 200, body: { data: { [field]: result } } };
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
      let parsed: { query?: unknown; variables?: unknown };
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { query?: unknown; variables?: unknown };
      } catch {
        return send(400, { errors: [{ message: "not JSON" }] });
      }
      const operation = parsed.query === APPROVE_OPERATION ? "approve" : parsed.query === DENY_OPERATION ? "deny" : null;
      if (req.method !== "POST" || !operation) return send(400, { errors: [{ message: "B2 serves two operations" }] });
      const variables = parsed.variables && typeof parsed.variables === "object" ? (parsed.variables as Record<string, unknown>) : {};
      answer(req.headers.authorization, operation, variables).then(
        ({ status, body }) => send(status, body),
        (error: unknown) => {
          process.stderr.write(`B2: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
          send(500, { errors: [{ message: "internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
        },
      );
    });
  });
  return listenOnLoopback(server, pool);
}

/** Run alone (bench/decisions.ts starts it so, in a process of its own): DATABASE_URL, JWT_SECRET; prints `{"url": …}` once it listens. */
if (require.main === module) serveAlone("B2", startDecisionsBaseline);
