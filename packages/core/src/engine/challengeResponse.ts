import { deriveReference, issueChallenge } from '../challenge/challenge.js'
import { ConfigurationError } from '../errors.js'
import type { ChallengeContext } from '../plugin.js'
import type { ResolvedOffer } from '../price.js'
import { base64OfText } from '../protocol/base64Text.js'
import { type ErrorCode, errorStatus } from '../protocol/codes.js'
import { headerNames, maxPaymentHeaderBytes } from '../protocol/headers.js'
import type { AcceptOption, PaymentRequiredBody } from '../protocol/types.js'
import { challengeResource } from './challengeRealm.js'
import type { RespondOutcome } from './outcome.js'
import type { RouteTerms } from './types.js'

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
  resource: { method: string; path: string; origin?: string | undefined },
  error: ErrorCode,
  message: string,
  retryAfterSeconds?: number,
): RespondOutcome {
  const status = errorStatus[error]
  const headers: Record<string, string> = { 'cache-control': 'no-store' }
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds)
  if (status !== 402) return { type: 'error', status, headers, body: { error, message } }
  const { body, json } = challengeBody(terms, resource, error, message)
  headers[headerNames.paymentRequired] = base64OfText(json)
  return {
    type: error === 'payment_required' ? 'payment_required' : 'error',
    status,
    headers,
    body,
  }
}

/** One `accepts` entry as last built for an offer, with its JSON. */
interface BuiltOption {
  /** A copy of what `acceptsFields` returned when it was built (a plugin may reuse its object). */
  fields: Partial<AcceptOption>
  option: AcceptOption
  json: string
  /** The keys of `option` holding an object (asset, credit, transferFee): copied per 402. */
  nested: string[]
}

// Per route, per offer: its last accepts entry. Most plugins' fields do not change between
// challenges (EVM: minConfirmations), so the entry and its JSON are built once, not per 402.
const builtOptions = new WeakMap<RouteTerms, Map<ResolvedOffer, BuiltOption>>()

/** The 402 body and its JSON text (what `JSON.stringify(body)` gives, from kept parts). */
function challengeBody(
  terms: RouteTerms,
  resource: { method: string; path: string; origin?: string | undefined },
  error: ErrorCode,
  message: string,
): { body: PaymentRequiredBody; json: string } {
  const method = resource.method.toUpperCase()
  const challenge = issueChallenge(terms.key, {
    ...challengeResource({ ...resource, method }, terms.realm),
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
  let built = builtOptions.get(terms)
  if (!built) {
    built = new Map()
    builtOptions.set(terms, built)
  }
  const accepts: AcceptOption[] = []
  let acceptsJson = ''
  for (const offer of terms.offers) {
    const fields = offer.plugin.acceptsFields(context, offer.requirement)
    let entry = built.get(offer)
    if (!entry || !sameFields(entry.fields, fields)) {
      const option = acceptOption(terms, offer, fields)
      const nested = Object.keys(option).filter((key) =>
        isObject(option[key as keyof AcceptOption]),
      )
      entry = { fields: { ...fields }, option, json: JSON.stringify(option), nested }
      built.set(offer, entry)
    }
    // A deep copy each: a middleware that edits one 402's body (its asset, its credit packs) must
    // edit neither the next 402, nor the kept JSON, nor the route's own requirement.
    const option: Record<string, unknown> = { ...entry.option }
    for (const key of entry.nested) option[key] = copied(option[key])
    accepts.push(option as unknown as AcceptOption)
    acceptsJson += acceptsJson ? `,${entry.json}` : entry.json
  }
  for (const scheme of terms.schemes ?? []) {
    for (const option of scheme.accepts?.(context) ?? []) {
      accepts.push(option)
      acceptsJson += acceptsJson ? `,${JSON.stringify(option)}` : JSON.stringify(option)
    }
  }
  const expiresAt = isoDate(challenge.expiresAt)
  const body: PaymentRequiredBody = {
    error,
    message,
    resource: { method, path: resource.path },
    cost: { ...terms.cost },
    challenge: { id: challenge.id, expiresAt },
    accepts,
  }
  // The same keys in the same order as `body`; the challenge id is base64url and dots, and the
  // date digits and signs: neither needs escaping.
  const json = `{"error":${JSON.stringify(error)},"message":${JSON.stringify(message)},"resource":{"method":${JSON.stringify(method)},"path":${JSON.stringify(resource.path)}},"cost":${JSON.stringify(terms.cost)},"challenge":{"id":"${challenge.id}","expiresAt":"${expiresAt}"},"accepts":[${acceptsJson}]}`
  return { body, json }
}

function acceptOption(
  terms: RouteTerms,
  offer: ResolvedOffer,
  fields: Partial<AcceptOption>,
): AcceptOption {
  const { plugin, requirement } = offer
  const option: AcceptOption = {
    chain: plugin.name,
    network: plugin.network,
    asset: requirement.asset,
    amount: requirement.amount.toString(),
    payTo: requirement.payTo,
    ...fields,
    maxAgeSeconds: requirement.maxAgeSeconds,
    ...(terms.proofRequired.has(offer) ? { proofRequired: true as const } : {}),
  }
  const credit = terms.credit?.packs.get(offer)
  if (credit) option.credit = credit.accepts
  return option
}

/** A copy of plain JSON data (objects, arrays, primitives) sharing nothing with `value`. */
function copied(value: unknown): unknown {
  if (!isObject(value)) return value
  if (Array.isArray(value)) return value.map(copied)
  const copy: Record<string, unknown> = { ...value }
  for (const key in copy) if (isObject(copy[key])) copy[key] = copied(copy[key])
  return copy
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null
}

/** True when both hold the same keys in the same order with the same primitive values. */
function sameFields(a: Partial<AcceptOption>, b: Partial<AcceptOption>): boolean {
  if (a === b) return true
  const keys = Object.keys(a)
  const other = Object.keys(b)
  if (keys.length !== other.length) return false
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    if (key !== other[i]) return false
    const value = (a as Record<string, unknown>)[key]
    // An object may have changed inside: only primitives are compared.
    if (
      value !== (b as Record<string, unknown>)[key] ||
      (typeof value === 'object' && value !== null)
    ) {
      return false
    }
  }
  return true
}

// Challenges issued within one second expire together: their date is written once.
let lastExpiry = Number.NaN
let lastExpiryIso = ''

function isoDate(unixSeconds: number): string {
  if (unixSeconds !== lastExpiry) {
    lastExpiryIso = new Date(unixSeconds * 1000).toISOString()
    lastExpiry = unixSeconds
  }
  return lastExpiryIso
}
