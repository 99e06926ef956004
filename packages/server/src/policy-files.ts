import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPolicySet, type PolicySet } from "@loopgate/core";

/** The example workflows shipped with Loopgate (used when there is no ./policies directory). */
export const EXAMPLE_POLICY_DIR = fileURLToPath(new URL("../../../examples/policies", import.meta.url));

/** LOOPGATE_POLICY_DIR, else ./policies when it exists, else the shipped examples. */
export function defaultPolicyDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (env.LOOPGATE_POLICY_DIR) return resolve(cwd, env.LOOPGATE_POLICY_DIR);
  const local = resolve(cwd, "policies");
  return existsSync(local) && statSync(local).isDirectory() ? local : EXAMPLE_POLICY_DIR;
}

/** Reads every *.yaml / *.yml file in `dir` (not recursive) and validates them together. */
export function loadPolicyDir(dir: string, cwd = process.cwd()): PolicySet {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`policy directory ${dir} does not exist`);
  }
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      // Paths in error messages are relative to where the user stands, so they can be pasted.
      return { file: relative(cwd, path) || path, text: readFileSync(path, "utf8") };
    });
  if (files.length === 0) throw new Error(`policy directory ${dir} holds no .yaml files`);
  return buildPolicySet(files);
}
