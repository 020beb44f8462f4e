/**
 * Where emails go: SMTP through nodemailer (SMTP_URL), or, without it, the log
 * (addresses and subjects only; bodies stay private). The outbox dispatcher
 * (outbox.ts) hands each due email to one of these.
 */
import type { Transporter } from "nodemailer";

export interface MailTransport {
  send(message: { from: string; to: string; subject: string; text: string; html: string }): Promise<void>;
  close?(): void;
}

/** SMTP through nodemailer. */
export function smtpTransport(smtpUrl: string): MailTransport {
  // Required here, not imported at the top: without SMTP_URL nothing sends mail, and a start need not load nodemailer.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodemailer = require("nodemailer") as typeof import("nodemailer");
  const transporter: Transporter = nodemailer.createTransport(smtpUrl, {});
  return {
    send: async (message) => {
      await transporter.sendMail(message);
    },
    close: () => transporter.close(),
  };
}

/** Without SMTP_URL: emails are written to the log (addresses and subjects only; bodies stay private). */
export function logTransport(log: (entry: Record<string, unknown>, message: string) => void): MailTransport {
  return {
    send: async (message) => log({ to: message.to, subject: message.subject }, "email (no SMTP_URL configured)"),
  };
}
