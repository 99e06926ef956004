/**
 * Escapes text for HTML and SVG, in element content and in double- or single-quoted attributes.
 * Every string that reaches the report goes through here: workflow names, reason codes and reviewer
 * names come from policy files and API callers.
 */
export function escapeText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
