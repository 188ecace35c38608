import { sha256 } from '@noble/hashes/sha2'
import { base64urlnopad } from '@scure/base'
import { InvalidChallengeError } from '../errors.js'
import { base64UrlOfBytes, base64UrlOfText } from '../protocol/base64Text.js'
import { maxPaymentHeaderBytes } from '../protocol/headers.js'
import { type ChallengeTerm, decodeTerms, type EncodedTerm, encodeTerms } from './challengeTerms.js'
import { hmacSha256, sha256OfText } from './hmacSha256.js'
import { challengeNonce } from './nonce.js'

/**
 * What a challenge binds: a digest of the resource (never the resource itself, so its size does
 * not depend on the path), when it was issued, until when, a nonce, and the terms it offered.
 */
export interface Challenge {
  id: string
  /** Unix seconds. */
  issuedAt: number
  /** Unix seconds. */
  expiresAt: number
  nonce: string
  /** What each accepted option asked for when the challenge was issued. */
  terms: ChallengeTerm[]
}

/** The resource a challenge is for. */
export interface ChallengeResource {
  method: string
  /** The path, without the query string. */
  path: string
  /**
   * The realm the challenge names in place of `path`: the origin and full path the client asked
   * for (`https://api.example.com/cheap/data`), so two apps mounted under one secret never share
   * a challenge. Default: `path`.
   */
  realm?: string | undefined
}

/** A challenge whose signature and expiry hold, and the digest of the resource it names. */
export interface OpenedChallenge extends Challenge {
  /** The resource digest signed into it; compare with `namesResource`. */
  resourceDigest: string
}

interface ChallengePayload {
  /** base64url of the first 16 bytes of SHA-256 over `METHOD realm` (or `METHOD path`). */
  r: string
  iat: number
  exp: number
  n: string
  t: EncodedTerm[]
}

const version = 'c2'
const encoder = new TextEncoder()

/**
 * Issues a stateless challenge: a digest of the resource, issue time, expiry, a random nonce and
 * the offered terms, signed with HMAC-SHA256 by `key`. Nothing is stored; `verifyChallenge`
 * checks it later. Its length depends on the terms only, never on the path or query.
 *
 * @example issueChallenge(key, { method: 'GET', path: '/api/weather', ttlSeconds: 900, terms })
 */
export function issueChallenge(
  key: Uint8Array,
  options: ChallengeResource & {
    ttlSeconds: number
    terms?: readonly ChallengeTerm[]
    now?: number
  },
): Challenge {
  const issuedAt = Math.floor((options.now ?? Date.now()) / 1000)
  const expiresAt = issuedAt + options.ttlSeconds
  const terms = options.terms ?? []
  const nonce = challengeNonce()
  // JSON.stringify of the payload { r, iat, exp, n, t }, spelled out: the digest and nonce are
  // base64url and the times integers, so none needs escaping, and a route's terms are the same
  // array at every 402 (their JSON is kept).
  const json = `{"r":"${resourceDigest(options)}","iat":${issuedAt},"exp":${expiresAt},"n":"${nonce}","t":${termsJson(terms)}}`
  const body = base64UrlOfText(json)
  const id = `${version}.${body}.${base64UrlOfBytes(sign(key, body))}`
  return { id, issuedAt, expiresAt, nonce, terms: [...terms] }
}

// The JSON of each terms array signed so far (a route's are fixed at setup), weakly held.
const termsJsonCache = new WeakMap<readonly ChallengeTerm[], string>()

function termsJson(terms: readonly ChallengeTerm[]): string {
  let json = termsJsonCache.get(terms)
  if (json === undefined) {
    json = JSON.stringify(encodeTerms(terms))
    // Only a frozen array cannot change behind the cache; others are encoded each time.
    if (Object.isFrozen(terms) && terms.every(Object.isFrozen)) termsJsonCache.set(terms, json)
  }
  return json
}

/**
 * Checks a challenge id: its signature by any of `keys` (a tampered or foreign one fails; a key
 * rotated out but still listed verifies), its resource, and that it has not expired more than
 * `graceSeconds` ago (a payment made before expiry may be retried for a while). Throws
 * `InvalidChallengeError`.
 *
 * @example verifyChallenge([key, oldKey], header, { method: 'GET', path: '/api/weather' })
 */
