import type { ASTNode } from "@marcbachmann/cel-js";
import { cached, compile } from "./expressions.js";
import type { Workflow } from "./workflow.js";

/**
 * Which case fields an expression reads: `has(context.po) && input.supplier != context.po.supplier`
 * reads `context.po`, `input.supplier` and `context.po.supplier`. The workspace highlights these
 * fields when a trigger fires, so a reviewer looks where the policy looked.
 *
 * Only the variables that hold the automation's data are reported (input, context, proposal,
 * metadata); scalars such as `confidence` or `riskClass` have no field to point at.
 */
const ROOTS = new Set(["input", "context", "proposal", "metadata"]);

/** Macros whose first argument names a variable bound inside the call (`c` in `claims.exists(c, ...)`). */
const BINDING_MACROS = new Set(["all", "exists", "exists_one", "map", "filter"]);

/**
 * The member chains rooted at a case variable in `ast`, each as long as it is written (`context.po` in
 * `has(context.po)`, not also `context`), in the order they appear and without duplicates. A chain stops at a computed index (`input[key]`), which is
 * reported as its prefix (`input`) while the index expression is searched on its own.
 */
export function fieldsReadFromAst(ast: ASTNode): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (path: string) => {
    if (!seen.has(path)) {
      seen.add(path);
      found.push(path);
    }
  };
  walk(ast, new Set(), add);
  return found;
}

/**
 * Parses `expression` as a policy rule and lists the fields it reads; an expression that does not
 * compile reads nothing we can name, so the answer is empty (validation reports it elsewhere).
 */
export function fieldsRead(expression: string): string[] {
  const compiled = compile(expression, "rule");
  return compiled.ok ? fieldsReadFromAst(compiled.run.ast) : [];
}

/** Each escalation trigger with the fields it reads: those computed at load, else computed now. */
export function escalationFields(workflow: Workflow): Array<{ name: string; fields: string[] }> {
  return workflow.escalate.map((t) => {
    if (t.fields) return { name: t.name, fields: t.fields };
    const compiled = cached(workflow, t.when, "rule");
    return { name: t.name, fields: compiled.ok ? fieldsReadFromAst(compiled.run.ast) : [] };
  });
}

/** `input.po.supplier` as ["input", "po", "supplier"], or undefined when the chain is not rooted at a case variable. */
function chain(node: ASTNode, bound: ReadonlySet<string>): string[] | undefined {
  switch (node.op) {
    case "id":
      return ROOTS.has(node.args) && !bound.has(node.args) ? [node.args] : undefined;
    case ".":
    case ".?": {
      const base = chain(node.args[0], bound);
      return base && [...base, node.args[1]];
    }
    case "[]":
    case "[?]": {
      const [target, index] = node.args;
      const base = chain(target, bound);
      if (!base || index.op !== "value" || typeof index.args !== "string") return undefined;
      return [...base, index.args];
    }
    default:
      return undefined;
  }
}

function walk(node: ASTNode, bound: ReadonlySet<string>, add: (path: string) => void): void {
  const path = chain(node, bound);
  if (path) {
    add(path.join("."));
    return;
  }
  switch (node.op) {
    case "value":
    case "id":
      return;
    case ".":
    case ".?":
      walk(node.args[0], bound, add);
      return;
    case "call":
      for (const arg of node.args[1]) walk(arg, bound, add);
      return;
    case "rcall": {
      const [name, target, args] = node.args;
      walk(target, bound, add);
      const variable = args[0];
      if (BINDING_MACROS.has(name) && variable?.op === "id" && args.length > 1) {
        // Inside the macro the bound name shadows any case variable of the same name.
        const inner = new Set(bound).add(variable.args);
        for (const arg of args.slice(1)) walk(arg, inner, add);
        return;
      }
      for (const arg of args) walk(arg, bound, add);
      return;
    }
    case "list":
      for (const item of node.args) walk(item, bound, add);
      return;
    case "map":
      for (const [key, value] of node.args) {
        walk(key, bound, add);
        walk(value, bound, add);
      }
      return;
    case "!_":
    case "-_":
      walk(node.args, bound, add);
      return;
    default:
      // Binary operators, `?:`, `[]` with a computed index: every operand is a node.
      for (const arg of node.args as readonly ASTNode[]) walk(arg, bound, add);
  }
}
