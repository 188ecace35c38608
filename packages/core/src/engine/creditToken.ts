import { base64urlnopad } from '@scure/base'
import { hmacSha256 } from '../challenge/hmacSha256.js'
import { base64UrlOfBytes, base64UrlOfText } from '../protocol/base64Text.js'
import { headerNames, maxPaymentHeaderBytes } from '../protocol/headers.js'

/** What a credit token names: the balance, and what it may be spent on (fixed when bought). */
export interface CreditTokenClaims {
  balanceId: string
  scope: string
  /** CAIP-2 network of the balance. */
  network: string
  /** `assetId` of the balance's asset. */
  asset: string
  payer: string
}

/** `malformed`: not a token at all (400); `forged`: not signed by any of our keys (402). */
export type ReadToken = CreditTokenClaims | 'malformed' | 'forged'

// `k1.` is the tag and the signature's domain: a challenge (signed as `c2.…`) is never a token.
const version = 'k1'
const shape = /^k1\.[A-Za-z0-9_-]{8,400}\.[A-Za-z0-9_-]{43}$/
const balanceShape = /^[0-9a-f]{32}$/

/**
 * Issues the credit token of a balance (docs/protocol.md section 7.3): base64url JSON of what it
 * names, signed with HMAC-SHA256 by the route's signing key (the first secret). Opaque to the
 * payer; a bearer secret.
 *
 * @example issueCreditToken(route.keys[0], { balanceId, scope: 'default', network, asset, payer })
 */
export function issueCreditToken(key: Uint8Array, claims: CreditTokenClaims): string {
  const { balanceId, scope, network, asset, payer } = claims
  const body = base64UrlOfText(JSON.stringify([balanceId, scope, network, asset, payer]))
  return `${version}.${body}.${base64UrlOfBytes(hmacSha256(key, `${version}.${body}`))}`
}

/**
 * Reads `x-payment-credit`: its shape (else `malformed`), its signature by any of `keys` (else
 * `forged`; a secret rotated out but still listed verifies), then what it names. No I/O.
 *
 * @example const token = readCreditToken(route.keys, header)
 */
export function readCreditToken(keys: readonly Uint8Array[], value: string): ReadToken {
  if (value.length >= maxPaymentHeaderBytes[headerNames.credit] || !shape.test(value)) {
    return 'malformed'
  }
  const [, body, signature] = value.split('.') as [string, string, string]
  const given = fromBase64Url(signature)
  // Canonical spelling only, so one token is never spelled two ways.
  if (!given || base64urlnopad.encode(given) !== signature) return 'malformed'
  const signed = `${version}.${body}`
  if (!keys.some((key) => equalBytes(given, hmacSha256(key, signed)))) return 'forged'
  const json = fromBase64Url(body)
  let named: unknown
  try {
    named = json ? JSON.parse(new TextDecoder().decode(json)) : undefined
  } catch {
    named = undefined
  }
  // Signed by us, so well formed unless a key was reused elsewhere: refuse it as forged then.
  if (!Array.isArray(named) || named.length !== 5 || !named.every((v) => typeof v === 'string')) {
    return 'forged'
  }
  const [balanceId, scope, network, asset, payer] = named as string[]
  if (!balanceShape.test(balanceId!)) return 'forged'
  return { balanceId: balanceId!, scope: scope!, network: network!, asset: asset!, payer: payer! }
}

function fromBase64Url(text: string): Uint8Array | undefined {
  try {
    return base64urlnopad.decode(text)
  } catch {
    return undefined
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}
