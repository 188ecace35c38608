import { randomBytes } from '@noble/hashes/utils'
import { base64UrlOfBytes } from '../protocol/base64Text.js'

const nonceBytes = 12
const perRefill = 256
let pool: Uint8Array = new Uint8Array(0)
let used = 0

/**
 * A fresh 12-byte random nonce, base64url without padding (16 characters). Drawn from a pool
 * the platform's CSPRNG refills 256 nonces at a time: one `getRandomValues` call per nonce cost
 * a 402 more than its HMAC. Each nonce's bytes are handed out once.
 *
 * @example challengeNonce() // 'lhpRbelKth444bYP'
 */
export function challengeNonce(): string {
  if (used + nonceBytes > pool.length) {
    pool = randomBytes(nonceBytes * perRefill)
    used = 0
  }
  const nonce = pool.subarray(used, used + nonceBytes)
  used += nonceBytes
  return base64UrlOfBytes(nonce)
}
