import { assetId } from '../assetId.js'
import { deriveReference, verifyChallenge } from '../challenge/challenge.js'
import { type ChallengeSecret, challengeKeys } from '../challenge/challengeKeys.js'
import type { ChallengeTerm } from '../challenge/challengeTerms.js'
import {
  ConfigurationError,
  InvalidChallengeError,
  InvalidTxIdError,
  VerifierUnavailableError,
} from '../errors.js'
import type { Lease, Ledger } from '../ledger.js'
import { paymentKey } from '../paymentKey.js'
import type { ChallengeContext, PaymentRequirement, VerifyResult } from '../plugin.js'
import { describeCost, type ResolvedOffer, type RoutePrice, resolveOffers } from '../price.js'
import { proofMessage } from '../proofMessage.js'
import type { ErrorCode } from '../protocol/codes.js'
import { headerNames } from '../protocol/headers.js'
import { describeFault } from '../rpc/rpcFault.js'
import { answeredRequirement, offeredTerms } from './answeredTerms.js'
import { offerBindings, type RouteBinding } from './bindingPolicy.js'
import { assertChallengeFits, buildResponse, type RouteTerms } from './challengeResponse.js'
import { checkOptions } from './checkOptions.js'
import { choosePayer } from './choosePayer.js'
import { startHeartbeat } from './claimHeartbeat.js'
import { judgePayer, judgePayment } from './judgePayment.js'
import { leaseSettler } from './leaseSettler.js'
import { ClientWindows, ExpiringSet, type VerificationLimits } from './limits.js'
import { type EngineHooks, type EngineObserver, guarded, type PaymentDecision } from './observer.js'
import type { Outcome, PaymentReceipt, RespondOutcome } from './outcome.js'
import { paymentResponseHeaders } from './paymentResponse.js'
import { type RequestHeaders, readPaymentHeaders } from './readPaymentHeaders.js'
import { findRedelivery, redeliveryOutcome } from './redelivery.js'
import { offerSelector } from './selectOffer.js'
import { onceEnded, settlement } from './settlement.js'

/** A pino-compatible logger. */
export interface Logger {
  info(object: object, message?: string): void
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
}

