import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { PolicyIssue } from "../errors.js";

/** A path inside the workflow document: map keys and sequence indexes. */
export type Path = ReadonlyArray<string | number>;

/** "risk.classes.high.autoMinConfidence", "escalate[1].when". */
export function fieldName(path: Path): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${part}` : part;
  return out || "(document)";
}

/**
 * One YAML file with what is needed to point at any of its fields. Issues are located on the YAML
 * nodes rather than on the plain data, so they land on the line the owner has to edit.
 */
export class PolicySource {
  readonly doc: Document.Parsed;
  readonly issues: PolicyIssue[] = [];
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
    for (const err of this.doc.errors) {
      this.issueAtOffset(err.pos[0], "yaml", syntaxMessage(err.code, err.message));
    }
  }

  issueAtOffset(offset: number, field: string, message: string): void {
    const { line, col } = this.lines.linePos(offset);
    this.issues.push({ file: this.file, line, column: col, field, message });
  }

  /**
   * `key` points at the key instead of the value (unknown keys, duplicates); `parent` points at the
   * enclosing mapping (a required field that is missing has no node of its own).
   */
  issue(path: Path, message: string, where: "value" | "key" | "parent" = "value"): void {
    const target = where === "parent" ? path.slice(0, -1) : path;
    this.issueAtOffset(this.offsetOf(target, where === "key"), fieldName(path), message);
  }

  /** The node at `path`, or the nearest ancestor that exists. */
  node(path: Path, key = false): Node | undefined {
    let node = this.resolve(this.doc.contents);
    for (const [i, part] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === part);
        if (!pair) return node;
        const keyNode = this.resolve(pair.key);
        const value = this.resolve(pair.value);
        // `owner:` with nothing after it has an empty scalar: the key is the better place to point.
        const empty = !value || (isScalar(value) && value.source === "" && value.value === null);
        if ((last && key) || empty) return last ? keyNode : node;
        node = value;
      } else if (isSeq(node) && typeof part === "number") {
        const item = this.resolve(node.items[part]);
        if (!item) return node;
        node = item;
      } else {
        return node;
      }
    }
    return node;
  }

  offsetOf(path: Path, key = false): number {
    return this.node(path, key)?.range?.[0] ?? 0;
  }

  /**
   * Where character `offset` of a scalar's value sits in the file. Exact when the value is the source
   * text with only line folding applied (plain, quoted without escapes, block scalars); otherwise the
   * scalar's own start, which is still the right line.
   */
  offsetInScalar(path: Path, offset: number): number {
    const node = this.node(path);
    const start = node?.range?.[0] ?? 0;
    if (!isScalar(node) || typeof node.value !== "string" || !node.range) return start;
    const raw = this.text.slice(node.range[0], node.range[1]);
    const block = node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED";
    const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
    // Block scalars start on the line after their `|` / `>` header; quotes are one character each.
    const skip = block ? raw.indexOf("\n") + 1 : quoted ? 1 : 0;
    const body = raw.slice(skip, quoted ? -1 : undefined);
    const lines = body.split("\n");
    const indentOf = (line: string) => line.length - line.trimStart().length;
    // A block's indentation is set by its first non-empty line; deeper lines keep the extra spaces.
    const blockIndent = indentOf(lines.find((l) => l.trim() !== "") ?? "");
    const pieces: Array<{ at: number; text: string }> = [];
    let at = start + skip;
    for (const line of lines) {
      const lead = block ? Math.min(blockIndent, indentOf(line)) : pieces.length > 0 ? indentOf(line) : 0;
      pieces.push({ at: at + lead, text: block ? line.slice(lead) : line.slice(lead).trimEnd() });
      at += line.length + 1;
    }
    const joiner = node.type === "BLOCK_LITERAL" ? "\n" : " ";
    if (
      pieces
        .map((p) => p.text)
        .join(joiner)
        .trimEnd() !== node.value.trimEnd()
    )
      return start;
    let remaining = offset;
    for (const piece of pieces) {
      if (remaining <= piece.text.length) return piece.at + remaining;
      remaining -= piece.text.length + 1;
    }
    return start;
  }

  private resolve(node: unknown): Node | undefined {
    if (isAlias(node)) return this.resolve(node.resolve(this.doc));
    return (node ?? undefined) as Node | undefined;
  }
}

function syntaxMessage(code: string, message: string): string {
  if (code === "MULTIPLE_DOCS") return "one workflow per file: this file holds more than one YAML document";
  if (code === "DUPLICATE_KEY") return "this key appears twice in the same mapping";
  return message.split("\n")[0] ?? message;
}
