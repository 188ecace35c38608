import type { Network } from './protocol/types.js'

/** The ledger key of a payment: `network + ':' + canonical tx id` (PROTOCOL.md section 1). */
export function paymentKey(network: Network, txId: string): string {
  return `${network}:${txId}`
}

/** A held right to verify and then use one transaction, until `expiresAt`. */
export interface Lease {
  key: string
  /** Unique per acquisition: a lease can only mark, commit or release its own claim. */
  token: string
  /** Unix milliseconds. */
  expiresAt: number
}

/** What the ledger keeps about a verified payment. */
export interface PaymentRecord {
  network: Network
  txId: string
  chain: string
  payer: string
  payTo: string
  /** Contract address, mint or `native`. */
  asset: string
  /** Base units. */
  amount: bigint
  /** `METHOD /path`. */
  resource: string
  challengeId?: string | undefined
}

/** `marked`: this lease now holds the payment; otherwise who has it. */
export type MarkResult = 'marked' | 'consumed' | 'in_progress'

/**
 * Records which transactions have paid, so each pays once. Faults raise
 * `LedgerUnavailableError`; every method is safe to call concurrently from many processes.
 *
 * Flow: `isConsumed` (fast replay check) → `acquire` (one verifier per transaction) →
 * `mark` (the atomic check-and-mark) → `commit` when served, or `release` when not.
 */
export interface Ledger {
  /** True once a payment was committed. */
  isConsumed(key: string): Promise<boolean>
  /** Takes the in-flight lock for `ttlMs`; `undefined` when another request holds it. */
  acquire(key: string, ttlMs: number): Promise<Lease | undefined>
  /** Atomically claims the payment for this lease; exactly one lease across all processes wins. */
  mark(lease: Lease, record: PaymentRecord): Promise<MarkResult>
  /**
   * The response is about to be served: the payment is consumed for good. Idempotent for the
   * same lease (a retry after a lost reply succeeds). Throws if the lease lost its claim.
   */
  commit(lease: Lease): Promise<void>
  /**
   * Nothing was served: the transaction can be presented again. Undoes this lease's own commit
   * too, since a commit whose outcome the engine could not confirm is answered 503, not served;
   * never touches another lease's claim or commit.
   */
  release(lease: Lease): Promise<void>
  /**
   * Opens the store and runs its migrations now rather than at the first payment; throws
   * `LedgerUnavailableError` (or `ConfigurationError`) when it cannot. Used by `paid.ready()`.
   */
  ready?(): Promise<void>
  close?(): Promise<void>
}