/** Options of `createPaymentEngine`, validated once at setup. */
export interface PaymentEngineOptions extends RoutePrice, EngineHooks {
  /** Chain plugins the route accepts, in the order offered. */
  chains: readonly import('../plugin.js').ChainPlugin[]
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
  /** How long a challenge may be paid against. Default 900. */
  challengeTtlSeconds?: number
  /**
   * How long a claim outlives its last renewal, in ms. The claim is renewed every third of it
   * from the lock until the payment settles, so it lapses only when its process died or lost the
   * ledger for this long; then another request may take the payment over. Default 60000.
   */
  claimTtlMs?: number
  /**
   * How long after its commit the payer of a response may have it again without paying, when
   * it lost it (PROTOCOL.md section 6), in seconds. 0 turns re-delivery off. Default 600.
   */
  redeliveryWindowSeconds?: number
  /**
   * For methods other than GET and HEAD: the largest response body kept in the ledger for its
   * re-delivery, in bytes. A larger one (or a stream) is not kept, and its re-delivery is refused
   * with 409 `response_not_stored`. Default 1048576 (1 MiB).
   */
  maxStoredResponseBytes?: number
  /** Tolerated clock difference between the chain and this server, in seconds. Default 60. */
  clockSkewSeconds?: number
  /**
   * How a payment is bound to its payer. Default `'payer'`: each chain's own binding (Solana:
   * the challenge and its reference in the transaction; EVM: `x-payment-proof`), so nobody who
   * merely saw a payment on chain can spend it. `'none'`: nothing binds, and a third party who
   * sees the transaction can present it before its payer (who is then refused); for prices where
   * that risk is accepted.
   */
  binding?: RouteBinding
  /** Demand `x-payment-challenge` on every payment, whatever the binding. Default false. */
  requireChallenge?: boolean
  /** Demand `x-payment-proof` (the payer's signature) on every payment, whatever the binding. Default false. */
  requireProof?: boolean
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

const unavailableRetryAfterSeconds = 2
const inProgressRetryAfterSeconds = 1
const faultsOnly: Logger = {
  info() {},
  warn: (object, message) => console.warn(message, object),
  error: (object, message) => console.error(message, object),
}

/**
 * Builds the engine that turns a request into an outcome (DESIGN.md, "the path of one request").
 *
 * @example
 * const engine = createPaymentEngine({ chains: [base({ rpcUrl, payTo })], ledger, secret, price: '0.01' })
 * const outcome = await engine.handle({ method: 'GET', path: '/api/weather', headers })
 */
export function createPaymentEngine(options: PaymentEngineOptions): PaymentEngine {
  checkOptions(options)
  const keys = challengeKeys(options.secret)
  if (!options.ledger) throw new ConfigurationError('A ledger is required.')
  if (!options.chains?.length) throw new ConfigurationError('At least one chain is required.')
  const offers = resolveOffers(options.chains, options, options.maxAgeSeconds)
  const ledger = options.ledger
  const bindings = offerBindings(offers, options)
  const terms: RouteTerms = {
    key: keys[0]!,
    offers,
    terms: offeredTerms(offers),
    cost: describeCost(options, offers),
    challengeTtlSeconds: options.challengeTtlSeconds ?? 900,
    proofRequired: new Set(offers.filter((o) => bindings.get(o)!.proof)),
  }
  assertChallengeFits(terms)
  const claimTtlMs = options.claimTtlMs ?? 60_000
  const redeliveryWindowMs =
    nonNegative(options.redeliveryWindowSeconds, 600, 'redeliveryWindowSeconds') * 1000
  const maxStoredResponseBytes = nonNegative(
    options.maxStoredResponseBytes,
    1_048_576,
    'maxStoredResponseBytes',
  )
  const skewSeconds = nonNegative(options.clockSkewSeconds, 60, 'clockSkewSeconds')
  const logger = guarded(options.logger ?? faultsOnly, ['info', 'warn', 'error'])
  const observer = guarded(options.observer ?? {}, [
    'decision',
    'verification',
    'fault',
    'inFlight',
  ])
  const graceSeconds = Math.max(
    ...offers.map((o) => o.requirement.maxAgeSeconds || terms.challengeTtlSeconds),
  )
  const notFoundCacheMs = options.limits?.notFoundCacheMs ?? 5_000
  const maxConcurrent = options.limits?.maxConcurrentVerifications ?? 32
  const notFound = new ExpiringSet()
  const perClient = options.limits?.perClient
    ? new ClientWindows(options.limits.perClient.max, options.limits.perClient.windowMs)
    : undefined
  const inFlight = new Map<string, number>()
  const selectOffer = offerSelector(offers)

  /** What one request's decision has learned so far, for its log line and hooks. */
  type Trace = Partial<
    Pick<PaymentDecision, 'chain' | 'network' | 'transaction' | 'payer' | 'amount'>
  >

  const unavailable = (
    request: PaymentRequest,
    dependency: 'rpc' | 'ledger',
    trace: Trace,
    cause: unknown,
  ): RespondOutcome => {
    observer.fault?.(dependency, trace.chain)
    logger.error(
      { dependency, chain: trace.chain, transaction: trace.transaction, err: describeFault(cause) },
      'tx402: dependency failed',
    )
    return buildResponse(
      terms,
      request,
      'verifier_unavailable',
      'Payment verification is unavailable right now. Retry the same headers later; nothing was consumed, so do not pay again.',
      // An RPC that said how long to back off (a rate limit) is waited out, not hammered.
      (cause instanceof VerifierUnavailableError ? cause.retryAfterSeconds : undefined) ??
        unavailableRetryAfterSeconds,
    )
  }

  /** Counts one verification against the chain's cap; the returned function frees it once. */
  const takeSlot = (chain: string): (() => void) => {
    inFlight.set(chain, (inFlight.get(chain) ?? 0) + 1)
    let held = true
    return () => {
      if (!held) return
      held = false
      inFlight.set(chain, (inFlight.get(chain) ?? 1) - 1)
    }
  }

  // What the chain says about each asset (a transfer fee, say), read once and logged at setup.
  for (const { plugin, requirement } of offers) {
    plugin
      .inspectAsset?.(requirement.asset)
      .then((found) => {
        if (found?.notice)
          logger.warn({ chain: plugin.name, asset: requirement.asset }, found.notice)
      })
      .catch(() => undefined)
  }

  const settler = leaseSettler(ledger, logger)
  const releaseQuietly = (lease: Lease): Promise<void> => settler.release(lease)

  const verifyOnChain = async (
    offer: ResolvedOffer,
    requirement: PaymentRequirement,
    txId: string,
    challenge: ChallengeContext | undefined,
  ): Promise<VerifyResult> => {
    const { plugin } = offer
    const started = performance.now()
    observer.inFlight?.(plugin.name, 1)
    try {
      await plugin.ready?.()
      const result = await plugin.verify({ txId, requirement, challenge })
      observer.verification?.(plugin.name, result.status, performance.now() - started)
      return result
    } catch (error) {
      observer.verification?.(plugin.name, 'fault', performance.now() - started)
      throw error
    } finally {
      observer.inFlight?.(plugin.name, -1)
    }
  }

  async function evaluate(request: PaymentRequest, trace: Trace): Promise<Outcome> {
    const respond = (error: ErrorCode, message: string, retryAfterSeconds?: number) =>
      buildResponse(terms, request, error, message, retryAfterSeconds)
    const headers = readPaymentHeaders(request.headers)
    if (headers.kind === 'none') {
      return respond(
        'payment_required',
        `This resource costs ${terms.cost.amount} ${terms.cost.currency}. Pay on one of the accepted chains and retry with ${headerNames.tx} and ${headerNames.chain}.`,
      )
    }
    if (headers.kind === 'invalid') return respond('invalid_payment_headers', headers.message)

    const choice = selectOffer(headers.chain)
    if ('error' in choice) return respond('invalid_payment_headers', choice.error)
    const { offer } = choice
    const { plugin } = offer
    const demands = bindings.get(offer)!
    trace.chain = plugin.name
    trace.network = plugin.network

    let txId: string
    try {
      txId = plugin.normalizeTxId(headers.tx)
    } catch (error) {
      const reason = error instanceof InvalidTxIdError ? error.shortMessage : 'Malformed.'
      return respond('invalid_payment_headers', `${headerNames.tx}: ${reason}`)
    }
    trace.transaction = txId

    let challenge: ChallengeContext | undefined
    let answered: readonly ChallengeTerm[] | undefined
    if (headers.challenge) {
      try {
        const verified = verifyChallenge(keys, headers.challenge, { ...request, graceSeconds })
        challenge = {
          id: verified.id,
          issuedAt: verified.issuedAt,
          reference: deriveReference(verified.id),
        }
        answered = verified.terms
      } catch (error) {
        const reason =
          error instanceof InvalidChallengeError ? error.shortMessage : 'Malformed challenge.'
        return respond('challenge_invalid', `${reason} Pay again against the fresh challenge.`)
      }
    } else if (demands.challenge) {
      return respond(
        'challenge_invalid',
        `This server requires ${headerNames.challenge}: pay against the challenge below (with its reference, where accepts lists one) and send its id.`,
      )
    }
    if (demands.proof && !headers.proof) {
      return respond(
        'proof_invalid',
        `This server requires ${headerNames.proof}: sign the proof message with the paying wallet.`,
      )
    }
    // Judged by the terms the payer answered, even if the route's price changed since.
    const requirement = answeredRequirement(offer, answered)

    const txKey = JSON.stringify([plugin.network, txId])
    const now = Date.now()
    const notFoundMs = notFound.remainingMs(txKey, now)
    if (notFoundMs > 0) {
      // Retry-After: when this server will ask the chain again (its RPC may lag the payer's).
      return respond(
        'tx_not_found',
        'No such transaction on this chain. Pay per accepts, then retry.',
        Math.ceil(notFoundMs / 1000),
      )
    }
    if (perClient && request.client !== undefined) {
      const wait = perClient.take(request.client, now)
      if (wait > 0) {
        return respond(
          'rate_limited',
          `Too many payment attempts. Retry after ${wait} seconds.`,
          wait,
        )
      }
    }
    if ((inFlight.get(plugin.name) ?? 0) >= maxConcurrent) {
      return respond(
        'rate_limited',
        'Too many payments are being verified. Retry after Retry-After seconds.',
        1,
      )
    }
    // The slot is taken at the check, not when the RPC call starts: a burst would otherwise pass
    // the check together while the RPC calls below are awaited.
    const freeSlot = takeSlot(plugin.name)

    // The chain first: who paid whom is what identifies the payment in the ledger.
    let payer: string
    let amount: bigint
    try {
      const result = await verifyOnChain(offer, requirement, txId, challenge)
      // The plugin reported facts; they are judged here alone (judgePayment.ts).
      const judged = judgePayment(result, {
        requirement,
        challenge,
        now: Date.now(),
        clockSkewSeconds: skewSeconds,
      })
      if (judged.status === 'pending') {
        const seconds = Math.max(1, Math.ceil(judged.retryAfterMs / 1000))
        return respond(
          'payment_pending',
          judged.message ??
            `The transaction is not final yet. Retry the same headers after ${seconds} seconds; do not pay again.`,
          seconds,
        )
      }
      if (judged.status === 'refused') {
        if (judged.reason === 'tx_not_found' && notFoundCacheMs > 0) {
          notFound.add(txKey, Date.now() + notFoundCacheMs)
          return respond(judged.reason, judged.message, Math.ceil(notFoundCacheMs / 1000))
        }
        return respond(judged.reason, judged.message)
      }
      const choice = judgePayer(
        await choosePayer(
          plugin,
          judged.candidates,
          headers.proof
            ? {
                message: proofMessage({
                  network: plugin.network,
                  txId,
                  challengeId: challenge?.id,
                }),
                signature: headers.proof,
              }
            : undefined,
        ),
        requirement,
      )
      if (choice.status === 'refused') return respond(choice.reason, choice.message)
      payer = choice.transfer.payer
      amount = choice.transfer.amount
      trace.payer = payer
      trace.amount = amount.toString()
    } catch (error) {
      return unavailable(request, 'rpc', trace, error)
    } finally {
      freeSlot()
    }

    const ledgerKey = paymentKey({ network: plugin.network, txId, payTo: requirement.payTo, payer })
    let lease: Lease | undefined
    try {
      // A release this process still owes (the ledger was down) goes first: until it lands, the
      // payment looks consumed although it was never served.
      if (!(await settler.settled(ledgerKey))) {
        return unavailable(request, 'ledger', trace, new Error('a release is still pending'))
      }
      if (await ledger.isConsumed(ledgerKey)) {
        const again = await findRedelivery({
          ledger,
          key: ledgerKey,
          plugin,
          txId,
          resource: `${request.method} ${request.path}`,
          challenge,
          proof: headers.proof,
          windowMs: redeliveryWindowMs,
        })
        if (!again) {
          return respond(
            'tx_already_used',
            'This transaction has already paid for a request. Pay again per accepts.',
          )
        }
        trace.payer = again.payer
        trace.amount = again.amount.toString()
        const outcome = redeliveryOutcome(again, offer, txId, request.method)
        if (outcome) return outcome
        return respond(
          'response_not_stored',
          'This payment was served, but its response was too large (or a stream) to keep for re-delivery, so it cannot be served again. Pay again per accepts for a new request.',
        )
      }
      lease = await ledger.acquire(ledgerKey, claimTtlMs)
    } catch (error) {
      return unavailable(request, 'ledger', trace, error)
    }
    if (!lease) {
      return respond(
        'payment_in_progress',
        'Another request is using this payment right now. Retry after Retry-After seconds.',
        inProgressRetryAfterSeconds,
      )
    }
    const held = lease
    // From here until the payment settles, the claim is renewed: a slow handler or send never
    // lets another request take it over.
    const heartbeat = startHeartbeat(ledger, held, claimTtlMs, logger)
    const releaseHeld = async () => {
      heartbeat.stop()
      await releaseQuietly(held)
    }
    const rejected = async (error: ErrorCode, message: string, retryAfterSeconds?: number) => {
      await releaseHeld()
      return respond(error, message, retryAfterSeconds)
    }

    try {
      const marked = await ledger.mark(held, {
        network: plugin.network,
        txId,
        chain: plugin.name,
        payer,
        payTo: requirement.payTo,
        asset: assetId(requirement.asset),
        amount,
        resource: `${request.method.toUpperCase()} ${request.path}`,
        challengeId: challenge?.id,
      })
      if (marked === 'consumed') {
        return rejected(
          'tx_already_used',
          'This transaction has already paid for a request. Pay again per accepts.',
        )
      }
      if (marked === 'in_progress') {
        return rejected(
          'payment_in_progress',
          'Another request is using this transaction right now. Retry after Retry-After seconds.',
          inProgressRetryAfterSeconds,
        )
      }
    } catch (error) {
      await releaseHeld()
      return unavailable(request, 'ledger', trace, error)
    }
    const receipt: PaymentReceipt = {
      chain: plugin.name,
      network: plugin.network,
      transaction: txId,
      payer,
      payTo: requirement.payTo,
      asset: requirement.asset,
      amount,
      challengeId: challenge?.id,
    }
    const settled = settlement({
      lease: held,
      heartbeat,
      settler,
      unavailable: (cause) => unavailable(request, 'ledger', trace, cause),
    })
    return {
      type: 'paid',
      payment: receipt,
      headers: paymentResponseHeaders(receipt),
      storeResponseUpTo:
        request.method !== 'GET' && redeliveryWindowMs > 0 ? maxStoredResponseBytes : undefined,
      confirm: settled.confirm,
      settle: async (delivered, response) => {
        await settled.settle(delivered, response)
      },
      finish: async (served) => {
        const end = await settled.finish(served)
        return typeof end === 'string' ? undefined : end
      },
    }
  }

  const report = (decision: PaymentDecision, receipt?: PaymentReceipt): void => {
    observer.decision?.(decision)
    logger.info(decision, 'tx402: payment decision')
    const hookFailed = (cause: unknown) =>
      logger.warn({ err: describeFault(cause) }, 'tx402: hook failed')
    try {
      const hook =
        receipt && decision.outcome === 'served'
          ? options.onPaid?.(receipt, decision)
          : decision.outcome !== 'served' && decision.outcome !== 'released'
            ? options.onRejected?.(decision)
            : undefined
      Promise.resolve(hook).catch(hookFailed)
    } catch (cause) {
      // A hook never changes an answer: after a commit, a throw would make a paid response a 500.
      hookFailed(cause)
    }
  }

  async function handle(incoming: PaymentRequest): Promise<Outcome> {
    // HEAD is GET without a body (Koa routes it to the GET handler): one resource, one challenge.
    const method = incoming.method.toUpperCase()
    const request = { ...incoming, method: method === 'HEAD' ? 'GET' : method }
    const started = performance.now()
    const trace: Trace = {}
    let outcome: Outcome
    try {
      outcome = await evaluate(request, trace)
    } catch (error) {
      // A bug in a plugin or here (evaluate answers every expected failure): 503, never 500.
      outcome = unavailable(request, 'rpc', trace, error)
    }
    const resource = `${request.method.toUpperCase()} ${request.path}`
    const decision = (outcome: PaymentDecision['outcome'], status: number) => ({
      resource,
      ...trace,
      outcome,
      status,
      durationMs: performance.now() - started,
    })
    if (outcome.type === 'replay') {
      report(decision('redelivered', outcome.response.status))
      return outcome
    }
    if (outcome.type !== 'paid') {
      if (outcome.type === 'payment_required') return outcome // no payment headers: nothing decided
      report(decision(outcome.body.error, outcome.status))
      return outcome
    }
    // One decision line per paid request, when it ends; the time is the deciding time only.
    const decidedMs = performance.now() - started
    const paid = outcome
    return onceEnded(paid, (failure, served) => {
      const redelivered = paid.payment.redelivered === true
      const ending = failure
        ? failure.body.error
        : !served
          ? 'released'
          : redelivered
            ? 'redelivered'
            : 'served'
      report(
        {
          ...decision(ending, failure ? failure.status : served ? 200 : 0),
          durationMs: decidedMs,
        },
        redelivered ? undefined : paid.payment,
      )
    })
  }

  return { handle, offers }
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new ConfigurationError(`${name} must be a number of 0 or more, got ${value}.`)
  }
  return value
}
