import { createHash } from "node:crypto";
import { PolicyError, type PolicyIssue } from "../errors.js";
import { adopt, type Compiled } from "./expressions.js";
import { PolicySource } from "./source.js";
import { validateWorkflow, WORKFLOW_NAME } from "./validate.js";
import type { Workflow } from "./workflow.js";

/** A loaded set of workflows keyed by name, plus one version hash over all of them. */
export interface PolicySet {
  workflows: Map<string, Workflow>;
  version: string;
}

/** Short content hash: enough to tell policy versions apart in case records and reason lines. */
function shortHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 12);
}

interface Loaded {
  workflow?: Workflow;
  /** The declared name when it is readable, even if the rest of the file has issues. */
  name?: string;
  nameOffset: number;
  source: PolicySource;
}

function load(text: string, file: string): Loaded {
  const source = new PolicySource(file, text);
  // After a syntax error the document tree is a guess; shape issues on it would only add noise.
  if (source.issues.length > 0) return { source, nameOffset: 0 };
  const compiled = new Map<string, Compiled>();
  const body = validateWorkflow({ src: source, compiled });
  const declared: unknown = source.doc.get("workflow");
  const name = typeof declared === "string" && WORKFLOW_NAME.test(declared) ? declared : undefined;
  const nameOffset = source.offsetOf(["workflow"]);
  if (!body) return { source, nameOffset, ...(name !== undefined && { name }) };
  const workflow: Workflow = { ...body, source: { file, version: shortHash(text) } };
  adopt(workflow, compiled);
  return { workflow, name: workflow.workflow, nameOffset, source };
}

/**
 * Parses and validates one YAML workflow document.
 * @throws PolicyError listing every issue found, each located by file, line, column and field.
 */
export function parseWorkflow(text: string, file: string): Workflow {
  const { workflow, source } = load(text, file);
  if (!workflow) throw new PolicyError(sortIssues(source.issues));
  return workflow;
}

/**
 * Parses many files into one set. Issues from all files (and a workflow name declared in two files)
 * are collected into a single PolicyError, so an owner fixes everything in one round.
 */
export function buildPolicySet(files: Array<{ file: string; text: string }>): PolicySet {
  const issues: PolicyIssue[] = [];
  const workflows = new Map<string, Workflow>();
  const firstFile = new Map<string, string>();
  for (const { file, text } of files) {
    const loaded = load(text, file);
    issues.push(...sortIssues(loaded.source.issues));
    if (loaded.name === undefined) continue;
    const earlier = firstFile.get(loaded.name);
    if (earlier !== undefined) {
      loaded.source.issueAtOffset(
        loaded.nameOffset,
        "workflow",
        `workflow "${loaded.name}" is already defined in ${earlier}`,
      );
      issues.push(loaded.source.issues.at(-1) as PolicyIssue);
      continue;
    }
    firstFile.set(loaded.name, file);
    if (loaded.workflow) workflows.set(loaded.name, loaded.workflow);
  }
  if (issues.length > 0) throw new PolicyError(issues);
  // Sorted by name so the set's version does not depend on the order files were listed in.
  const summary = [...workflows.values()]
    .map((w) => `${w.workflow}\u0000${w.source.version}`)
    .sort()
    .join("\n");
  return { workflows, version: shortHash(summary) };
}

function sortIssues(issues: PolicyIssue[]): PolicyIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}
