// What load clients read out of incoming frames without JSON.parse on the hot path: every
// message costs the receiver a few byte comparisons, so the clients stay cheap next to the
// server they load (they share its two cores). Both servers serialise frames with
// JSON.stringify, so {"t":"ev",... always starts the same way.

const QUOTE = 0x22;

/** {"t":"ev" — an event frame (the only frame a latency sample comes from). */
export function isEv(buf) {
  return buf[6] === 0x65 && buf[7] === 0x76 && buf[8] === QUOTE;
}

/** {"t":"error" — counted per code, so refused messages show in the figures. */
export function isError(buf) {
  return buf[6] === 0x65 && buf[7] === 0x72 && buf[8] === 0x72;
}

/**
 * Message texts are a direction mark and the send time: "v<µs>" from a visitor, "o<µs>" from
 * an operator. A receiver looks only for the other side's mark, so echoes of its own messages
 * (the hub sends every event to both ends of a chat) are skipped.
 */
export const FROM_VISITOR = Buffer.from('"text":"v');
export const FROM_OPERATOR = Buffer.from('"text":"o');
const SEQ = Buffer.from('"seq":');

/** The stamp (µs) after `mark`, or -1 when the frame has none. */
export function stampAfter(buf, mark) {
  const at = buf.indexOf(mark, 9);
  if (at < 0) return -1;
  let n = 0;
  let digits = 0;
  for (let i = at + mark.length; i < buf.length; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
    digits++;
  }
  return digits >= 13 ? n : -1;
}

/** The event's seq, kept per visitor so a resume asks only for what it missed. */
export function seqOf(buf) {
  const at = buf.lastIndexOf(SEQ);
  if (at < 0) return -1;
  let n = 0;
  for (let i = at + SEQ.length; i < buf.length; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return n;
}

/** The frame type, for the rare frames that are parsed (welcome, chat.queued, errors). */
export function typeOf(buf) {
  const end = buf.indexOf(QUOTE, 6);
  return end < 0 ? '' : buf.toString('latin1', 6, end);
}

/**
 * Message frames are built from constant pieces around a counter and a stamp: one string
 * concatenation per message, no object and no JSON.stringify. Ids are 12 word characters
 * (the protocol wants 8 to 64), unique per process and therefore per chat.
 */
export function visitorMsg(counter, stampUs) {
  return '{"t":"msg","id":"vx' + (1e9 + counter) + '","text":"v' + stampUs + '"}';
}

/** `prefix` is operatorMsgPrefix(chatId), built once per chat. */
export function operatorMsg(prefix, counter, stampUs) {
  return prefix + (1e9 + counter) + '","text":"o' + stampUs + '"}';
}

export function operatorMsgPrefix(chatId) {
  return '{"t":"msg","chatId":' + JSON.stringify(chatId) + ',"id":"ox';
}