export function verifyChallenge(
  keys: Uint8Array | readonly Uint8Array[],
  id: string,
  expected: ChallengeResource & { graceSeconds?: number; now?: number },
): Challenge {
  const opened = openChallenge(keys, id, expected)
  if (!namesResource(opened, expected)) {
    throw new InvalidChallengeError('This challenge was issued for another resource.')
  }
  const { resourceDigest: _, ...challenge } = opened
  return challenge
}

/**
 * Checks a challenge id's signature by any of `keys` and its expiry (within `graceSeconds`), not
 * its resource: the engine takes a challenge this server issued for another realm as the
 * payment's binding only, never as terms (docs/protocol.md section 2). Throws
 * `InvalidChallengeError`.
 *
 * @example const opened = openChallenge(keys, header, { graceSeconds: 900 })
 */
export function openChallenge(
  keys: Uint8Array | readonly Uint8Array[],
  id: string,
  expected: { graceSeconds?: number; now?: number },
): OpenedChallenge {
  const payload = decodeSigned(keys instanceof Uint8Array ? [keys] : keys, id)
  const terms = decodeTerms(payload.t)
  if (!terms) throw new InvalidChallengeError('Malformed challenge.')
  const now = Math.floor((expected.now ?? Date.now()) / 1000)
  if (now > payload.exp + (expected.graceSeconds ?? 0)) {
    throw new InvalidChallengeError('This challenge has expired.')
  }
  return { ...fromPayload(id, payload, terms), resourceDigest: payload.r }
}

/**
 * Whether an opened challenge was issued for this resource (method and realm, or path).
 *
 * @example namesResource(opened, { method: 'GET', path: '/data', realm: 'https://a.example/cheap/data' })
 */
export function namesResource(opened: OpenedChallenge, resource: ChallengeResource): boolean {
  return opened.resourceDigest === resourceDigest(resource)
}

/**
 * The 32-byte Solana Pay reference derived from a challenge id: the payer adds it to the
 * transfer instruction, binding the transaction to the challenge.
 *
 * @example bs58.encode(deriveReference(challenge.id))
 */
export function deriveReference(challengeId: string): Uint8Array {
  return sha256(encoder.encode(`tx402 reference\n${challengeId}`))
}

// The last resource digested and its digest: a route's 402s are mostly for one path.
let lastResource = ''
let lastDigest = ''

function resourceDigest(resource: ChallengeResource): string {
  const text = `${resource.method.toUpperCase()} ${resource.realm ?? resource.path}`
  if (text !== lastResource) {
    lastDigest = base64UrlOfBytes(sha256OfText(text).subarray(0, 16))
    lastResource = text
  }
  return lastDigest
}

function decodeSigned(keys: readonly Uint8Array[], id: string): ChallengePayload {
  if (typeof id !== 'string' || id.length > maxPaymentHeaderBytes['x-payment-challenge']) {
    throw new InvalidChallengeError('Malformed challenge.')
  }
  const [tag, body, signature, ...rest] = id.split('.')
  if (tag !== version || !body || !signature || rest.length > 0) {
    throw new InvalidChallengeError('Malformed challenge.')
  }
  const given = fromBase64Url(signature)
  // Canonical encoding only: the last character's spare bits would otherwise let one challenge
  // be spelled several ways.
  if (
    !given ||
    base64urlnopad.encode(given) !== signature ||
    !keys.some((key) => equalBytes(given, sign(key, body)))
  ) {
    throw new InvalidChallengeError('This challenge was not issued by this server.')
  }
  const json = fromBase64Url(body)
  const payload = json ? safeParse(new TextDecoder().decode(json)) : undefined
  if (!isPayload(payload)) throw new InvalidChallengeError('Malformed challenge.')
  return payload
}

function fromPayload(id: string, payload: ChallengePayload, terms: readonly ChallengeTerm[]) {
  return {
    id,
    issuedAt: payload.iat,
    expiresAt: payload.exp,
    nonce: payload.n,
    terms: [...terms],
  }
}

function sign(key: Uint8Array, body: string): Uint8Array {
  return hmacSha256(key, `${version}.${body}`)
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

function isPayload(value: unknown): value is ChallengePayload {
  const v = value as ChallengePayload
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.r === 'string' &&
    Number.isSafeInteger(v.iat) &&
    Number.isSafeInteger(v.exp) &&
    typeof v.n === 'string' &&
    Array.isArray(v.t)
  )
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function fromBase64Url(text: string): Uint8Array | undefined {
  try {
    return base64urlnopad.decode(text)
  } catch {
    return undefined
  }
}
