import { ConfigurationError } from '@tx402/core/protocol'
import { type CreditOptions, validateCreditOptions } from './credit/creditOptions.js'
import { browserStorage, localStorageJournal } from './journal/localStorageJournal.js'
import { memoryJournal } from './journal/memoryJournal.js'
import type { PaymentJournal } from './journal/types.js'
import type { Payer } from './payer.js'
import { defaultMaxAmount, type MaxAmount, validateMaxAmount } from './spendingCap.js'

/**
 * How the client pays. Only `payers` is required.
 *
 * @example
 * {
 *   payers: [evmPayer({ walletClient, publicClient }), solanaPayer({ connection, signer })],
 *   preferredChains: ['base', 'solana'],
 *   maxAmount: { USDC: '0.50' },
 * }
 */
export interface PaymentOptions {
  /** Who can pay, one per chain. */
  payers: readonly Payer[]
  /** Chain names or CAIP-2 ids, most preferred first. Default: the server's order. */
  preferredChains?: readonly string[]
  /**
   * Most paid per request, by asset identity (see `MaxAmount`). Default `'0.10'` of each known
   * stablecoin (see `defaultMaxAmount`, `knownStablecoins`); nothing else is paid without a cap.
   */
  maxAmount?: MaxAmount
  /**
   * Where payments are recorded before broadcast. Default: `localStorageJournal()` where
   * `localStorage` exists (browsers), else one `memoryJournal()` shared by the process.
   */
  journal?: PaymentJournal
  /**
   * How long one call may wait for confirmations and for the server to accept the payment
   * (`payment_pending`, 409, 503), in ms. Default 120000. The payment stays journaled after.
   */
  timeoutMs?: number
  /**
   * How long a payment that the payer's own RPC reports confirmed is presented again while the
   * server answers `tx_not_found` (its RPC lags), in ms from the first such answer. Default
   * 120000. After it the call throws `PaymentTimeoutError` and keeps the payment journaled; it
   * never pays again instead. 0 gives up at the first `tx_not_found`.
   */
  notFoundWindowMs?: number
  /**
   * Pay a 402 answered by another origin after a redirect. Default `false`: the client pays only
   * the origin it was asked to call (same-origin redirects are followed) and throws
   * `CrossOriginRedirectError` otherwise.
   */
  allowCrossOriginRedirect?: boolean
  /**
   * Buy prepaid credit where a route sells it (docs/protocol.md section 7), e.g.
   * `{ buy: 'smallest' }`: one payment of a pack (within `maxAmount`, which then must allow the
   * pack) and later requests to the same origin spend the balance, with no payment on chain.
   * Default: none is bought. A credit token the client holds is spent either way, and only on
   * the origin that issued it (fetch only: the axios interceptor never sends one).
   */
  credit?: CreditOptions
}

/** `PaymentOptions` with every default applied. */
export interface ResolvedPaymentOptions {
  payers: readonly Payer[]
  preferredChains: readonly string[] | undefined
  maxAmount: MaxAmount
  journal: PaymentJournal
  timeoutMs: number
  notFoundWindowMs: number
  allowCrossOriginRedirect: boolean
  credit: CreditOptions | undefined
}

let processJournal: PaymentJournal | undefined
const storageJournals = new WeakMap<object, PaymentJournal>()

/**
 * Validates options once and applies defaults; throws `ConfigurationError` on bad ones.
 *
 * @example const resolved = resolvePaymentOptions({ payers })
 */
export function resolvePaymentOptions(options: PaymentOptions): ResolvedPaymentOptions {
  if (!options?.payers?.length) throw new ConfigurationError('At least one payer is required.')
  const maxAmount = options.maxAmount ?? defaultMaxAmount
  validateMaxAmount(maxAmount)
  validateCreditOptions(options.credit)
  const timeoutMs = options.timeoutMs ?? 120_000
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigurationError('timeoutMs must be a positive number of milliseconds.')
  }
  const notFoundWindowMs = options.notFoundWindowMs ?? 120_000
  if (!Number.isFinite(notFoundWindowMs) || notFoundWindowMs < 0) {
    throw new ConfigurationError('notFoundWindowMs must be 0 or a positive number of milliseconds.')
  }
  return {
    payers: options.payers,
    preferredChains: options.preferredChains,
    maxAmount,
    journal: options.journal ?? defaultJournal(),
    timeoutMs,
    notFoundWindowMs,
    allowCrossOriginRedirect: options.allowCrossOriginRedirect ?? false,
    credit: options.credit,
  }
}

// One journal object per store, so concurrent calls see each other's in-flight payments.
function defaultJournal(): PaymentJournal {
  const storage = browserStorage()
  if (!storage) {
    processJournal ??= memoryJournal()
    return processJournal
  }
  let journal = storageJournals.get(storage)
  if (!journal) {
    journal = localStorageJournal({ storage })
    storageJournals.set(storage, journal)
  }
  return journal
}
