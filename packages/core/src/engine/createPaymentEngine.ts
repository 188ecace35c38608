import { challengeKey, deriveReference, issueChallenge, verifyChallenge } from '../challenge.js'
import { ConfigurationError, InvalidChallengeError, InvalidTxIdError } from '../errors.js'
import type { Lease, Ledger } from '../ledger.js'
import { paymentKey } from '../ledger.js'
import type { ChainPlugin, ChallengeContext } from '../plugin.js'
import { describeCost, type ResolvedOffer, type RoutePrice, resolveOffers } from '../price.js'
import { proofMessage } from '../proofMessage.js'
import { encodeBase64Json } from '../protocol/base64Json.js'
import { type ErrorCode, errorStatus } from '../protocol/codes.js'
import { headerNames } from '../protocol/headers.js'
import type { AcceptOption, PaymentRequiredBody, PaymentResponse } from '../protocol/types.js'
import type { Outcome, PaidOutcome, RespondOutcome } from './outcome.js'
import { type RequestHeaders, readPaymentHeaders } from './readPaymentHeaders.js'

/** A pino-compatible logger; tx402 writes one structured line per fault. */
export interface Logger {
  info(object: object, message?: string): void
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
}

/** Options of `createPaymentEngine`, validated once at setup. */
export interface PaymentEngineOptions extends RoutePrice {
  /** Chain plugins the route accepts, in the order offered. */
  chains: readonly ChainPlugin[]
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
  /** Where faults are logged. Default: `console`. */
  logger?: Logger
}

/** A request as the engine needs it: method, path (no query string) and headers. */
export interface PaymentRequest {
  method: string
  path: string
  headers: RequestHeaders
}

/** The framework-free engine: one per paid route. */
export interface PaymentEngine {
  handle(request: PaymentRequest): Promise<Outcome>
  /** The chains offered for this route, with what each must receive. */
  readonly offers: readonly ResolvedOffer[]
}

const unavailableRetryAfterSeconds = 2
const inProgressRetryAfterSeconds = 1

/**
 * Builds the engine that turns a request into an outcome (DESIGN.md, "the path of one request").
 *
 * @example
 * const engine = createPaymentEngine({ chains: [base({ rpcUrl, payTo })], ledger, secret, price: '0.01' })
 * const outcome = await engine.handle({ method: 'GET', path: '/api/weather', headers })
 */
