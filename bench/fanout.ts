/**
 * Live fan-out next to its baseline, in one run (bench/README.md, "Fan-out"):
 * for each number of dashboards, N graphql-ws clients subscribe to
 * `licenseRequestSubmitted` on the service as the organization's admin, and
 * requests are submitted one after another (each cancelled again); the time
 * from sending the mutation to the last dashboard's delivery is recorded. Then
 * the same client code connects N sockets to bench/bareBroadcast.ts, a bare
 * `ws` server that writes the same payload bytes to every subscription when
 * asked, and the time from the ask to the last delivery is recorded. The
 * ratio of the two p95s is the target (≤ 3). Memory per idle dashboard is the
 * server's growth (resident, and JS heap after a full collection) from no
 * dashboards to N connected and subscribed.
 */
import { ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { performance } from "node:perf_hooks";
import { createClient, Client } from "graphql-ws";
import WebSocket from "ws";

const ROOT = path.resolve(__dirname, "../..");
export const DASHBOARD_SUBSCRIPTION = "subscription Dashboard { licenseRequestSubmitted { id status product { name } requester { displayName } } }";

export interface FanOutService {
  url: string;
  rssMiB(): number;
  /** JS heap in use after a full collection. */
  heapUsedMiB(): Promise<number>;
  /** Starts, then stops and writes, the server's CPU profile (bench/collectOnSignal.ts). */
  toggleProfile?(): void;
}

export interface FanOutOptions {
  service: FanOutService;
  /** The organization's admin: every dashboard signs in with it. */
  adminToken: string;
  /** A user of the organization who submits (and cancels) the requests. */
  submitterToken: string;
  /** Global ID of a product the submitter may request. */
  productId: string;
  dashboards: number[];
  rounds: number;
  say: (line?: string) => void;
}

interface Percentiles {
  p50: number;
  p95: number;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  return { p50: at(50), p95: at(95) };
}

async function graphql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** One client of the one client code with one subscription, connected; `onEvent` sees every delivery. */
function openDashboard(wsUrl: string, token: string, onEvent: (payload: unknown) => void): Promise<Client> {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
    keepAlive: 0,
    onNonLazyError: () => undefined,
  });
  return new Promise<Client>((resolve, reject) => {
    const offConnected = client.on("connected", () => {
      offConnected();
      offClosed();
      resolve(client);
    });
    const offClosed = client.on("closed", (event) => {
      offConnected();
      offClosed();
      void client.dispose();
      reject(new Error(`a dashboard could not connect: ${(event as { code?: number }).code ?? "reset"}`));
    });
    // A subscribe refused by a server under load (its database pool full, say) is sent again.
    const subscribe = (attempt: number): void => {
      client.subscribe(
        { query: DASHBOARD_SUBSCRIPTION },
        {
          next: onEvent,
          error: (error) => {
            if (attempt === 1) process.stderr.write(`a dashboard's subscribe failed, sending it again: ${JSON.stringify(error).slice(0, 300)}\n`);
            if (attempt < 5) setTimeout(() => subscribe(attempt + 1), 500 * attempt);
          },
          complete: () => undefined,
        },
      );
    };
    subscribe(1);
  });
}

/**
 * N dashboards, in batches so the handshakes do not all queue at once; a
 * handshake refused by a machine under load is tried again (up to 3 times).
 */
async function openDashboards(wsUrl: string, token: string, count: number, onEvent: (payload: unknown) => void): Promise<Client[]> {
  const clients: Client[] = [];
  for (let start = 0; start < count; start += 100) {
    const batch = Array.from({ length: Math.min(100, count - start) }, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await openDashboard(wsUrl, token, onEvent);
        } catch (error) {
          if (attempt === 3) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    });
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

async function closeDashboards(clients: Client[]): Promise<void> {
  await Promise.all(clients.map((c) => c.dispose() as unknown as Promise<void>));
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/**
 * Sends `rounds` events through `trigger` and times each from its start to the
 * `count`-th delivery. A warm-up event first, repeated until every socket got
 * it (subscriptions are live only once the server admitted them).
 */
async function timeRounds(
  count: number,
  rounds: number,
  trigger: () => Promise<void>,
  counter: { deliveries: number; last: number },
  settle: () => Promise<void> = async () => undefined,
): Promise<number[]> {
  const waitAll = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (counter.deliveries < count) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return true;
  };
  for (let attempt = 0; ; attempt++) {
    counter.deliveries = 0;
    await trigger();
    const all = await waitAll(10_000);
    await settle();
    if (all) break;
    if (attempt === 4) throw new Error(`only ${counter.deliveries} of ${count} dashboards received the warm-up event`);
  }
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    counter.deliveries = 0;
    const sent = performance.now();
    await trigger();
    if (!(await waitAll(30_000))) throw new Error(`only ${counter.deliveries} of ${count} dashboards received round ${round}`);
    times.push(counter.last - sent);
    await settle();
    if (counter.deliveries !== count) throw new Error(`${counter.deliveries} deliveries for ${count} dashboards`);
  }
  return times;
}

