// The engine's nouns, shared by every step: types only, importing no step (docs/architecture.md,
// "the engine"). A step imports its nouns from here, never from another step's file.
import type { ChallengeSecret } from '../challenge/challengeKeys.js'
import type { ChallengeTerm } from '../challenge/challengeTerms.js'
import type { Lease, Ledger } from '../ledger.js'
import type { ChainPlugin, ChallengeContext, PaymentRequirement, VerifyResult } from '../plugin.js'
import type { ResolvedOffer, RoutePrice } from '../price.js'
import type { ErrorCode } from '../protocol/codes.js'
import type { AcceptOption, Network, WireAsset } from '../protocol/types.js'
import type { OfferBinding, RouteBinding } from './bindingPolicy.js'
import type { ClaimHeartbeat } from './claimHeartbeat.js'
import type { CreditTerms, RouteCredit } from './creditOffer.js'
import type { Hold, LeaseSettler } from './leaseSettler.js'
import type { VerificationLimits } from './limits.js'
import type { EngineHooks, EngineObserver, PaymentDecision } from './observer.js'
import type { CreditReceipt, Outcome, PaymentReceipt, RespondOutcome } from './outcome.js'
import type { RequestHeaders } from './readPaymentHeaders.js'
import type { OfferChoice } from './selectOffer.js'

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
   * Ways to pay beyond tx402's own pushed transfer and credit (`PaymentScheme`), asked in order
   * after them. Default: none.
   */
  schemes?: readonly PaymentScheme[]
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
  /**
   * The request header names (lower case) the engine reads: tx402's own `x-payment-*` and those
   * of `options.schemes`. An adapter passes these in `PaymentRequest.headers`, no others.
   */
  readonly requestHeaders: readonly string[]
}

/** What every response of one route shares: offers, cost, and how challenges are signed. */
export interface RouteTerms {
  /** The key new challenges are signed with (the first secret). */
  key: Uint8Array
  offers: readonly ResolvedOffer[]
  /** What the offers ask for, signed into every challenge. */
  terms: readonly ChallengeTerm[]
  cost: { amount: string; currency: string }
  challengeTtlSeconds: number
  /** Offers whose payments must carry `x-payment-proof`. */
  proofRequired: ReadonlySet<ResolvedOffer>
  /** The credit packs each offer sells, when the route sells credit. */
  credit?: CreditTerms | undefined
  /** The `realm` option, checked: what this route's challenges name instead of the request's. */
  realm?: string | undefined
  /** Schemes beyond the offers whose `accepts` entries a 402 lists too. */
  schemes?: readonly PaymentScheme[] | undefined
}

/** Everything a route decides once, at setup, from its options. */
export interface Route {
  offers: readonly ResolvedOffer[]
  /** What its responses share: offers, cost, the signing key. */
  terms: RouteTerms
  /** Every key a challenge may be signed with (the first signs). */
  keys: readonly Uint8Array[]
  /** The credit the route sells (packs per offer, scope, expiry); undefined: none. */
  credit: CreditTerms | undefined
  /** What a payment on each offer must carry (challenge, proof). */
  bindings: ReadonlyMap<ResolvedOffer, OfferBinding>
  selectOffer(chain: string): OfferChoice
  skewSeconds: number
  claimTtlMs: number
  /** 0: re-delivery off. */
  redeliveryWindowMs: number
  maxStoredResponseBytes: number
  /** How many times one payment's response may be re-delivered (0: never). */
  maxRedeliveries: number
  /** The logger and observer, made unable to throw. */
  logger: Logger
  observer: EngineObserver
  /** Where payments are claimed, committed and released. */
  ledger: Ledger
  /** Commits and releases holds (retried commits, owed releases). */
  settler: LeaseSettler
  /** Limits on unpaid verification work. */
  admission: Admission
  /** Reports faults and decisions. */
  report: Reporter
  /** The ways this route takes payment, asked in order (the built-in ones first). */
  schemes: readonly EngineScheme[]
}

/** A payment attempt, read from the request's headers and checked against the route. */
export interface Attempt extends SchemeAttempt {
  offer: ResolvedOffer
  /** The chain's canonical transaction id. */
  txId: string
  /** The verified challenge it answers, if it sent one. */
  challenge: ChallengeContext | undefined
  /** `x-payment-proof`, if sent. */
  proof: string | undefined
  /** What the payment must be: the answered challenge's terms, else today's. */
  requirement: PaymentRequirement
  /** `x-payment-credit` sent with the payment (a top-up), unchecked. */
  credit?: string | undefined
}

