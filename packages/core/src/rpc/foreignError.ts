/**
 * The first error in `error`'s `cause` chain (itself included) that `matches`, or undefined.
 * Another library's errors are recognised by what they are (`name`, `code`, fields), never with
 * `instanceof`: an app's copy of viem or web3.js is often not the one a package imports (a wallet
 * library pinning its own version, a monorepo), and `instanceof` across copies is always false.
 * The same walk as viem's `BaseError.walk`, for errors of any copy or library.
 *
 * @example const timeout = findError(error, (e) => e.name === 'WaitForTransactionReceiptTimeoutError')
 */
export function findError(
  error: unknown,
  matches: (error: Error & Record<string, unknown>) => boolean,
): (Error & Record<string, unknown>) | undefined {
  // Bounded: a cause chain can loop.
  for (let link = error, depth = 0; isError(link) && depth < 32; link = link.cause, depth++) {
    if (matches(link as Error & Record<string, unknown>)) {
      return link as Error & Record<string, unknown>
    }
  }
  return undefined
}

/**
 * The first error in `error`'s `cause` chain named one of `names` (an error class's `name`, as
 * viem sets on each of its errors: `TransactionNotFoundError`, `HttpRequestError`, …).
 *
 * @example if (errorNamed(error, 'TransactionNotFoundError', 'TransactionReceiptNotFoundError')) return null
 */
export function errorNamed(
  error: unknown,
  ...names: string[]
): (Error & Record<string, unknown>) | undefined {
  return findError(error, (link) => names.includes(link.name))
}

/**
 * True for an error made by any copy of viem: its `BaseError` gives every error a `shortMessage`,
 * a `version` string and a `walk` method (its `name` is the subclass's).
 *
 * @example if (!isViemError(error)) throw error
 */
export function isViemError(error: unknown): boolean {
  if (!isError(error)) return false
  const fields = error as { shortMessage?: unknown; version?: unknown; walk?: unknown }
  return (
    typeof fields.shortMessage === 'string' &&
    typeof fields.version === 'string' &&
    typeof fields.walk === 'function'
  )
}

function isError(value: unknown): value is Error {
  return (
    value instanceof Error ||
    (typeof value === 'object' && value !== null && typeof (value as Error).message === 'string')
  )
}
