import type { CreditGrant, CreditLedger } from './credit.js'
import type { ClientLimit, ClientLimiter } from './engine/limits.js'
import type { PaymentKey } from './paymentKey.js'

/** A held right to use one payment (one payer's transfer to one payee), until `expiresAt`. */
export interface Lease {
  key: PaymentKey
  /** Unique per acquisition: a lease can only mark, commit or release its own claim. */
  token: string
  /** Unix milliseconds. */
  expiresAt: number
}

/**
 * What the ledger keeps about a verified payment besides its key: what `mark` is given. The key
 * itself travels in the lease, so the two can never disagree.
 */
export interface PaymentDetails {
  /** The plugin's chain name (`base`, `solana`). */
  chain: string
  /** Contract address, mint or `native`. */
  asset: string
  /** Base units. */
  amount: bigint
  /** `METHOD /path`, with `?query` when the request had one (HEAD counted as GET). */
  resource: string
  challengeId?: string | undefined
  /** Prepaid credit this payment buys or tops up, applied by its commit (docs/protocol.md section 7). */
  credit?: CreditGrant | undefined
}

/** A verified payment as the ledger keeps it: its key and its details. */
export interface PaymentRecord extends PaymentKey, PaymentDetails {}

/**
 * A paid response kept so a non-safe request (POST, PUT…) can be re-delivered byte for byte when
 * its payer lost it (docs/protocol.md section 6). `PAYMENT-RESPONSE` is not part of it.
 */
export interface StoredResponse {
  status: number
  /** Lower-case names; a header sent several times (`set-cookie`) as an array. */
  headers: Record<string, string | string[]>
  body: Uint8Array
}

/** A payment whose response was delivered, as `findDelivered` returns it. */
export interface DeliveredPayment extends PaymentRecord {
  /** When the commit landed (the response had been handed to the socket), Unix milliseconds. */
  deliveredAt: number
  /** The response kept at the commit, if the route's method needed one and it fit. */
  response?: StoredResponse | undefined
}

/** What `reconcile` changed: claims whose holder was gone, now usable again. */
export interface ReconcileResult {
  /** Ledger keys of the lapsed claims it removed. */
  released: PaymentKey[]
  /** Credit reservations whose lease lapsed, given back to their balances (by `CreditSpend.token`). */
  creditReturned?: string[]
}

/** `marked`: this lease now holds the payment; otherwise who has it. */
export type MarkResult = 'marked' | 'consumed' | 'in_progress'

/**
 * Records which payments (`PaymentKey`: network, transaction, payee, payer) have been used, so
 * each pays once. Faults raise
 * `LedgerUnavailableError`; every method is safe to call concurrently from many processes.
 *
 * Flow, once the chain has shown who paid whom: `isConsumed` (replay check) → `acquire` (one
 * request per payment at a time) → `mark` (the atomic check-and-mark) → `commit` once the response was delivered, or `release`
 * when it was not. `renew` keeps the lease alive from `acquire` until then, however long the
 * handler and the send take; only a holder that stopped renewing (its process died, or it lost
 * the ledger for longer than the TTL) can be taken over.
 */
export interface Ledger {
  /** True once a payment was committed. */
  isConsumed(key: PaymentKey): Promise<boolean>
  /**
   * Optional: `isConsumed`, `acquire` and `mark` in one call, in as few round trips as the
   * ledger can (the engine calls the three in turn when absent). Returns the lease when this
   * request now holds the payment (marked with `details`, for `ttlMs`); otherwise `'consumed'`
   * (committed; exact, as `isConsumed`) or `'in_progress'` (another lease holds it), having
   * kept nothing. On a fault it throws `LedgerUnavailableError` having released what it took.
   *
   * @example
   * const taken = await ledger.claim(key, 60_000, { chain: 'base', asset, amount: 10_000n, resource: 'GET /api' })
   * if (typeof taken === 'object') serveThenCommit(taken)
   */
  claim?(
    key: PaymentKey,
    ttlMs: number,
    details: PaymentDetails,
  ): Promise<Lease | Exclude<MarkResult, 'marked'>>
  /** Takes the in-flight lock for `ttlMs`; `undefined` when another request holds it. */
  acquire(key: PaymentKey, ttlMs: number): Promise<Lease | undefined>
  /**
   * Atomically claims the payment of `lease.key` for this lease, keeping `details` with it;
   * exactly one lease across all processes wins.
   */
  mark(lease: Lease, details: PaymentDetails): Promise<MarkResult>
  /**
   * Extends this lease (its lock and, once marked, its claim) to `ttlMs` from now and updates
   * `lease.expiresAt`. False when the lease lost them (it lapsed and another lease took over).
   */
  renew(lease: Lease, ttlMs: number): Promise<boolean>
  /**
   * The response was served: the payment is consumed for good, with `response` kept for its
   * re-delivery when given. Idempotent for the same lease (a retry after a lost reply succeeds).
   * Throws if the lease lost its claim.
   */
  commit(lease: Lease, response?: StoredResponse): Promise<void>
  /**
   * Nothing was served: the transaction can be presented again. Undoes this lease's own commit
   * too, since a commit whose outcome the engine could not confirm is answered 503, not served;
   * never touches another lease's claim or commit. The ledger alone guarantees that the release
   * happens: when its store cannot be reached it throws `LedgerUnavailableError` and owes the
   * release from then on, retrying it in the background and finishing it before it answers
   * `isConsumed` for that payment again (throwing while it cannot), in every process that shares
   * it where it can. The engine only logs the throw.
   */
  release(lease: Lease): Promise<void>
  /** The committed payment of `key` with what re-delivery needs; `undefined` if not committed. */
  findDelivered(key: PaymentKey): Promise<DeliveredPayment | undefined>
  /**
   * Counts one re-delivery of the committed payment `key` when fewer than `limit` were counted,
   * atomically across every process sharing the ledger (docs/protocol.md section 6.2). True
   * when this one was counted (serve it); false when the bound is reached or the payment is not
   * committed (refuse it). Throws `LedgerUnavailableError` on a fault (nothing counted, 503).
   *
   * @example if (await ledger.countRedelivery(key, 3)) serveAgain()
   */
  countRedelivery(key: PaymentKey, limit: number): Promise<boolean>
  /**
   * Removes claims whose lease lapsed (their holder died or lost the ledger), so those payments
   * are usable again, and says which. A lapsed claim is taken over by the next request anyway;
   * this repairs what no request comes back for, and reports it.
   */
  reconcile(): Promise<ReconcileResult>
  /**
   * Opens the store and runs its migrations now rather than at the first payment; throws
   * `LedgerUnavailableError` (or `ConfigurationError`) when it cannot. Used by `paid.ready()`.
   */
  ready?(): Promise<void>
  /**
   * A per-client limiter (`limits.perClient`) shared by every process using this ledger; the
   * engine counts per process without one. `redisPostgresLedger` offers one on its Redis.
   */
  clientLimiter?(limit: ClientLimit): ClientLimiter
  /** Prepaid credit balances (docs/protocol.md section 7); a route offering `credit` needs it. */
  readonly credit?: CreditLedger
  close?(): Promise<void>
}
