import { type ParseArgsConfig, parseArgs } from "node:util";

/** Shared by the sub-commands: unknown flags are an error, not silently ignored. */
export function parseFlags(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}

/** "a, b,,c" -> ["a", "b", "c"]; undefined (flag not given) stays undefined. */
export function splitList(value: unknown): string[] | undefined {
  if (typeof value !== "string") return undefined;
  return value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}
