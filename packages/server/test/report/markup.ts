/**
 * Checks that markup is balanced: every element opened is closed in order (void elements and
 * self-closing tags aside) and no element repeats an attribute (which XML, so SVG, rejects). Enough to
 * catch a chart or table that a stray "<", a missing "</g>" or a doubled attribute breaks.
 */
const VOID = new Set(["meta", "br", "hr", "img", "input", "link"]);

export function unbalancedTags(markup: string): string[] {
  const stack: string[] = [];
  const problems: string[] = [];
  for (const m of markup.matchAll(/<(\/?)([A-Za-z][A-Za-z0-9-]*)\b[^>]*?(\/?)>/g)) {
    const [, closing, rawName, selfClosing] = m;
    const name = (rawName as string).toLowerCase();
    const names = [...m[0].matchAll(/\s([a-zA-Z:-]+)="/g)].map((a) => a[1]);
    if (new Set(names).size !== names.length) problems.push(`repeated attribute in ${m[0]}`);
    if (selfClosing || VOID.has(name)) continue;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) problems.push(`</${name}> at ${m.index}`);
  }
  return [...problems, ...stack.map((s) => `<${s}> never closed`)];
}

/** The attribute values of one attribute across all elements matching a tag. */
export function attributes(markup: string, tag: string, attribute: string): string[] {
  const out: string[] = [];
  for (const m of markup.matchAll(new RegExp(`<${tag}\\b[^>]*>`, "g"))) {
    const a = new RegExp(`\\s${attribute}="([^"]*)"`).exec(m[0]);
    if (a) out.push(a[1] as string);
  }
  return out;
}

/** Undoes the report's escaping of attribute values and text. */
export function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}
