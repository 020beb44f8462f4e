/**
 * A flooding client on a thread of its own (worker_threads), so that its own
 * work does not run on the event loop of the server under test: many HTTP
 * connections sending an allowed query back to back, graphql-ws sockets
 * keeping several operations in flight each, or sockets subscribing and
 * completing subscriptions as fast as they are answered. It counts what it
 * gets, says "throttled" at the first refusal by the bucket (or the first
 * socket closed with 4429 for sending too much), and reports what
 * it got when told to stop ("stop"), then exits.
 *
 * workerData: { url, wsUrl, token, mode: "queries" | "subscriptions", query,
 *               http, sockets, inFlight }
 */
const { parentPort, workerData } = require("node:worker_threads");
const WebSocket = require("ws");

const { url, wsUrl, token, mode, query, http: httpLoops = 0, sockets: socketCount = 0, inFlight = 1 } = workerData;
const stats = { http: {}, retryAfter: 0, ws: {}, closes: {} };
let stopping = false;
let throttled = false;
const count = (table, key) => {
  table[key] = (table[key] ?? 0) + 1;
  // The first refusal by the bucket (or a socket closed for sending too much) is reported at once:
  // from then on the caller is being throttled.
  if (!throttled && (key === "429" || key === "RATE_LIMITED" || key === "4429")) {
    throttled = true;
    parentPort.postMessage("throttled");
  }
};

async function httpLoop() {
  const body = JSON.stringify({ query });
  while (!stopping) {
    try {
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body,
      });
      const text = await response.text();
      count(stats.http, String(response.status));
      if (response.status === 429 && /^\d+$/.test(response.headers.get("retry-after") ?? "")) stats.retryAfter += 1;
      if (response.status === 200 && !text.includes('"cost"')) count(stats.http, "200 without cost");
    } catch {
      count(stats.http, "failed");
    }
  }
}

/** One socket after another: a socket the server closes is opened again at once, until "stop". */
async function socketLoop() {
  while (!stopping) await socketOnce();
}

function socketOnce() {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl, "graphql-transport-ws");
    let next = 0;
    const send = () => {
      // As fast as the socket takes them: a flooder on a machine of its own would not spend this
      // machine's CPU on messages the server no longer reads.
      if (stopping || socket.readyState !== WebSocket.OPEN || socket.bufferedAmount > 64 * 1024) return;
      next += 1;
      const id = String(next);
      socket.send(JSON.stringify({ id, type: "subscribe", payload: { query } }));
      // A subscription that was admitted waits for events: complete it at once and subscribe again.
      if (mode === "subscriptions") setImmediate(() => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ id, type: "complete" })));
    };
    socket.on("open", () => {
      if (stopping) socket.close(1000);
      else socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }));
    });
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === "connection_ack") {
        if (stopping) return socket.close(1000);
        for (let i = 0; i < inFlight; i += 1) send();
        if (mode === "subscriptions") {
          // Completed subscriptions send nothing back: keep subscribing at a steady pace.
          const timer = setInterval(() => (stopping ? clearInterval(timer) : send()), 1);
        }
      } else if (frame.type === "ping") socket.send(JSON.stringify({ type: "pong" }));
      else if (frame.type === "error") {
        count(stats.ws, String(frame.payload?.[0]?.extensions?.code));
        if (mode === "queries") send();
      } else if (frame.type === "next") {
        const code = frame.payload?.errors?.[0]?.extensions?.code;
        count(stats.ws, code ? String(code) : frame.payload?.extensions?.cost ? "ok" : "ok without cost");
      } else if (frame.type === "complete") {
        if (mode === "queries") send();
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", (code) => {
      count(stats.closes, String(code));
      resolve();
    });
    const onStop = (message) => {
      if (message === "stop" && socket.readyState === WebSocket.OPEN) socket.close(1000);
    };
    parentPort.on("message", onStop);
    socket.once("close", () => parentPort.off("message", onStop));
  });
}

const loops = [...Array.from({ length: httpLoops }, () => httpLoop()), ...Array.from({ length: socketCount }, () => socketLoop())];
parentPort.on("message", (message) => {
  if (message !== "stop") return;
  stopping = true;
  Promise.allSettled(loops).then(() => {
    parentPort.postMessage(stats);
    process.exit(0);
  });
});
parentPort.postMessage("started");
