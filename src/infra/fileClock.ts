/**
 * A clock that tests move across processes (TEST_CLOCK_FILE, NODE_ENV=test
 * only): the system time plus the milliseconds written in a file, read on
 * every reading, so every server process pointed at the file moves at once.
 * A missing or unreadable file counts as no offset; a half-written one keeps
 * the last offset read.
 */
import fs from "node:fs";
import type { Clock } from "../services/shared/clock";

export function fileClock(path: string): Clock {
  let offset = 0;
  return {
    now() {
      try {
        const text = fs.readFileSync(path, "utf8").trim();
        if (/^-?\d+$/.test(text)) offset = Number(text);
      } catch {
        offset = 0;
      }
      return new Date(Date.now() + offset);
    },
  };
}
