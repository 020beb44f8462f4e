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
 * - `cut()` closes every connection at once (each side sees its peer vanish,
 *   as when a network drops) and refuses new ones, closing each as it comes,
 *   until `forward()`: a client that reconnects fails until then.
 * - `forward()` lets new connections through again; the ones that went
 *   silent stay dead.
 * - `replyDelayMs` delays every chunk the server sends by that much, in order
 *   (a slow server or a long round trip); `delayReplies(ms)` changes it for
 *   the chunks that follow (still in order on each connection).
 * - `sawFromClient(marker)` resolves once a client sends bytes containing
 *   `marker` (from then on): the server is working on that statement.
 */
import net from "node:net";

export interface TcpProxy {
  host: string;
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  silent(): void;
  silentOnSeeing(marker: string): void;
  cut(): void;
  forward(): void;
  delayReplies(ms: number): void;
  sawFromClient(marker: string): Promise<void>;
  close(): Promise<void>;
}

interface Link {
  client: net.Socket;
  upstream: net.Socket | null;
  dead: boolean;
  /** Work delayed on this connection, in the order it came, each with when it is due. */
  delayed: { due: number; work: () => void }[];
  timer: NodeJS.Timeout | null;
}

export async function startTcpProxy(target: { host: string; port: number }, options: { replyDelayMs?: number } = {}): Promise<TcpProxy> {
  let delay = options.replyDelayMs ?? 0;
  let passing = true;
  let refusing = false;
  let marker: Buffer | null = null;
  let accepted = 0;
  const links = new Set<Link>();
  const watched: { marker: Buffer; resolve: () => void }[] = [];
  const goSilent = () => {
    passing = false;
    marker = null;
    for (const link of links) link.dead = true;
  };
  /** Runs what is due on `link`, oldest first, and waits for the next. */
  const pump = (link: Link) => {
    if (link.timer) return;
    const next = link.delayed[0];
    if (!next) return;
    link.timer = setTimeout(
      () => {
        link.timer = null;
        while (link.delayed.length && link.delayed[0].due <= Date.now()) link.delayed.shift()!.work();
        pump(link);
      },
      Math.max(0, next.due - Date.now()),
    );
  };
  const later = (link: Link, work: () => void) => {
    if (!delay && !link.delayed.length) return work();
    link.delayed.push({ due: Date.now() + delay, work });
    pump(link);
  };

  const server = net.createServer((client) => {
    accepted += 1;
    if (refusing) {
      client.on("error", () => undefined);
      client.destroy();
      return;
    }
    const link: Link = { client, upstream: null, dead: !passing, delayed: [], timer: null };
    links.add(link);
    client.on("error", () => undefined);
    const end = () => {
      links.delete(link);
      if (link.timer) clearTimeout(link.timer);
      client.destroy();
      link.upstream?.destroy();
    };
    client.on("close", end);
    if (link.dead) return;
    const upstream = net.connect(target.port, target.host);
    link.upstream = upstream;
    upstream.on("error", () => undefined);
    upstream.on("close", () => later(link, end));
    client.on("data", (chunk: Buffer) => {
      if (marker && chunk.includes(marker)) goSilent();
      for (const watch of watched.filter((w) => chunk.includes(w.marker))) {
        watched.splice(watched.indexOf(watch), 1);
        watch.resolve();
      }
      if (!link.dead) upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      later(link, () => {
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
    cut() {
      refusing = true;
      for (const link of [...links]) {
        link.dead = true;
        link.client.destroy();
        link.upstream?.destroy();
      }
    },
    forward() {
      refusing = false;
      passing = true;
      marker = null;
    },
    delayReplies(ms) {
      delay = ms;
    },
    sawFromClient: (text) => new Promise<void>((resolve) => watched.push({ marker: Buffer.from(text), resolve })),
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
