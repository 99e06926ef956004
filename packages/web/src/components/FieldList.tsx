import type { ReactNode } from "react";
import { words } from "../format";

/** Paths such as `input.supplier` → the names of the fired triggers that read them. */
export type Flags = Map<string, string[]>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function Scalar({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value === "string") {
    if (value.length > 100 || value.includes("\n")) return <p className="textblock">{value}</p>;
    return <>{value}</>;
  }
  if (typeof value === "boolean") return <>{value ? "yes" : "no"}</>;
  return <>{String(value)}</>;
}

function Value({ value, path, flags }: { value: unknown; path: string; flags: Flags }): ReactNode {
  if (isObject(value)) return <FieldList value={value} path={path} flags={flags} nested />;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    if (value.every((v) => !isObject(v) && !Array.isArray(v))) return <>{value.map(String).join(", ")}</>;
    return (
      <ol className="plain">
        {value.map((v, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: positions are the identity of array items
          <li key={i}>
            <Value value={v} path={`${path}.${i}`} flags={flags} />
          </li>
        ))}
      </ol>
    );
  }
  return <Scalar value={value} />;
}

function Flag({ triggers }: { triggers: string[] }) {
  return (
    <span className="flag">
      <span aria-hidden="true">⚑ </span>flagged by {triggers.map(words).join(", ")}
    </span>
  );
}

/**
 * An object as a definition list. Fields read by a fired escalation trigger are marked with the
 * trigger's name (the "why"), and flagged fields that are absent are listed as missing.
 */
export function FieldList({
  value,
  path,
  flags,
  nested = false,
}: {
  value: unknown;
  path: string;
  flags: Flags;
  nested?: boolean;
}) {
  if (!isObject(value)) return <Value value={value} path={path} flags={flags} />;
  const keys = Object.keys(value);
  // Flagged paths directly under this object that the data does not have: "missing" is the finding.
  const missing = [...flags.entries()].filter(([p]) => {
    if (!p.startsWith(`${path}.`)) return false;
    const rest = p.slice(path.length + 1);
    const head = rest.split(".")[0] ?? "";
    return !(head in value);
  });
  if (keys.length === 0 && missing.length === 0) return <p className="muted">empty</p>;
  return (
    <dl className={nested ? "fields nested" : "fields"}>
      {keys.map((k) => {
        const p = `${path}.${k}`;
        const triggers = flags.get(p);
        return (
          <div key={k} className={triggers ? "flagged" : undefined} data-path={p}>
            <dt>
              {k}
              {triggers && <Flag triggers={triggers} />}
            </dt>
            <dd>
              <Value value={value[k]} path={p} flags={flags} />
            </dd>
          </div>
        );
      })}
      {missing.map(([p, triggers]) => (
        <div key={p} className="flagged missing" data-path={p}>
          <dt>
            {p.slice(path.length + 1)}
            <Flag triggers={triggers} />
          </dt>
          <dd>
            <em>missing</em>
          </dd>
        </div>
      ))}
    </dl>
  );
}
