/**
 * Text must be well-formed UTF-16 (issue 10): a lone surrogate (half of a
 * character outside the Basic Multilingual Plane, without its other half) has
 * no UTF-8 form, so the database drivers would store it, and emails carry it,
 * as U+FFFD: text altered without anyone knowing. Such text is refused instead.
 */
import { badUserInput, userError, UserError } from "./errors";

/** A surrogate code unit that is not part of a pair (with the `u` flag, pairs match as one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

// C0 controls (tab and line feed included) and DEL: never part of a name or an email address.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Whether search text is no text to search for: a control character (C0, DEL)
 * or a lone surrogate. On SQLite a NUL even ends the LIKE pattern early, so
 * "x\0y" matched everyone.
 */
export function isUnsearchable(text: string): boolean {
  return CONTROL_CHARACTER.test(text) || hasLoneSurrogate(text);
}

/** The longest text a search (`users`, `groups`) takes. */
export const MAX_SEARCH_LENGTH = 200;

/**
 * The LIKE pattern (escaped with "!") that finds `search` anywhere in a
 * lower-cased column; null when there is nothing to search for. The one check
 * of every search argument: BAD_USER_INPUT for text that is no text to search
 * for (isUnsearchable) or longer than MAX_SEARCH_LENGTH.
 *
 * The escape character is "!", not a backslash: MySQL/MariaDB read a backslash
 * inside a string literal as an escape of its own (`ESCAPE '\'` does not even
 * parse there), SQLite does not.
 */
export function searchPattern(search: string | null | undefined): string | null {
  if (search && isUnsearchable(search)) {
    throw badUserInput("`search` holds a control character or a lone UTF-16 surrogate; send the text to find.", "search");
  }
  const trimmed = search?.trim() ?? "";
  if (trimmed.length > MAX_SEARCH_LENGTH) throw badUserInput(`\`search\` is at most ${MAX_SEARCH_LENGTH} characters.`, "search");
  return trimmed ? `%${trimmed.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%` : null;
}

/**
 * One INVALID_INPUT for every text in a mutation's `input` (nested objects and
 * lists included) that holds a lone surrogate; `field` is its path within the input.
 */
export function malformedTextErrors(input: unknown, path: string[] = []): UserError[] {
  if (typeof input === "string") {
    return hasLoneSurrogate(input)
      ? [
          userError(
            "INVALID_INPUT",
            `\`${path[path.length - 1] ?? "input"}\` holds a lone UTF-16 surrogate (half of a character); send well-formed text.`,
            path,
          ),
        ]
      : [];
  }
  if (Array.isArray(input)) return input.flatMap((item, index) => malformedTextErrors(item, [...path, String(index)]));
  if (input !== null && typeof input === "object") {
    return Object.entries(input).flatMap(([name, value]) => malformedTextErrors(value, [...path, name]));
  }
  return [];
}
