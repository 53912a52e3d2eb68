/** Load errors: every failure of load() is an Error whose message starts with "edgeqrt: ". */

/** The prefix of every load() error. */
export const PREFIX = "edgeqrt: ";

/** Throws "edgeqrt: " + message. */
export function fail(message: string): never {
  throw new Error(PREFIX + message);
}

/**
 * A kernel's prepare check: throws `message` (default "bad shapes") unless the condition holds; the
 * loader prefixes "edgeqrt: op k NAME: ", e.g. "edgeqrt: op 3 TRANSPOSE: perm has 3 entries, input rank 4".
 */
export function check(condition: boolean, message?: string): void {
  if (!condition) throw new Error(message || "bad shapes");
}