/** Who paid, and how much of it is theirs: what identifies the payment in the ledger. */
export interface Verified {
  payer: string
  /** Base units this payer sent to `payTo`. */
  amount: bigint
  /** The chain's report they were judged from (kept by `consumedMemory` for replays). */
  facts?: VerifyResult
}

/**
 * What every scheme's attempt says of itself, for admission and the decision line: read from the
 * request's headers, before any I/O.
 */
export interface SchemeAttempt {
  /** The chain (or rail) it pays on, by name: admission counts verifications per chain. */
  readonly chain: string
  /** CAIP-2 id of its network. */
  readonly network: Network
  /** The credential's id there (a transaction id, a voucher id): the ledger keys it by this. */
  readonly id: string
  /** True when it answers a valid challenge of this route: admitted apart from those without. */
  readonly challenged: boolean
  /** What the decision line shows of it. Default: its chain, network and id (`transaction`). */
  readonly seen?: Trace | undefined
}

/**
 * A payment a scheme verified: who paid whom how much, what the ledger keys it by
 * (`network`, `id`, `payTo`, `payer`), and what its receipt says.
 */
export interface SchemePayment {
  chain: string
  network: Network
  /** The credential's id (a transaction id): the receipt's `transaction`. */
  id: string
  payer: string
  payTo: string
  asset: WireAsset
  /** Base units paid to `payTo` by `payer`, as verified (never as the client claims). */
  amount: bigint
  /** The challenge it answered, if any: its payer may have its response again by this id. */
  challengeId?: string | undefined
  /**
   * Whether this request, presenting an already committed payment, is by its `payer` (a proof
   * signature, a voucher only the payer signs): its response may be re-delivered to it. Without
   * it, only a request carrying the payment's challenge id is. Throws a dependency's fault.
   */
  isPayer?(payer: string): Promise<boolean>
}

/**
 * A way to pay, as the engine runs it (docs/architecture.md, "how to add a scheme"): how it reads
 * its headers into an attempt, what it offers in a 402, how it verifies, and, for a scheme the
 * server settles (an authorization it submits), how it settles. The engine does what every scheme
 * shares: admission (limits on unpaid work), the ledger claim of the verified payment and its
 * heartbeat, settling on delivery (a response that is not delivered consumes nothing),
 * re-delivery to the payer, refusals (402 with a fresh challenge), reporting and hooks.
 *
 * @example
 * const voucher: PaymentScheme<VoucherAttempt> = {
 *   name: 'voucher',
 *   read: (request) => readVoucher(request.headers['x-voucher']?.[0]),
 *   accepts: () => [{ chain: 'voucher', network: 'voucher:1', asset, amount: '10000', payTo, maxAgeSeconds: 0 }],
 *   verify: async (attempt) => checkSignature(attempt),
 * }
 * createPaymentEngine({ ...options, schemes: [voucher] })
 */
export interface PaymentScheme<A extends SchemeAttempt = SchemeAttempt> {
  /** Short name, for logs. */
  readonly name: string
  /** The request header names (lower case) it reads: adapters pass these to the engine. */
  readonly headers?: readonly string[]
  /**
   * True when `verify` asks no chain or remote service (credit: one ledger call): its attempts
   * skip admission, and a fault in it is the ledger's. Default false.
   */
  readonly verifiesLocally?: boolean
  /**
   * Reads this scheme's credential from the request, no I/O: undefined when the request carries
   * none of its headers (the next scheme is asked), a refusal for headers it cannot take (400
   * `invalid_payment_headers` with what to fix), else the attempt.
   */
  read(request: PaymentRequest): A | Refusal | undefined
  /** The entries it adds to a 402's `accepts`, for the challenge being issued. */
  accepts?(challenge: ChallengeContext): readonly AcceptOption[]
  /**
   * Answers an attempt at once, before admission and without I/O to the chain, when it can (a
   * payment this process already consumed): a refusal, or undefined to go on.
   */
  recall?(attempt: A): Promise<Refusal | undefined>
  /**
   * Verifies the attempt: the payment it proves, or a refusal (`tx_not_found` is remembered by
   * admission for `limits.notFoundCacheMs`). Throws a dependency's fault: 503, nothing consumed.
   */
  verify(attempt: A): Promise<SchemePayment | Refusal>
  /**
   * For a scheme the server settles: moves the money once the ledger claimed the payment for
   * this request, before the route runs. A refusal, or a throw (503), releases the claim:
   * nothing is consumed.
   */
  settle?(payment: SchemePayment, attempt: A): Promise<Refusal | undefined>
}

