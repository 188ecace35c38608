import { hmac } from '@noble/hashes/hmac'
import { sha256 } from '@noble/hashes/sha2'
import { randomBytes } from '@noble/hashes/utils'
import { ConfigurationError, InvalidChallengeError } from './errors.js'
import { maxPaymentHeaderBytes } from './protocol/headers.js'

/** What a challenge binds: the resource, when it was issued, until when, and a nonce. */
export interface Challenge {
  id: string
  method: string
  path: string
  /** Unix seconds. */
  issuedAt: number
  /** Unix seconds. */
  expiresAt: number
  nonce: string
}

interface ChallengePayload {
  m: string
  p: string
  iat: number
  exp: number
  n: string
}

const version = 'c1'
const encoder = new TextEncoder()

/**
 * Turns the configured secret into an HMAC key; a secret shorter than 32 bytes fails at setup.
 *
 * @example const key = challengeKey(process.env.TX402_SECRET!)
 */
export function challengeKey(secret: string | Uint8Array): Uint8Array {
  const key = typeof secret === 'string' ? encoder.encode(secret) : secret
  if (key.length < 32) {
    throw new ConfigurationError('The tx402 secret must be at least 32 bytes.', {
      details: 'Generate one with `openssl rand -hex 32` and keep it out of source control.',
    })
  }
  return key
}

/**
 * Issues a stateless challenge: the resource, issue time, expiry and a random nonce, signed with
 * HMAC-SHA256. Nothing is stored; `verifyChallenge` checks it later.
 *
 * @example issueChallenge(key, { method: 'GET', path: '/api/weather', ttlSeconds: 900 })
 */
export function issueChallenge(
  key: Uint8Array,
  options: { method: string; path: string; ttlSeconds: number; now?: number },
): Challenge {
  const issuedAt = Math.floor((options.now ?? Date.now()) / 1000)
  const payload: ChallengePayload = {
    m: options.method.toUpperCase(),
    p: options.path,
    iat: issuedAt,
    exp: issuedAt + options.ttlSeconds,
    n: toBase64Url(randomBytes(12)),
  }
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)))
  const id = `${version}.${body}.${toBase64Url(sign(key, body))}`
  return fromPayload(id, payload)
}

/**
 * Checks a challenge id: its signature (a tampered or foreign one fails), its resource, and that
 * it has not expired more than `graceSeconds` ago (a payment made before expiry may be retried
 * for a while). Throws `InvalidChallengeError`.
 *
 * @example verifyChallenge(key, header, { method: 'GET', path: '/api/weather' })
 */
export function verifyChallenge(
  key: Uint8Array,
  id: string,
  expected: { method: string; path: string; graceSeconds?: number; now?: number },
): Challenge {
  const payload = decodeSigned(key, id)
  if (payload.m !== expected.method.toUpperCase() || payload.p !== expected.path) {
    throw new InvalidChallengeError('This challenge was issued for another resource.')
  }
  const now = Math.floor((expected.now ?? Date.now()) / 1000)
  if (now > payload.exp + (expected.graceSeconds ?? 0)) {
    throw new InvalidChallengeError('This challenge has expired.')
  }
  return fromPayload(id, payload)
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

function decodeSigned(key: Uint8Array, id: string): ChallengePayload {
  if (typeof id !== 'string' || id.length > maxPaymentHeaderBytes) {
    throw new InvalidChallengeError('Malformed challenge.')
  }
  const [tag, body, signature, ...rest] = id.split('.')
  if (tag !== version || !body || !signature || rest.length > 0) {
    throw new InvalidChallengeError('Malformed challenge.')
  }
  const given = fromBase64Url(signature)
  // Canonical encoding only: the last character's spare bits would otherwise let one challenge
  // be spelled several ways.
  if (!given || toBase64Url(given) !== signature || !equalBytes(given, sign(key, body))) {
    throw new InvalidChallengeError('This challenge was not issued by this server.')
  }
  const json = fromBase64Url(body)
  const payload = json ? safeParse(new TextDecoder().decode(json)) : undefined
  if (!isPayload(payload)) throw new InvalidChallengeError('Malformed challenge.')
  return payload
}

function fromPayload(id: string, payload: ChallengePayload): Challenge {
  return {
    id,
    method: payload.m,
    path: payload.p,
    issuedAt: payload.iat,
    expiresAt: payload.exp,
    nonce: payload.n,
  }
}

function sign(key: Uint8Array, body: string): Uint8Array {
  return hmac(sha256, key, encoder.encode(`${version}.${body}`))
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
    typeof v.m === 'string' &&
    typeof v.p === 'string' &&
    Number.isSafeInteger(v.iat) &&
    Number.isSafeInteger(v.exp) &&
    typeof v.n === 'string'
  )
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
    return Uint8Array.from(binary, (char) => char.charCodeAt(0))
  } catch {
    return undefined
  }
}
