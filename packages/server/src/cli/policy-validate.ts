import { PolicyError } from "@loopgate/core";
import { defaultPolicyDir, loadPolicyDir } from "../policy-files.js";

/** `loopgate policy validate [DIR]`: exit 0 when every workflow is valid, 1 with located errors. */
export async function runPolicyValidate(args: string[]): Promise<number> {
  const dir = args[0] ?? defaultPolicyDir();
  try {
    const set = loadPolicyDir(dir);
    const names = [...set.workflows.values()].map(
      (w) => `${w.workflow} (${w.source.file}, owner ${w.owner})`,
    );
    console.log(`valid: ${names.length} workflow${names.length === 1 ? "" : "s"}\n  ${names.join("\n  ")}`);
    return 0;
  } catch (err) {
    if (err instanceof PolicyError) {
      console.error(err.message);
      console.error(`${err.issues.length} problem${err.issues.length === 1 ? "" : "s"} in ${dir}`);
      return 1;
    }
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
}
