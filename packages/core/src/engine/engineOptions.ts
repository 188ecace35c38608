import type { ChallengeSecret } from '../challenge/challengeKeys.js'
import type { Ledger } from '../ledger.js'
import type { ChainPlugin } from '../plugin.js'
import type { ResolvedOffer, RoutePrice } from '../price.js'
import type { RouteBinding } from './bindingPolicy.js'
import type { RouteCredit } from './creditOffer.js'
import type { VerificationLimits } from './limits.js'
import type { EngineHooks, EngineObserver } from './observer.js'
import type { Outcome } from './outcome.js'
import type { RequestHeaders } from './readPaymentHeaders.js'

/** A pino-compatible logger. */
export interface Logger {
  info(object: object, message?: string): void
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
}

/** Options of `createPaymentEngine`, validated once at setup. */
export interface PaymentEngineOptions extends RoutePrice, EngineHooks {
  /** Chain plugins the route accepts, in the order offered. */
  chains: readonly ChainPlugin[]
  /** Where payments are marked used. */
  ledger: Ledger
  /**
   * HMAC secret for challenges, at least 32 bytes; or several, to rotate: the first signs new
   * challenges, every one verifies (keep an old secret listed for `challengeTtlSeconds` plus the
   * longest `maxAgeSeconds` after the switch).
   */
  secret: ChallengeSecret
  /** Oldest acceptable transaction, in seconds; overrides each chain's default. 0: no age check. */
  maxAgeSeconds?: number
  /**
   * How long a challenge may be paid against, in whole seconds (at most 100 years), judged by when
   * the transaction landed: one that landed in time is served whenever it is presented within
   * `maxAgeSeconds` of its block; one that landed later is judged by the route's terms then.
   * Default 900.
   */
  challengeTtlSeconds?: number
  /**
   * How long a claim outlives its last renewal, in ms. The claim is renewed every third of it
   * from the lock until the payment settles, so it lapses only when its process died or lost the
   * ledger for this long; then another request may take the payment over. Default 60000.
   */
  claimTtlMs?: number
  /**
   * How long after its commit the payer of a response may have it again without paying, when
   * it lost it (docs/protocol.md section 6), in seconds. 0 turns re-delivery off. Default 600.
   */
  redeliveryWindowSeconds?: number
  /**
   * For methods other than GET and HEAD: the largest response body kept in the ledger for its
   * re-delivery, in bytes. A larger one (or a stream) is not kept, and its re-delivery is refused
   * with 409 `response_not_stored`. Default 1048576 (1 MiB).
   */
  maxStoredResponseBytes?: number
  /**
   * How many times one payment's response may be re-delivered to its payer (docs/protocol.md
   * section 6.2), counted in the ledger across every process sharing it; past that, a
   * presentation is refused `tx_already_used`. A whole number; 0 turns re-delivery off.
   * Default 3.
   *
   * @throws ConfigurationError at setup for a fraction, a negative number or Infinity.
   */
  maxRedeliveries?: number
  /**
   * Tolerated clock difference between the chain and this server, in seconds, beyond the chain's
   * clock offset the engine tracks (`health()`'s `clockOffsetSeconds`): a block may be this much
   * older than the challenge it answers, or land this much after the challenge's expiry and still
   * be judged by its terms. Default 60.
   */
  clockSkewSeconds?: number
  /**
   * How a payment is bound to its payer. Default `'payer'`: each chain's own binding (Solana:
   * the challenge and its reference in the transaction; EVM: `x-payment-proof`), so nobody who
   * merely saw a payment on chain can spend it. `'none'`: nothing binds, and a third party who
   * sees the transaction can present it before its payer (who is then refused); for prices where
   * that risk is accepted.
   */
  binding?: RouteBinding
  /**
   * The realm this route's challenges name: the URL (origin and path) clients ask for it, for an
   * app behind a proxy that rewrites paths, where the request does not show it. A challenge is
   * honoured with its own terms only in its realm; elsewhere it binds the payment, which is then
   * judged by that route's terms (docs/protocol.md section 2). Default: the request's origin and
   * full path. Its host is also the one a GET's redirect to an absolute `Location` is judged
   * within (released, not charged; section 6.3); without it only a relative `Location` is.
   *
   * @example realm: 'https://api.example.com/v1/weather'
   */
  realm?: string
  /** Demand `x-payment-challenge` on every payment, whatever the binding. Default false. */
  requireChallenge?: boolean
  /** Demand `x-payment-proof` (the payer's signature) on every payment, whatever the binding. Default false. */
  requireProof?: boolean
  /**
   * Sell prepaid credit on this route (docs/protocol.md section 7): packs in the route's asset,
   * each above the price; the ledger must keep credit (`ledger.credit`). Default: none.
   *
   * @example credit: { packs: ['1.00', '5.00'], expiresInSeconds: 30 * 86_400 }
   */
  credit?: RouteCredit
  /** Limits on unpaid verification work (429 `rate_limited`). Defaults in `VerificationLimits`. */
  limits?: VerificationLimits
  /**
   * Gets one structured line per payment decision (info) and per fault (error); no secrets.
   * Default: faults only, to `console`.
   */
  logger?: Logger
  /** Metrics and tracing (e.g. `prometheusObserver()` of `@tx402/metrics`). */
  observer?: EngineObserver
}

/** A request as the engine needs it. */
export interface PaymentRequest {
  method: string
  /** The path, without the query string. */
  path: string
  /**
   * The query string, without `?` (Koa's `ctx.querystring`): part of the resource a payment
   * is re-delivered for, so a payment for `?q=a` never answers `?q=b` (docs/protocol.md 6.2).
   */
  query?: string | undefined
  /**
   * The origin the client asked (`https://api.example.com`): with `path`, the realm a challenge
   * names (docs/protocol.md section 2). Give the full path the client asked (Koa: the path of
   * `ctx.originalUrl`, not a mounted app's `ctx.path`).
   */
  origin?: string | undefined
  headers: RequestHeaders
  /** Who is asking (e.g. the client IP), for the optional per-client limit. */
  client?: string | undefined
}

/** The framework-free engine: one per paid route. */
export interface PaymentEngine {
  handle(request: PaymentRequest): Promise<Outcome>
  /** The chains offered for this route, with what each must receive. */
  readonly offers: readonly ResolvedOffer[]
}
