/**
 * The one error hierarchy of tx402 (as viem's `BaseError`): a `shortMessage` for people, optional
 * `details`, and the underlying `cause`. Subclasses carry a literal `name`.
 *
 * @example
 * try { parseAmount('1e3', 6) } catch (e) { if (e instanceof InvalidAmountError) console.log(e.shortMessage) }
 */
export class BaseError extends Error {
  override name = 'Tx402Error'
  readonly shortMessage: string
  readonly details: string | undefined

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    const message = options.details
      ? `${shortMessage}\n\nDetails: ${options.details}`
      : shortMessage
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.shortMessage = shortMessage
    this.details = options.details
  }
}

/** A decimal amount string that is not a valid amount for the asset's decimals. */
export class InvalidAmountError extends BaseError {
  override name = 'InvalidAmountError' as const
}

/** Options given at setup that cannot work (missing payee, unknown asset, bad secret). */
export class ConfigurationError extends BaseError {
  override name = 'ConfigurationError' as const
}

/** A transaction id that is not well formed for its chain (answered 400). */
export class InvalidTxIdError extends BaseError {
  override name = 'InvalidTxIdError' as const
}

/** A challenge id that is malformed, tampered with, foreign or expired. */
export class InvalidChallengeError extends BaseError {
  override name = 'InvalidChallengeError' as const
}

/**
 * The chain's RPC failed, timed out, or answered for another network: nothing can be verified
 * now. The engine answers 503 `verifier_unavailable` and consumes nothing.
 */
export class VerifierUnavailableError extends BaseError {
  override name = 'VerifierUnavailableError' as const
  /**
   * Seconds to wait before retrying, when the RPC said (HTTP 429 `Retry-After`, or a JSON-RPC
   * rate-limit answer's backoff): the engine's `Retry-After`. Undefined: the engine's default.
   */
  readonly retryAfterSeconds: number | undefined

  constructor(
    shortMessage: string,
    options: { details?: string; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(shortMessage, options)
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/** The ledger's database could not be reached: the engine answers 503 and consumes nothing. */
export class LedgerUnavailableError extends BaseError {
  override name = 'LedgerUnavailableError' as const
}
