/**
 * The fan-out baseline (bench/README.md): a bare `ws` server that speaks just
 * enough of graphql-ws (graphql-transport-ws) for the benchmark's own clients
 * to connect and subscribe, and broadcasts, on `POST /broadcast`, the body it
 * is sent as one `next` message to every subscription, before it answers. No
 * authentication, no GraphQL, no database: what writing the same bytes to the
 * same sockets costs when nothing else runs. Started as its own process, like
 * the service, by bench/fanout.ts; prints `{"url": …}` once it listens.
 */
import http from "node:http";
import { WebSocketServer, WebSocket } from "ws";

const PROTOCOL = "graphql-transport-ws";

const subscriptions = new Map<WebSocket, string>();
const server = http.createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/broadcast") {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    // The same bytes for every socket; only the subscription id differs, as graphql-ws requires.
    const payload = Buffer.concat(chunks).toString("utf8");
    for (const [socket, id] of subscriptions) {
      if (socket.readyState === WebSocket.OPEN) socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`);
    }
    res.writeHead(204).end();
  });
});

const wss = new WebSocketServer({ server, path: "/graphql", handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false) });
wss.on("connection", (socket) => {
  socket.on("message", (raw: Buffer) => {
    const message = JSON.parse(raw.toString("utf8")) as { type?: string; id?: string };
    if (message.type === "connection_init") socket.send(`{"type":"connection_ack"}`);
    else if (message.type === "ping") socket.send(`{"type":"pong"}`);
    else if (message.type === "subscribe" && typeof message.id === "string") subscriptions.set(socket, message.id);
    else if (message.type === "complete") subscriptions.delete(socket);
  });
  socket.on("close", () => subscriptions.delete(socket));
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
});
process.on("SIGTERM", () => {
  for (const client of wss.clients) client.terminate();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
