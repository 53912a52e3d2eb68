/**
 * The one error type edgeq throws for bad input. `code` is stable and machine-readable;
 * `where` says which file / tensor / op / byte offset the problem was found at.
 * The CLI prints `edgeq: <message>` and exits 2 for any EdgeqError.
 */
export class EdgeqError extends Error {
  readonly code: string;
  readonly where: string | undefined;

  constructor(code: string, message: string, where?: string) {
    super(where ? `${message} (at ${where})` : message);
    this.name = "EdgeqError";
    this.code = code;
    this.where = where;
  }
}

/** Throws an EdgeqError with `code` when `cond` is false. */
export function check(cond: unknown, code: string, message: string, where?: string): asserts cond {
  if (!cond) throw new EdgeqError(code, message, where);
}
