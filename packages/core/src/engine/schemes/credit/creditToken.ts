import { base64urlnopad } from '@scure/base'
import { hmacSha256 } from '../../../challenge/hmacSha256.js'
import { base64UrlOfBytes, base64UrlOfText } from '../../../protocol/base64Text.js'
import { headerNames, maxPaymentHeaderBytes } from '../../../protocol/headers.js'

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
  const named = [balanceId, scope, network, asset, payer]
  // A spend hands back its balance's token every time: the same bytes for the same key.
  let memo = issued.get(key)
  if (!memo) {
    memo = new Map()
    issued.set(key, memo)
  }
  const memoKey = named.join('\n')
  const known = memo.get(memoKey)
  if (known !== undefined) return known
  const body = base64UrlOfText(JSON.stringify(named))
  const token = `${version}.${body}.${base64UrlOfBytes(hmacSha256(key, `${version}.${body}`))}`
  remember(memo, memoKey, token)
  return token
}

/**
 * Reads `x-payment-credit`: its shape (else `malformed`), its signature by any of `keys` (else
 * `forged`; a secret rotated out but still listed verifies), then what it names. No I/O.
 *
 * @example const token = readCreditToken(route.keys, header)
 */
export function readCreditToken(keys: readonly Uint8Array[], value: string): ReadToken {
  // A token read before, whose signing key is still one of `keys`: the same answer, no work.
  const known = verified.get(value)
  if (known && keys.includes(known.key)) return { ...known.claims }
  if (value.length >= maxPaymentHeaderBytes[headerNames.credit] || !shape.test(value)) {
    return 'malformed'
  }
  const [, body, signature] = value.split('.') as [string, string, string]
  const given = fromBase64Url(signature)
  // Canonical spelling only, so one token is never spelled two ways.
  if (!given || base64urlnopad.encode(given) !== signature) return 'malformed'
  const signed = `${version}.${body}`
  const signer = keys.find((key) => equalBytes(given, hmacSha256(key, signed)))
  if (!signer) return 'forged'
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
  const claims = {
    balanceId: balanceId!,
    scope: scope!,
    network: network!,
    asset: asset!,
    payer: payer!,
  }
  remember(verified, value, { key: signer, claims })
  return { ...claims }
}

// Tokens are pure functions of their key and claims, so both directions are memoized: a balance
// spent request after request costs no HMAC, base64 or JSON. Only genuine tokens are kept, at
// most `memoSize` of each, the oldest dropped first.
const memoSize = 4096
const verified = new Map<string, { key: Uint8Array; claims: CreditTokenClaims }>()
const issued = new WeakMap<Uint8Array, Map<string, string>>()

function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= memoSize) memo.delete(memo.keys().next().value!)
  memo.set(key, value)
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
