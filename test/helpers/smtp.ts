/**
 * A real SMTP server for the email tests (`smtp-server`, the server half of
 * nodemailer's project) on a loopback port, recording each message it
 * accepts: the envelope recipients, the subject and the raw text. It can be
 * stopped and started again on the same port, as an SMTP relay that goes down
 * and comes back would be.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedEmail {
  from: string;
  to: string[];
  subject: string;
  raw: string;
}

export interface SmtpSink {
  port: number;
  url: string;
  received: ReceivedEmail[];
  /** Stops accepting connections (the port is left free). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** Unfolds and decodes a `Subject:` header (RFC 2047 encoded words, as nodemailer writes non-ASCII). */
function subjectOf(raw: string): string {
  const headers = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, " ");
  const line = /^Subject: (.*)$/im.exec(headers)?.[1] ?? "";
  return line.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_, encoding: string, text: string) =>
    encoding.toUpperCase() === "B"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(
          text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          "latin1",
        ).toString("utf8"),
  );
}

/**
 * @param options.acceptDelayMs holds each message this long before accepting it,
 * so deliveries overlap (for the tests of dispatchers racing).
 */
export async function startSmtpSink(options: { acceptDelayMs?: number } = {}): Promise<SmtpSink> {
  const received: ReceivedEmail[] = [];
  const create = () =>
    new SMTPServer({
      // Plain SMTP on loopback: no TLS certificate to trust, no login.
      disabledCommands: ["STARTTLS", "AUTH"],
      authOptional: true,
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          const accept = () => {
            received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: subjectOf(raw),
              raw,
            });
            callback();
          };
          if (options.acceptDelayMs) setTimeout(accept, options.acceptDelayMs);
          else accept();
        });
      },
    });
  let server = create();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve((server.server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  let running = true;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    stop: async () => {
      if (!running) return;
      running = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    start: async () => {
      if (running) return;
      server = create();
      await listen(port);
      running = true;
    },
  };
}