interface BareServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startBare(): Promise<BareServer> {
  const child = spawn(process.execPath, [path.join(ROOT, "dist/bench/bareBroadcast.js")], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on("line", (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once("exit", (code) => reject(new Error(`the bare ws server exited with ${code}`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export interface FanOutRow {
  dashboards: number;
  service: Percentiles;
  bare: Percentiles;
  ratio: number;
  rssPerDashboardKiB: number;
  heapPerDashboardKiB: number;
  /** JS heap growth over the events, dashboards still connected: nothing is kept per event. */
  heapGrowthMiB: number;
  payloadBytes: number;
}

export async function measureFanOut(options: FanOutOptions): Promise<FanOutRow[]> {
  const { service, say } = options;
  const rows: FanOutRow[] = [];
  const bare = await startBare();
  try {
    for (const count of options.dashboards) {
      // The service.
      const heapBefore = await service.heapUsedMiB();
      const rssBefore = service.rssMiB();
      const counter = { deliveries: 0, last: 0 };
      let sample: unknown = null;
      const onEvent = (payload: unknown) => {
        counter.deliveries++;
        counter.last = performance.now();
        sample ??= payload;
      };
      let clients = await openDashboards(`${service.url.replace(/^http/, "ws")}/graphql`, options.adminToken, count, onEvent);
      await new Promise((resolve) => setTimeout(resolve, Math.max(1_000, count)));
      const heapIdle = await service.heapUsedMiB();
      const rssIdle = service.rssMiB();
      let submittedId: string | null = null;
      const submit = async () => {
        const data = await graphql(
          service.url,
          options.submitterToken,
          `
            mutation ($p: ID!) {
              submitLicenseRequest(input: { productId: $p }) {
                licenseRequest {
                  id
                }
                userErrors {
                  message
                }
              }
            }
          `,
          { p: options.productId },
        );
        const submitted = data["submitLicenseRequest"] as { licenseRequest: { id: string } | null; userErrors: unknown[] };
        if (!submitted.licenseRequest) throw new Error(`submit refused: ${JSON.stringify(submitted.userErrors)}`);
        submittedId = submitted.licenseRequest.id;
      };
      // Cancelled once every dashboard has it (the dashboards do not listen to updates), so the next submit is allowed.
      const cancel = async () => {
        if (submittedId === null) return;
        await graphql(
          service.url,
          options.submitterToken,
          `
            mutation ($id: ID!) {
              cancelLicenseRequest(input: { requestId: $id }) {
                userErrors {
                  message
                }
              }
            }
          `,
          {
            id: submittedId,
          },
        );
        submittedId = null;
      };
      service.toggleProfile?.();
      const serviceTimes = await timeRounds(count, options.rounds, submit, counter, cancel);
      service.toggleProfile?.();
      const heapAfter = await service.heapUsedMiB();
      await closeDashboards(clients);

      // The bare broadcast of the same bytes, through the same client code.
      const payload = JSON.stringify(sample);
      clients = await openDashboards(`${bare.url.replace(/^http/, "ws")}/graphql`, options.adminToken, count, onEvent);
      const broadcast = async () => {
        const response = await fetch(`${bare.url}/broadcast`, { method: "POST", body: payload });
        if (response.status !== 204) throw new Error(`bare broadcast answered ${response.status}`);
      };
      const bareTimes = await timeRounds(count, options.rounds, broadcast, counter);
      await closeDashboards(clients);

      const s = percentiles(serviceTimes);
      const b = percentiles(bareTimes);
      rows.push({
        dashboards: count,
        service: s,
        bare: b,
        ratio: s.p95 / b.p95,
        rssPerDashboardKiB: ((rssIdle - rssBefore) * 1024) / count,
        heapPerDashboardKiB: ((heapIdle - heapBefore) * 1024) / count,
        heapGrowthMiB: heapAfter - heapIdle,
        payloadBytes: Buffer.byteLength(payload),
      });
    }
  } finally {
    await bare.stop();
  }
  say(`## Fan-out: the service next to a bare \`ws\` broadcast of the same bytes (${options.rounds} events each, milliseconds)`);
  say();
  say(`Each dashboard is one graphql-ws connection with \`${DASHBOARD_SUBSCRIPTION}\`, signed in as the organization's admin.`);
  say(`Service: mutation sent → last dashboard received. Bare \`ws\`: broadcast asked → last socket received (same client code, same payload).`);
  say();
  say(
    `| dashboards | payload bytes | service p50 | service p95 | bare ws p50 | bare ws p95 | ratio p95 (target ≤ 3) | resident KiB / idle dashboard | JS heap KiB / idle dashboard (target ≤ 50 KB) | JS heap growth over the events, MiB |`,
  );
  say(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const r of rows) {
    say(
      `| ${r.dashboards.toLocaleString("en")} | ${r.payloadBytes} | ${r.service.p50.toFixed(1)} | ${r.service.p95.toFixed(1)} | ${r.bare.p50.toFixed(1)} | ${r.bare.p95.toFixed(1)} | ${r.ratio.toFixed(2)} | ${r.rssPerDashboardKiB.toFixed(1)} | ${r.heapPerDashboardKiB.toFixed(1)} | ${r.heapGrowthMiB.toFixed(1)} |`,
    );
  }
  say();
  return rows;
}
