import { RE2JS } from "re2js";

/**
 * Ajv's `code.regExp` for JSON Schema `pattern` and `patternProperties`: RE2 (re2js, pure JavaScript),
 * which matches in time linear in the input. The text a schema's patterns are matched against is an
 * automation's proposal or a person's edit, and with JavaScript's backtracking RegExp a pattern such as
 * `^(a+)+$`, against a few dozen characters, holds the event loop (and every other request) for seconds,
 * a few more for ever. RE2 has no lookaround and no backreferences: a schema using them does not compile,
 * which its loader reports, rather than running slowly.
 */
export const linearRegExp = Object.assign((pattern: string) => RE2JS.compile(pattern), {
  code: "re2js.RE2JS.compile",
});
