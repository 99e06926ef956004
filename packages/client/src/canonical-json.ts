/** A piece of output waiting on the work stack, told apart from a value still to be written. */
class Text {
  constructor(readonly text: string) {}
}

/**
 * JSON with object keys sorted (and `undefined` members left out), so the same content always gives the
 * same text whatever the key order: what `outputHashOf` hashes, and what the server hashes a case's
 * content and a decision's output with (it imports this one, so the two can never differ). Written
 * with an explicit stack rather than recursion: the text is made of whatever a caller sent, and a
 * recursive walk overflows the call stack at a few thousand levels of nesting.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const work: unknown[] = [value];
  while (work.length > 0) {
    const next = work.pop();
    if (next instanceof Text) {
      out.push(next.text);
    } else if (next === null || typeof next !== "object") {
      out.push(JSON.stringify(next) ?? "null");
    } else if (Array.isArray(next)) {
      // Pushed in reverse, so they pop in order: "[", item 0, ",", item 1, …, "]".
      work.push(new Text("]"));
      for (let i = next.length - 1; i >= 0; i--) {
        work.push(next[i]);
        if (i > 0) work.push(new Text(","));
      }
      work.push(new Text("["));
    } else {
      const entries = Object.entries(next as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      work.push(new Text("}"));
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i] as [string, unknown];
        work.push(v, new Text(`${i > 0 ? "," : ""}${JSON.stringify(k)}:`));
      }
      work.push(new Text("{"));
    }
  }
  return out.join("");
}
