import { type ParseArgsConfig, parseArgs } from "node:util";

/** Shared by the sub-commands: unknown flags are an error, not silently ignored. */
export function parseFlags(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}
