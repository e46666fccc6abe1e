/**
 * Makes `text` one flat string in place and returns it. JSON.stringify and `+` build long strings
 * as ropes, a tree of parts with a 32-byte node each; a rope held for seconds by the ten thousand
 * (the journal's records until the checkpoint) costs about twice its text. Converting it to a
 * number makes V8 flatten it: the rope then points at one flat copy, and the garbage collector
 * drops the parts and the node. The number itself is thrown away.
 */
export function flatten(text: string): string {
  void Number(text);
  return text;
}
