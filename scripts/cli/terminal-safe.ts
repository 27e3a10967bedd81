// What the operator CLI prints comes from payloads any source can write (reasons, ids, keys): an
// escape sequence in them would reach the operator's terminal (recolour, rewrite the screen, set the
// window title, or with some terminals worse). Everything printed goes through these first.

/**
 * C0 controls (ESC, BEL, CR, backspace, ...), DEL, C1 controls (U+0080-U+009F: U+009B is a one-
 * character CSI), the line and paragraph separators, and the bidirectional overrides and isolates
 * (which reorder what the operator reads).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One line of untrusted text, every unsafe character shown as `\uXXXX`. */
export function safeText(value: string | number | null | undefined): string {
  return String(value ?? '-').replace(UNSAFE, escape);
}

/**
 * JSON for the terminal: JSON.stringify escapes C0 controls but prints C1 controls and bidi
 * overrides raw; these are escaped too (as `\uXXXX`, so the output stays the same JSON).
 */
export function safeJson(value: unknown, space?: number): string {
  // Raw newlines in JSON.stringify's output are its own indentation (it escapes those in strings).
  return JSON.stringify(value, null, space).replace(UNSAFE, (char) => (char === '\n' ? char : escape(char)));
}
