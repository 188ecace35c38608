/**
 * Whether a thrown error is a fault on a value rather than a dependency that is down: a
 * `RangeError` (what tx402's own checks throw for a value that must never reach them, such as a
 * credit grant of 0, and what JavaScript throws for an impossible conversion), or a value
 * PostgreSQL refused (SQLSTATE class 22, data exception), anywhere in the `cause` chain (the
 * ledger wraps its errors in `LedgerUnavailableError`). Retrying the same request cannot change
 * it, so it is never answered 503 "retry" (docs/protocol.md section 5, `server_error`).
 *
 * @example isValueFault(new LedgerUnavailableError('…', { cause: new RangeError('amount 0') })) // true
 */
export function isValueFault(error: unknown): boolean {
  // Bounded: a cause chain is short, and a cycle must not hang a request.
  let current = error
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof RangeError) return true
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return true
    current = current.cause
  }
  return false
}
