/**
 * Terminal safety for everything a visitor can type: names, messages, page URLs and titles.
 *
 * A terminal obeys control characters wherever they appear, so a visitor's text must never reach
 * it raw: ESC starts cursor moves, colour changes, window titles (OSC 0), clipboard writes
 * (OSC 52) and hyperlinks (OSC 8); C1 codes (U+0080-U+009F) are single-character forms of the
 * same; BEL rings. We replace each such character with a visible stand-in, so the operator sees
 * that something odd was sent (`␛]0;pwned␇`) but the terminal does nothing with it.
 */

/** C0 controls map to the Unicode "control pictures" block: U+2400 + code (ESC → ␛, BEL → ␇). */
function picture(code: number): string {
  return String.fromCharCode(0x2400 + code);
}

// Bidirectional overrides and isolates can reorder what is shown (a "Trojan source" trick).
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;

// Anything the loop below would change; most text holds none of it and is returned as it is.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;

/** Makes one visitor-supplied string harmless; newlines become spaces unless `multiline`. */
export function clean(input: string | undefined, multiline = false): string {
  if (!input) return '';
  if (!UNSAFE.test(input)) return input;
  let out = '';
  for (const ch of input) {
    const code = ch.codePointAt(0)!;
    if (code === 0x0a && multiline) out += '\n';
    else if (code === 0x0a || code === 0x0d || code === 0x09) out += ' ';
    else if (code < 0x20) out += picture(code);
    else if (code === 0x7f) out += '␡';
    else if (code >= 0x80 && code <= 0x9f) out += `‹${code.toString(16).toUpperCase()}›`;
    else if (BIDI.test(ch)) out += `‹U+${code.toString(16).toUpperCase()}›`;
    else out += ch;
  }
  return out;
}

/** For a desktop notification (itself an OSC sequence): only plain printable text, shortened. */
export function notificationText(input: string, max = 120): string {
  return clean(input).replace(/[;\u2400-\u2426‹›]/g, ' ').slice(0, max);
}