export function createPaymentEngine(options: PaymentEngineOptions): PaymentEngine {
  const key = challengeKey(options.secret)
  if (!options.ledger) throw new ConfigurationError('A ledger is required.')
  if (!options.chains?.length) throw new ConfigurationError('At least one chain is required.')
  const offers = resolveOffers(options.chains, options, options.maxAgeSeconds)
  const cost = describeCost(options, offers)
  const ttlSeconds = options.challengeTtlSeconds ?? 900
  const claimTtlMs = options.claimTtlMs ?? 60_000
  const skewSeconds = options.clockSkewSeconds ?? 60
  const logger = options.logger ?? console
  if (options.requireProof) {
    const missing = offers.filter((o) => !o.plugin.verifyProof).map((o) => o.plugin.name)
    if (missing.length) {
      throw new ConfigurationError(`requireProof: ${missing.join(', ')} cannot check proofs.`)
    }
  }
  const graceSeconds = Math.max(...offers.map((o) => o.requirement.maxAgeSeconds || ttlSeconds))
  const byName = new Map<string, ResolvedOffer>()
  for (const offer of offers) {
    byName.set(offer.plugin.name.toLowerCase(), offer)
    byName.set(offer.plugin.network.toLowerCase(), offer)
  }

  const challengeBody = (
    request: PaymentRequest,
    error: ErrorCode,
    message: string,
  ): PaymentRequiredBody => {
    const challenge = issueChallenge(key, {
      method: request.method,
      path: request.path,
      ttlSeconds,
    })
    const context: ChallengeContext = {
      id: challenge.id,
      issuedAt: challenge.issuedAt,
      reference: deriveReference(challenge.id),
    }
    const accepts = offers.map(
      ({ plugin, requirement }): AcceptOption => ({
        chain: plugin.name,
        network: plugin.network,
        asset: requirement.asset,
        amount: requirement.amount.toString(),
        payTo: requirement.payTo,
        ...plugin.acceptsFields(context),
        maxAgeSeconds: requirement.maxAgeSeconds,
        ...(options.requireProof ? { proofRequired: true as const } : {}),
      }),
    )
    return {
      error,
      message,
      resource: { method: request.method.toUpperCase(), path: request.path },
      cost,
      challenge: {
        id: challenge.id,
        expiresAt: new Date(challenge.expiresAt * 1000).toISOString(),
      },
      accepts,
    }
  }

  const respond = (
    request: PaymentRequest,
    error: ErrorCode,
    message: string,
    retryAfterSeconds?: number,
  ): RespondOutcome => {
    const status = errorStatus[error]
    const headers: Record<string, string> = { 'cache-control': 'no-store' }
    if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds)
    if (status === 402) {
      const body = challengeBody(request, error, message)
      headers[headerNames.paymentRequired] = encodeBase64Json(body)
      return {
        type: error === 'payment_required' ? 'payment_required' : 'error',
        status,
        headers,
        body,
      }
    }
    return { type: 'error', status, headers, body: { error, message } }
  }

  const unavailable = (request: PaymentRequest, what: string, cause: unknown): RespondOutcome => {
    logger.error({ err: describeFault(cause), path: request.path }, `tx402: ${what} failed`)
    return respond(
      request,
      'verifier_unavailable',
      'Payment verification is unavailable right now. Retry the same headers later; nothing was consumed, so do not pay again.',
      unavailableRetryAfterSeconds,
    )
  }

  const releaseQuietly = async (lease: Lease): Promise<void> => {
    try {
      await options.ledger.release(lease)
    } catch (cause) {
      // The claim expires by its TTL; the payer can present the transaction again then.
      logger.warn({ err: describeFault(cause), key: lease.key }, 'tx402: release failed')
    }
  }

  async function handle(request: PaymentRequest): Promise<Outcome> {
    const headers = readPaymentHeaders(request.headers)
    if (headers.kind === 'none') {
      return respond(
        request,
        'payment_required',
        `This resource costs ${cost.amount} ${cost.currency}. Pay on one of the accepted chains and retry with ${headerNames.tx} and ${headerNames.chain}.`,
      )
    }
    if (headers.kind === 'invalid')
      return respond(request, 'invalid_payment_headers', headers.message)

    const offer = byName.get(headers.chain.toLowerCase())
    if (!offer) {
      return respond(
        request,
        'invalid_payment_headers',
        `Unknown chain in ${headerNames.chain}. Accepted: ${offers.map((o) => `${o.plugin.name} (${o.plugin.network})`).join(', ')}.`,
      )
    }
    const { plugin, requirement } = offer

    let txId: string
    try {
      txId = plugin.normalizeTxId(headers.tx)
    } catch (error) {
      if (!(error instanceof InvalidTxIdError)) return unavailable(request, 'normalizeTxId', error)
      return respond(request, 'invalid_payment_headers', `${headerNames.tx}: ${error.shortMessage}`)
    }

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
        return respond(
          request,
          'challenge_invalid',
          `${reason} Pay again against the fresh challenge.`,
        )
      }
    } else if (options.requireChallenge) {
      return respond(
        request,
        'challenge_invalid',
        `This server requires ${headerNames.challenge}: pay against the challenge below and send its id.`,
      )
    }
    if (options.requireProof && !headers.proof) {
      return respond(
        request,
        'proof_invalid',
        `This server requires ${headerNames.proof}: sign the proof message with the paying wallet.`,
      )
    }

    const ledgerKey = paymentKey(plugin.network, txId)
    let lease: Lease | undefined
    try {
      if (await options.ledger.isConsumed(ledgerKey)) {
        return respond(
          request,
          'tx_already_used',
          'This transaction has already paid for a request. Pay again per accepts.',
        )
      }
      lease = await options.ledger.acquire(ledgerKey, claimTtlMs)
    } catch (error) {
      return unavailable(request, 'ledger', error)
    }
    if (!lease) {
      return respond(
        request,
        'payment_in_progress',
        'Another request is verifying this transaction right now. Retry after Retry-After seconds.',
        inProgressRetryAfterSeconds,
      )
    }

    const rejected = async (
      error: ErrorCode,
      message: string,
      retryAfterSeconds?: number,
    ): Promise<RespondOutcome> => {
      await releaseQuietly(lease)
      return respond(request, error, message, retryAfterSeconds)
    }

    let payer: string
    let amount: bigint
    try {
      await plugin.ready?.()
      const result = await plugin.verify({ txId, requirement, challenge, now: Date.now() })
      if (result.status === 'pending') {
        const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000))
        return rejected(
          'payment_pending',
          result.message ??
            `The transaction is not final yet. Retry the same headers after ${seconds} seconds; do not pay again.`,
          seconds,
        )
      }
      if (result.status === 'invalid') return rejected(result.reason, result.message)
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
      await releaseQuietly(lease)
      return unavailable(request, `${plugin.name} verification`, error)
    }

    const receipt = {
      chain: plugin.name,
      network: plugin.network,
      transaction: txId,
      payer,
      payTo: requirement.payTo,
      asset: requirement.asset,
      amount,
      challengeId: challenge?.id,
    }
    try {
      const marked = await options.ledger.mark(lease, {
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
      await releaseQuietly(lease)
      return unavailable(request, 'ledger mark', error)
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
    const outcome: PaidOutcome = {
      type: 'paid',
      payment: receipt,
      headers: { [headerNames.paymentResponse]: encodeBase64Json(paymentResponse) },
      async finish(served) {
        if (finished) return undefined
        finished = true
        if (!served) {
          await releaseQuietly(lease)
          return undefined
        }
        try {
          await options.ledger.commit(lease)
          return undefined
        } catch (error) {
          await releaseQuietly(lease)
          return unavailable(request, 'ledger commit', error)
        }
      },
    }
    return outcome
  }

  return { handle, offers }
}

function assetId(asset: AcceptOption['asset']): string {
  if (asset.standard === 'erc20') return asset.address
  if (asset.standard === 'spl') return asset.mint
  return 'native'
}

// Logs name and message only: RPC URLs and secrets can sit in a cause's other fields.
function describeFault(cause: unknown): { name: string; message: string } {
  if (cause instanceof Error) return { name: cause.name, message: cause.message.split('\n')[0]! }
  return { name: 'unknown', message: String(cause).slice(0, 200) }
}
