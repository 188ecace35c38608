import type { PaymentKey } from './paymentKey.js'

/**
 * A prepaid credit balance as a `CreditLedger` keeps it (docs/protocol.md section 7): base units
 * of one asset on one network, owned by the payer whose payment opened it, spent request by
 * request on the routes of one `scope`. (A payer's view of its balances is `@tx402/client`'s
 * `CreditBalance`.)
 */
export interface CreditLedgerBalance {
  /**
   * 32 lowercase hex characters, derived by the engine from the payment that opens it (no secret
   * in it: the same under every secret and version); read back from the payment's row, never
   * derived again.
   */
  id: string
  /** Which routes may spend it (the routes configured with the same `credit.scope`). */
  scope: string
  /** CAIP-2 network of the payments that fund it. */
  network: string
  /** Contract address, mint or `native`, as in `PaymentDetails.asset`. */
  asset: string
  /** Who paid for it: only that payer's payments top it up. */
  payer: string
  /**
   * The payee its opening payment paid (the key's `payTo`): only routes paying it spend it, only
   * payments to it top it up.
   */
  payTo: string
  /** Base units left, never negative. Reserved spends are already taken out. */
  remaining: bigint
  /** Unix milliseconds after which nothing can be spent; undefined: never. */
  expiresAt?: number | undefined
}

/**
 * Credit that a payment adds when its commit lands, and takes back if that commit is undone by a
 * release: opens balance `balanceId` (when it does not exist) or tops it up. Given to `mark` with
 * the payment's details, so a commit retried after a lost reply adds it once.
 */
export interface CreditGrant {
  balanceId: string
  scope: string
  network: string
  asset: string
  payer: string
  /** Base units added: what the payment brought beyond the request it paid for. */
  amount: bigint
  /**
   * Unix milliseconds when the balance expires (the route's `expiresInSeconds` from now);
   * undefined: never. A top-up moves an existing balance's expiry to this when it is later (and
   * to never when undefined); it never shortens it.
   */
  expiresAt?: number | undefined
}

/** One request's hold on credit: taken out of the balance now, given back unless committed. */
export interface CreditSpend {
  balanceId: string
  /** Unique per reservation: only its holder can renew, commit or release it. */
  token: string
  /** Base units reserved. */
  amount: bigint
  /** Unix milliseconds; renewed like a lease. A lapsed reservation is given back by `reconcile`. */
  expiresAt: number
}

/**
 * What a spend asks for: this much of this balance, only if it is of this scope, network, asset
 * and payee.
 */
export interface CreditReservation {
  balanceId: string
  scope: string
  network: string
  asset: string
  /** The route's payee on that network: a balance opened by a payment to another is `unknown`. */
  payTo: string
  /** Base units: the route's price on that network. */
  amount: bigint
  /** How long the reservation lives without a renewal, in ms. */
  ttlMs: number
}

/**
 * `reserved`: the spend holds `amount`; `remaining` is what is left after it. Otherwise why not:
 * `pending` (no balance yet, but a payment buying it is claimed and not yet committed: its
 * response is on its way to the payer, who may already spend the token), `unknown` (no such balance, or one of another scope, network, asset or payTo), `exhausted` (less than
 * `amount` left), `expired`.
 */
export type ReserveResult =
  | { status: 'reserved'; spend: CreditSpend; remaining: bigint; expiresAt?: number | undefined }
  | { status: 'unknown' }
  | { status: 'pending' }
  | { status: 'exhausted'; remaining: bigint; expiresAt?: number | undefined }
  | { status: 'expired'; expiresAt: number }

/**
 * The credit half of a ledger. PostgreSQL (or PGlite) is the authority: every reservation is one
 * atomic statement there, so no cache fault can let a balance be spent twice. Faults raise
 * `LedgerUnavailableError`; every method is safe to call concurrently from many processes.
 *
 * Flow of a credited request: `reserve` → `renew` while the handler runs → `commit` once the
 * response was delivered, or `release` (the credit comes back) when it was not.
 */
export interface CreditLedger {
  /** The balance, or undefined when there is none with this id. */
  find(balanceId: string): Promise<CreditLedgerBalance | undefined>
  /** Takes `amount` out of the balance atomically, if it is there. */
  reserve(reservation: CreditReservation): Promise<ReserveResult>
  /** Extends the reservation to `ttlMs` from now; false when it was already given back. */
  renew(spend: CreditSpend, ttlMs: number): Promise<boolean>
  /** The response was delivered: the credit is spent for good. Idempotent. */
  commit(spend: CreditSpend): Promise<void>
  /**
   * Nothing was delivered: gives the amount back to the balance (once, whatever the retries, and
   * not again after `reconcile` returned it). Undoes this spend's own commit too, like
   * `Ledger.release`: a commit whose outcome the engine could not confirm is answered 503, not
   * served. When the store cannot be reached it throws `LedgerUnavailableError` and owes the
   * release, retrying it in the background; until it lands the balance only looks lower.
   */
  release(spend: CreditSpend): Promise<void>
}

/** Where a grant went, as the operator reads it. */
export interface CreditGrantRecord extends CreditGrant {
  /** The payment that bought it. */
  payment: PaymentKey
}
