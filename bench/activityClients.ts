/**
 * Subscribers in a process of their own (bench/activity.ts forks a few), so
 * that the client side is not what a fan-out measures: each holds its share
 * of sockets speaking graphql-ws (graphql-transport-ws) with one subscription
 * each, to the service or to bench/bareBroadcast.ts alike (the same client
 * code for both), and records when each `next` arrives.
 *
 * Times are `process.hrtime` (CLOCK_MONOTONIC, one clock for every process
 * of the machine), in milliseconds, so the parent compares them with the
 * moment its mutation was answered.
 *
 * Messages from the parent (IPC):
 * - `{ type: "open", key, url, token, count, query }`: opens `count` sockets to
 *   `url`, subscribes `query` on each; answers `{ type: "opened", key, count }`.
 * - `{ type: "arm", key }`: the next `next` on each socket of `key` is timed;
 *   once every socket of `key` has one, answers `{ type: "received", key, times, bytes, sample }`.
 * - `{ type: "status", key }`: answers `{ type: "status", key, got }` (how many have it so far).
 * - `{ type: "close", key }`: closes the sockets of `key`; answers `{ type: "closed", key }`.
 * - `{ type: "exit" }`.
 */
import WebSocket from "ws";

interface Group {
  sockets: WebSocket[];
  armed: boolean;
  /** Per socket: when its `next` arrived since armed, or -1. */
  times: Float64Array;
  got: number;
  bytes: number;
  /** The first delivery's text (what the bare broadcast then sends). */
  sample: string | null;
}

const groups = new Map<string, Group>();
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const reply = (message: unknown) => process.send?.(message);

function connect(group: Group, index: number, url: string, token: string, query: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws", { perMessageDeflate: false });
    let subscribed = false;
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
    socket.on("message", (raw: Buffer) => {
      // Only the first bytes are looked at: parsing every delivery would make the client the bottleneck.
      const head = raw.toString("latin1", 0, Math.min(raw.length, 48));
      if (head.includes('"next"')) {
        if (group.armed && (group.times[index] ?? 0) < 0) {
          group.times[index] = nowMs();
          group.bytes = raw.length;
          group.sample ??= raw.toString("utf8");
          group.got += 1;
          if (group.got === group.times.length) finish(group);
        }
        return;
      }
      const message = JSON.parse(raw.toString("utf8")) as { type: string; payload?: unknown };
      if (message.type === "connection_ack" && !subscribed) {
        subscribed = true;
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query } }));
        // The server admits the subscription asynchronously; the parent's warm-up event tells when every one is live.
        resolve(socket);
      } else if (message.type === "ping") socket.send('{"type":"pong"}');
      else if (message.type === "error" || message.type === "complete") process.stderr.write(`a subscription ended: ${raw.toString("utf8").slice(0, 300)}\n`);
    });
    socket.on("error", (error) => reject(error));
    socket.on("close", (code) => {
      if (!subscribed) reject(new Error(`closed before its ack: ${code}`));
    });
  });
}

function finish(group: Group): void {
  const key = [...groups.entries()].find(([, g]) => g === group)?.[0];
  group.armed = false;
  reply({ type: "received", key, times: Array.from(group.times), bytes: group.bytes, sample: group.sample });
}

async function open(key: string, url: string, token: string, count: number, query: string): Promise<void> {
  const group: Group = { sockets: [], armed: false, times: new Float64Array(count).fill(-1), got: 0, bytes: 0, sample: null };
  groups.set(key, group);
  // In batches, so the handshakes do not all queue at once; a refused handshake is tried again.
  for (let start = 0; start < count; start += 100) {
    const batch = Array.from({ length: Math.min(100, count - start) }, async (_, i) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await connect(group, start + i, url, token, query);
        } catch (error) {
          if (attempt === 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
        }
      }
    });
    group.sockets.push(...(await Promise.all(batch)));
  }
  reply({ type: "opened", key, count });
}

process.on("message", (message: { type: string; key: string; url: string; token: string; count: number; query: string }) => {
  if (message.type === "open") {
    open(message.key, message.url, message.token, message.count, message.query).catch((error: unknown) => {
      reply({ type: "failed", key: message.key, error: String(error) });
    });
  } else if (message.type === "arm") {
    const group = groups.get(message.key)!;
    group.times.fill(-1);
    group.got = 0;
    group.armed = true;
  } else if (message.type === "status") {
    const group = groups.get(message.key)!;
    reply({ type: "status", key: message.key, got: group.got });
  } else if (message.type === "close") {
    const group = groups.get(message.key);
    groups.delete(message.key);
    for (const socket of group?.sockets ?? []) socket.terminate();
    reply({ type: "closed", key: message.key });
  } else if (message.type === "exit") {
    process.exit(0);
  }
});
