/**
 * What the webhook tests share: a real HTTP receiver on 127.0.0.1 that
 * verifies each POST with the `standardwebhooks` package as a receiver would
 * and answers as the test says, and entries of the activity log made as the
 * log makes them (ActivityStore.append and queueWebhookDeliveries in one
 * transaction), before the log is wired into every change.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import type { DataSource } from "typeorm";
import { ActivityStore } from "../../src/services/activity/store";
import type { Database } from "../../src/services/shared/unitOfWork";
import { queueWebhookDeliveries } from "../../src/services/webhooks/outbox";
import type { RequestStatusValue, StoredActivityKindValue } from "../../src/values";

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** What standardwebhooks' verify answered with the secret of the path's endpoint; null when it refused. */
  verified: unknown;
  at: number;
}

/** How the receiver answers a POST: a status, or full control of the response. */
export type Answer = number | ((req: http.IncomingMessage, res: http.ServerResponse) => void);

export interface Receiver {
  url: (path: string) => string;
  received: Received[];
  /** The secret a path's endpoint signs with (set once the endpoint exists). */
  secrets: Map<string, string>;
  answer: (path: string, answer: Answer) => void;
  /** Connections the receiver saw closed by the other side (a dropped socket). */
  closedEarly: number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const answers = new Map<string, Answer>();
  const receiver: Receiver = {
    url: () => "",
    received: [],
    secrets: new Map(),
    answer: (path, answer) => answers.set(path, answer),
    closedEarly: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      const secret = receiver.secrets.get(path);
      let verified: unknown = null;
      try {
        verified = secret ? new Webhook(secret).verify(body, req.headers as Record<string, string>) : null;
      } catch {
        verified = null;
      }
      receiver.received.push({ path, headers: req.headers, body, verified, at: Date.now() });
      res.on("close", () => {
        if (!res.writableFinished) receiver.closedEarly++;
      });
      const answer = answers.get(path) ?? 200;
      if (typeof answer === "number") res.writeHead(answer).end("ok");
      else answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = (path) => `http://127.0.0.1:${port}${path}`;
  return receiver;
}

export interface EntryFacts {
  organizationId: number;
  requestId: number;
  productId: number;
  kind: StoredActivityKindValue;
  status: RequestStatusValue;
  actorId: number | null;
  at: Date;
}

/** Appends an entry and queues its deliveries in one transaction, as the activity log does; answers the entry's row ID. */
export async function appendEntry(db: Database, dataSource: DataSource, facts: EntryFacts): Promise<number> {
  const store = new ActivityStore(dataSource);
  return db.transaction(async (unit) => {
    const id = await store.append(unit.manager, facts);
    await queueWebhookDeliveries(unit, { id, organizationId: facts.organizationId, kind: facts.kind, at: facts.at });
    return id;
  });
}
