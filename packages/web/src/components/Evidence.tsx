import { show } from "../format";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

function safeUrl(v: unknown): string | undefined {
  const s = str(v);
  return s && /^https?:\/\//i.test(s) ? s : undefined;
}

/** Documents and evidence the model cited: titles, kinds, links (http/https only), excerpts. */
export function Evidence({ items }: { items: unknown[] | null }) {
  if (!items || items.length === 0) return <p className="muted">No evidence was attached.</p>;
  return (
    <ul className="evidence">
      {items.map((item, i) => {
        const key = i;
        if (!isObject(item)) {
          return (
            <li key={key}>
              <span>{show(item)}</span>
            </li>
          );
        }
        const title = str(item.title) ?? str(item.name) ?? str(item.source) ?? str(item.id);
        const kind = str(item.kind) ?? str(item.type);
        const url = safeUrl(item.url) ?? safeUrl(item.href);
        const excerpt = str(item.text) ?? str(item.excerpt) ?? str(item.quote) ?? str(item.summary);
        const known = new Set([
          "title",
          "name",
          "source",
          "id",
          "kind",
          "type",
          "url",
          "href",
          "text",
          "excerpt",
          "quote",
          "summary",
        ]);
        const rest = Object.fromEntries(Object.entries(item).filter(([k]) => !known.has(k)));
        return (
          <li key={key}>
            {kind && <span className="tag">{kind}</span>}{" "}
            {url ? (
              <a href={url} target="_blank" rel="noreferrer noopener">
                {title ?? url}
              </a>
            ) : (
              <strong>{title ?? "Item"}</strong>
            )}
            {excerpt && <blockquote>{excerpt}</blockquote>}
            {Object.keys(rest).length > 0 && <pre className="json small">{show(rest)}</pre>}
          </li>
        );
      })}
    </ul>
  );
}
