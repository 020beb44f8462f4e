/**
 * A mail transport that keeps what the outbox dispatcher delivers
 * (StartOptions.mailTransport), so tests read an email as the person it is
 * for gets it: after delivery, from the delivered text, never from the
 * database. `linkTokenTo` reads a second-opinion link's secret from the
 * newest such email to an address delivered since a mark, waiting (bounded)
 * for it to arrive.
 */
import type { MailTransport } from "../../src/infra/mailTransport";
import { eventually, WAIT_MS } from "./ws";

export interface DeliveredEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailbox {
  transport: MailTransport;
  /** Every email delivered so far, in delivery order (its length marks "now" for `since`). */
  delivered: DeliveredEmail[];
  /** The emails delivered to `address` so far. */
  to(address: string): DeliveredEmail[];
  /** The emails with a /recommend link delivered to `address` after the first `since` deliveries, once there is one (waits up to WAIT_MS). */
  linkEmailsTo(address: string, since: number): Promise<DeliveredEmail[]>;
  /** The secret of the newest /recommend link delivered to `address` after the first `since` deliveries (waits for one). */
  linkTokenTo(address: string, since: number): Promise<string>;
}

const LINK = /\/recommend\?token=([A-Za-z0-9_-]+)/;

/** The secret of the /recommend link in a delivered email's text. */
export function linkTokenIn(email: DeliveredEmail): string {
  const token = LINK.exec(email.text)?.[1];
  if (!token) throw new Error(`no /recommend link in the email "${email.subject}" to ${email.to}`);
  return token;
}

export function mailbox(): Mailbox {
  const delivered: DeliveredEmail[] = [];
  const to = (address: string) => delivered.filter((email) => email.to === address);
  const linkEmails = (address: string, since: number) => delivered.slice(since).filter((email) => email.to === address && LINK.test(email.text));
  const box: Mailbox = {
    transport: {
      send: async (message) => {
        delivered.push({ ...message });
      },
    },
    delivered,
    to,
    async linkEmailsTo(address, since) {
      await eventually(() => linkEmails(address, since).length > 0, WAIT_MS, `an email with a link delivered to ${address}`);
      return linkEmails(address, since);
    },
    async linkTokenTo(address, since) {
      const emails = await box.linkEmailsTo(address, since);
      return linkTokenIn(emails[emails.length - 1]);
    },
  };
  return box;
}