/** A payment the built-in schemes verified, with what the engine does for them beyond the rest. */
export interface EnginePayment extends SchemePayment {
  /** The offer it paid (a chain transfer): it may buy credit there, or top it up (`topUp`). */
  offer?: ResolvedOffer | undefined
  /** What it was judged by (the answered challenge's terms). */
  requirement?: PaymentRequirement | undefined
  /** `x-payment-credit` sent with it: the balance it tops up, unchecked. */
  topUp?: string | undefined
  /**
   * Already held outside the payment ledger (a credit reservation), with its heartbeat, its
   * receipt and headers: the engine settles it on delivery and keeps no response for it.
   */
  held?: {
    hold: Hold
    heartbeat: ClaimHeartbeat
    credit: CreditReceipt
    headers: Record<string, string>
  }
  /** Called once its commit landed. */
  committed?(): void
  /** Called when it was released: it may be presented again. */
  released?(): void
}

/** A scheme as the engine holds it: the built-in ones verify to an `EnginePayment`. */
// biome-ignore lint/suspicious/noExplicitAny: each scheme reads and verifies its own attempt
export type EngineScheme = PaymentScheme<any> & {
  verify(attempt: SchemeAttempt): Promise<EnginePayment | Refusal>
}

/** This request's hold on the payment, kept alive until it settles. */
export interface Claim {
  lease: Lease
  heartbeat: ClaimHeartbeat
}

/** What one request's decision has learned, for its log line and hooks; built in `handlePayment` only. */
export type Trace = Partial<
  Pick<PaymentDecision, 'chain' | 'network' | 'transaction' | 'payer' | 'amount' | 'balance'>
>

/** Limits on unpaid verification work, per route (`admissionFor`). */
export interface Admission {
  /**
   * Admits an attempt to verification, or refuses it: a credential the chain did not know a
   * moment ago (`tx_not_found`, without asking again), a client over its limit, or a chain with
   * every verification slot taken (429 `rate_limited`). Admitted, it holds a slot of its chain
   * until `free()` (idempotent) is called. An attempt answering a valid challenge of this route
   * is counted apart from those without one (its own slots, its own per-client count), so a flood
   * of bare hashes never refuses a payer who paid against a challenge.
   */
  admit(attempt: SchemeAttempt, client: string | undefined): Promise<{ free(): void } | Refusal>
  /** Remembers that the chain does not know the attempt's credential; adds `Retry-After`. */
  notFound(attempt: SchemeAttempt, refusal: Refusal): Refusal
}

/** Reports faults and decisions to the logger, the observer and the hooks (`reporter`). */
export interface Reporter {
  /** A failed dependency: the 503 refusal to answer with. */
  fault(dependency: 'rpc' | 'ledger', trace: Trace, cause: unknown): Refusal
  /** A fault on a value (a bug): the 500 refusal to answer with. */
  valueFault(trace: Trace, cause: unknown): Refusal
  /** Reports a refusal or a replay at once. */
  decided(outcome: Outcome, trace: Trace, resource: string, started: number): void
  /** Reports a paid request once it ended: its failure, or whether it was served. */
  ended(
    payment: PaymentReceipt,
    trace: Trace,
    resource: string,
    decidedMs: number,
    failure: RespondOutcome | undefined,
    served: boolean,
  ): void
}

/**
 * A step's answer when the request is refused: the code and message of the error body and, when
 * the payer should wait, `Retry-After` in seconds. The composition turns it into the response
 * (`buildResponse`: a 402 with a fresh challenge, or the error's own status).
 */
export interface Refusal {
  refuse: ErrorCode
  message: string
  retryAfterSeconds?: number | undefined
  /** What the step had learned when it refused (the chain, the payer), for the decision line. */
  seen?: Trace | undefined
}
