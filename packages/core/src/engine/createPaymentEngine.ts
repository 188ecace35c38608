import { challengeKey, deriveReference, verifyChallenge } from '../challenge.js'
import { ConfigurationError, InvalidChallengeError, InvalidTxIdError } from '../errors.js'
import type { Lease, Ledger } from '../ledger.js'
import { paymentKey } from '../ledger.js'
import type { ChallengeContext, VerifyResult } from '../plugin.js'
import { describeCost, type ResolvedOffer, type RoutePrice, resolveOffers } from '../price.js'
import { proofMessage } from '../proofMessage.js'
import { encodeBase64Json } from '../protocol/base64Json.js'
import type { ErrorCode } from '../protocol/codes.js'
import { headerNames } from '../protocol/headers.js'
import type { PaymentResponse, WireAsset } from '../protocol/types.js'
import { buildResponse, type RouteTerms } from './challengeResponse.js'
import { checkOptions } from './checkOptions.js'
import { describeFault, leaseSettler } from './leaseSettler.js'
import { ClientWindows, ExpiringSet, type VerificationLimits } from './limits.js'
import { type EngineHooks, type EngineObserver, guarded, type PaymentDecision } from './observer.js'
import type { Outcome, PaidOutcome, PaymentReceipt, RespondOutcome } from './outcome.js'
import { type RequestHeaders, readPaymentHeaders } from './readPaymentHeaders.js'

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
  /** HMAC secret for challenges, at least 32 bytes. */
  secret: string | Uint8Array
  /** Oldest acceptable transaction, in seconds; overrides each chain's default. 0: no age check. */
  maxAgeSeconds?: number
  /** How long a challenge may be paid against. Default 900. */
  challengeTtlSeconds?: number
  /** How long a claim holds a transaction while it is verified and the handler runs. Default 60000. */
  claimTtlMs?: number
  /** Tolerated clock difference between the chain and this server, in seconds. Default 60. */
  clockSkewSeconds?: number
  /** Demand `x-payment-challenge` on every payment. Default false. */
  requireChallenge?: boolean
  /** Demand `x-payment-proof` (the payer's signature) on every payment. Default false. */
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
  const key = challengeKey(options.secret)
  if (!options.ledger) throw new ConfigurationError('A ledger is required.')
  if (!options.chains?.length) throw new ConfigurationError('At least one chain is required.')
  const offers = resolveOffers(options.chains, options, options.maxAgeSeconds)
  const ledger = options.ledger
  const requireProof = options.requireProof ?? false
  if (requireProof) {
    const missing = offers.filter((o) => !o.plugin.verifyProof).map((o) => o.plugin.name)
    if (missing.length) {
      throw new ConfigurationError(`requireProof: ${missing.join(', ')} cannot check proofs.`)
    }
  }
  const terms: RouteTerms = {
    key,
    offers,
    cost: describeCost(options, offers),
    challengeTtlSeconds: options.challengeTtlSeconds ?? 900,
    requireProof,
  }
  const claimTtlMs = options.claimTtlMs ?? 60_000
  const skewSeconds = options.clockSkewSeconds ?? 60
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
  const byName = new Map<string, ResolvedOffer>()
  for (const offer of offers) {
    byName.set(offer.plugin.name.toLowerCase(), offer)
    byName.set(offer.plugin.network.toLowerCase(), offer)
  }

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

  const settler = leaseSettler(ledger, logger)
  const releaseQuietly = (lease: Lease): Promise<void> => settler.release(lease)

  const verifyOnChain = async (
    offer: ResolvedOffer,
    txId: string,
    challenge: ChallengeContext | undefined,
  ): Promise<VerifyResult> => {
    const { plugin, requirement } = offer
    const started = performance.now()
    observer.inFlight?.(plugin.name, 1)
    try {
      await plugin.ready?.()
      const result = await plugin.verify({ txId, requirement, challenge, now: Date.now() })
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

    const offer = byName.get(headers.chain.toLowerCase())
    if (!offer) {
      return respond(
        'invalid_payment_headers',
        `Unknown chain in ${headerNames.chain}. Accepted: ${offers.map((o) => `${o.plugin.name} (${o.plugin.network})`).join(', ')}.`,
      )
    }
    const { plugin, requirement } = offer
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
    if (headers.challenge) {
      try {
        const verified = verifyChallenge(key, headers.challenge, { ...request, graceSeconds })
        challenge = {
          id: verified.id,
          issuedAt: verified.issuedAt,
          reference: deriveReference(verified.id),
        }
      } catch (error) {
        const reason =
          error instanceof InvalidChallengeError ? error.shortMessage : 'Malformed challenge.'
        return respond('challenge_invalid', `${reason} Pay again against the fresh challenge.`)
      }
    } else if (options.requireChallenge) {
      return respond(
        'challenge_invalid',
        `This server requires ${headerNames.challenge}: pay against the challenge below and send its id.`,
      )
    }
    if (requireProof && !headers.proof) {
      return respond(
        'proof_invalid',
        `This server requires ${headerNames.proof}: sign the proof message with the paying wallet.`,
      )
    }

    const ledgerKey = paymentKey(plugin.network, txId)
    const now = Date.now()
    const notFoundMs = notFound.remainingMs(ledgerKey, now)
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
    // the check together while the ledger lookups below are awaited.
    const freeSlot = takeSlot(plugin.name)

    let lease: Lease | undefined
    try {
      // A release this process still owes (the ledger was down) goes first: until it lands, the
      // payment looks consumed although it was never served.
      if (!(await settler.settled(ledgerKey))) {
        freeSlot()
        return unavailable(request, 'ledger', trace, new Error('a release is still pending'))
      }
      if (await ledger.isConsumed(ledgerKey)) {
        freeSlot()
        return respond(
          'tx_already_used',
          'This transaction has already paid for a request. Pay again per accepts.',
        )
      }
      lease = await ledger.acquire(ledgerKey, claimTtlMs)
    } catch (error) {
      freeSlot()
      return unavailable(request, 'ledger', trace, error)
    }
    if (!lease) {
      freeSlot()
      return respond(
        'payment_in_progress',
        'Another request is verifying this transaction right now. Retry after Retry-After seconds.',
        inProgressRetryAfterSeconds,
      )
    }
    const held = lease
    const rejected = async (error: ErrorCode, message: string, retryAfterSeconds?: number) => {
      await releaseQuietly(held)
      return respond(error, message, retryAfterSeconds)
    }

    let payer: string
    let amount: bigint
    try {
      const result = await verifyOnChain(offer, txId, challenge)
      if (result.status === 'pending') {
        const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000))
        return rejected(
          'payment_pending',
          result.message ??
            `The transaction is not final yet. Retry the same headers after ${seconds} seconds; do not pay again.`,
          seconds,
        )
      }
      if (result.status === 'invalid') {
        if (result.reason === 'tx_not_found' && notFoundCacheMs > 0) {
          notFound.add(ledgerKey, Date.now() + notFoundCacheMs)
          return rejected(result.reason, result.message, Math.ceil(notFoundCacheMs / 1000))
        }
        return rejected(result.reason, result.message)
      }
      // The plugin checked these; checked again here so a plugin bug cannot grant access.
      if (result.amount < requirement.amount) {
        return rejected('insufficient_amount', 'The transaction paid less than the price.')
      }
      if (challenge && result.blockTime < challenge.issuedAt - skewSeconds) {
        return rejected(
          'tx_too_old',
          'The transaction is older than the challenge it answers. Pay again.',
        )
      }
      payer = result.payer
      amount = result.amount
      trace.payer = payer
      trace.amount = amount.toString()
      if (headers.proof) {
        const valid = await plugin.verifyProof?.({
          message: proofMessage({ network: plugin.network, txId, challengeId: challenge?.id }),
          signature: headers.proof,
          payer,
        })
        if (!valid) {
          return rejected(
            'proof_invalid',
            'The payment proof is not a signature by the payer of this transaction.',
          )
        }
      }
    } catch (error) {
      await releaseQuietly(held)
      return unavailable(request, 'rpc', trace, error)
    } finally {
      freeSlot()
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
      await releaseQuietly(held)
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
    const paymentResponse: PaymentResponse = {
      success: true,
      network: plugin.network,
      chain: plugin.name,
      transaction: txId,
      payer,
      asset: requirement.asset,
      amount: amount.toString(),
    }
    let finished = false
    return {
      type: 'paid',
      payment: receipt,
      headers: { [headerNames.paymentResponse]: encodeBase64Json(paymentResponse) },
      async finish(served) {
        if (finished) return undefined
        finished = true
        if (!served) {
          await releaseQuietly(held)
          return undefined
        }
        try {
          await settler.commit(held)
          return undefined
        } catch (error) {
          // Not served, so not consumed: undo the commit in case it landed and only the reply
          // was lost.
          await releaseQuietly(held)
          return unavailable(request, 'ledger', trace, error)
        }
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
    if (outcome.type !== 'paid') {
      if (outcome.type === 'payment_required') return outcome // no payment headers: nothing decided
      report({
        resource,
        ...trace,
        outcome: outcome.body.error,
        status: outcome.status,
        durationMs: performance.now() - started,
      })
      return outcome
    }
    const decidedMs = performance.now() - started
    const finish = outcome.finish
    return {
      ...outcome,
      async finish(served) {
        const failure = await finish(served)
        report(
          {
            resource,
            ...trace,
            outcome: failure ? failure.body.error : served ? 'served' : 'released',
            status: failure ? failure.status : served ? 200 : 0,
            durationMs: decidedMs,
          },
          outcome.payment,
        )
        return failure
      },
    } satisfies PaidOutcome
  }

  return { handle, offers }
}

function assetId(asset: WireAsset): string {
  if (asset.standard === 'erc20') return asset.address
  if (asset.standard === 'spl') return asset.mint
  return 'native'
}
