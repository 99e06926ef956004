/**
 * Domain errors. Transport layers map these to their own shapes (HTTP problem+json, CLI exit codes)
 * in one place each; the core never knows about status codes.
 */
export class LoopgateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that is well-formed but not acceptable; `field` is a JSON-pointer-like path ("/action"). */
export class ValidationError extends LoopgateError {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export class NotFound extends LoopgateError {}

export class Conflict extends LoopgateError {}
export class Forbidden extends LoopgateError {}

/** One problem in a policy file, located so an owner can jump to it in an editor. */
export interface PolicyIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path inside the workflow document, e.g. "risk.classes.high.autoMinConfidence". */
  field: string;
  message: string;
}

export class PolicyError extends LoopgateError {
  constructor(readonly issues: PolicyIssue[]) {
    super(issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.field}: ${i.message}`).join("\n"));
  }
}
