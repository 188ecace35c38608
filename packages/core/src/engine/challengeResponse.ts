import { deriveReference, issueChallenge } from '../challenge/challenge.js'
import type { ChallengeTerm } from '../challenge/challengeTerms.js'
import { ConfigurationError } from '../errors.js'
import type { ChallengeContext } from '../plugin.js'
import type { ResolvedOffer } from '../price.js'
import { encodeBase64Json } from '../protocol/base64Json.js'
import { type ErrorCode, errorStatus } from '../protocol/codes.js'
import { headerNames, maxPaymentHeaderBytes } from '../protocol/headers.js'
import type { AcceptOption, PaymentRequiredBody } from '../protocol/types.js'
import type { CreditTerms } from './creditOffer.js'
import type { RespondOutcome } from './outcome.js'

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
}

/**
 * Fails at setup when this route's challenges would not fit `x-payment-challenge` (too many
 * offers): a server always accepts its own challenge back. Its size never depends on the path.
 */
export function assertChallengeFits(terms: RouteTerms): void {
  const { id } = issueChallenge(terms.key, {
    method: 'GET',
    path: '/',
    ttlSeconds: terms.challengeTtlSeconds,
    terms: terms.terms,
  })
  const limit = maxPaymentHeaderBytes[headerNames.challenge]
  // Room for issue and expiry times that grow a digit.
  if (id.length + 8 >= limit) {
    throw new ConfigurationError(
      `This route offers too many options: its challenge (${id.length} bytes) would not fit ${headerNames.challenge} (${limit}).`,
      { details: 'Offer fewer chains or assets on one route.' },
    )
  }
}

/**
 * Builds an error or challenge response (docs/protocol.md section 5): every 402 carries a fresh
 * challenge and `accepts`, in the body and base64 in `PAYMENT-REQUIRED`.
 */
export function buildResponse(
  terms: RouteTerms,
  resource: { method: string; path: string },
  error: ErrorCode,
  message: string,
  retryAfterSeconds?: number,
): RespondOutcome {
  const status = errorStatus[error]
  const headers: Record<string, string> = { 'cache-control': 'no-store' }
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds)
  if (status !== 402) return { type: 'error', status, headers, body: { error, message } }
  const body = challengeBody(terms, resource, error, message)
  headers[headerNames.paymentRequired] = encodeBase64Json(body)
  return {
    type: error === 'payment_required' ? 'payment_required' : 'error',
    status,
    headers,
    body,
  }
}

function challengeBody(
  terms: RouteTerms,
  resource: { method: string; path: string },
  error: ErrorCode,
  message: string,
): PaymentRequiredBody {
  const method = resource.method.toUpperCase()
  const challenge = issueChallenge(terms.key, {
    method,
    path: resource.path,
    ttlSeconds: terms.challengeTtlSeconds,
    terms: terms.terms,
  })
  const context: ChallengeContext = {
    id: challenge.id,
    issuedAt: challenge.issuedAt,
    // Derived only when a plugin asks (Solana): a hash per 402 that EVM routes never need.
    get reference() {
      return deriveReference(challenge.id)
    },
  }
  const accepts = terms.offers.map((offer): AcceptOption => {
    const { plugin, requirement } = offer
    const option: AcceptOption = {
      chain: plugin.name,
      network: plugin.network,
      asset: requirement.asset,
      amount: requirement.amount.toString(),
      payTo: requirement.payTo,
      ...plugin.acceptsFields(context, requirement),
      maxAgeSeconds: requirement.maxAgeSeconds,
      ...(terms.proofRequired.has(offer) ? { proofRequired: true as const } : {}),
    }
    const credit = terms.credit?.packs.get(offer)
    if (credit) option.credit = credit.accepts
    return option
  })
  return {
    error,
    message,
    resource: { method, path: resource.path },
    cost: terms.cost,
    challenge: { id: challenge.id, expiresAt: new Date(challenge.expiresAt * 1000).toISOString() },
    accepts,
  }
}
