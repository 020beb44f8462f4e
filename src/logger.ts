/**
 * Structured JSON logs (pino). Tokens, cookies and message bodies never reach a
 * log line: the redaction list is the one place that says so.
 */
import pino, { Logger } from "pino";

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "license-requests-api" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "authorization",
        "token",
        "variables",
        "*.password",
        "*.message.text",
        "*.message.html",
      ],
      censor: "[redacted]",
    },
  });
}

export type { Logger };
