/**
 * A TCP proxy in front of a real server (MariaDB, Redis) for fault tests,
 * made with node:net. Every wait in a test that uses it is the test's own.
 *
 * - `silent()` turns it into a black hole: connections are still accepted,
 *   but no byte passes on them in either direction, and none ever will (like
 *   connections to a host that vanished without a reset). A client notices
 *   only by its own timeouts.
 * - `silentOnSeeing(marker)` does the same from the moment a client sends
 *   bytes containing `marker` (that chunk is swallowed too): the server goes
 *   silent in the middle of an operation, after the steps before it answered.
 * - `forward()` lets new connections through again; the ones that went
 *   silent stay dead.
 * - `replyDelayMs` delays every chunk the server sends by that much, in order
 *   (a slow server or a long round trip).
 */
import net from "node:net";

export interface TcpProxy {
  host: string;
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  silent(): void;
  silentOnSeeing(marker: string): void;
  forward(): void;
  close(): Promise<void>;
}

interface Link {
  client: net.Socket;
  upstream: net.Socket | null;
  dead: boolean;
}

export async function startTcpProxy(target: { host: string; port: number }, options: { replyDelayMs?: number } = {}): Promise<TcpProxy> {
  const delay = options.replyDelayMs ?? 0;
  let passing = true;
  let marker: Buffer | null = null;
  let accepted = 0;
  const links = new Set<Link>();
  const goSilent = () => {
    passing = false;
    marker = null;
    for (const link of links) link.dead = true;
  };
  const later = (work: () => void) => (delay ? setTimeout(work, delay) : work());

  const server = net.createServer((client) => {
    accepted += 1;
    const link: Link = { client, upstream: null, dead: !passing };
    links.add(link);
    client.on("error", () => undefined);
    const end = () => {
      links.delete(link);
      client.destroy();
      link.upstream?.destroy();
    };
    client.on("close", end);
    if (link.dead) return;
    const upstream = net.connect(target.port, target.host);
    link.upstream = upstream;
    upstream.on("error", () => undefined);
    upstream.on("close", () => later(end));
    client.on("data", (chunk: Buffer) => {
      if (marker && chunk.includes(marker)) goSilent();
      if (!link.dead) upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      later(() => {
        if (!link.dead && !client.destroyed) client.write(chunk);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    host: "127.0.0.1",
    port: address.port,
    accepted: () => accepted,
    silent: goSilent,
    silentOnSeeing(text) {
      marker = Buffer.from(text);
    },
    forward() {
      passing = true;
      marker = null;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const link of [...links]) {
        link.client.destroy();
        link.upstream?.destroy();
      }
      await closed;
    },
  };
}
