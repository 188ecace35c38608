import type * as NodeCrypto from 'node:crypto'
import { hmac } from '@noble/hashes/hmac'
import { sha256 } from '@noble/hashes/sha2'
import { nodeBuiltin } from '../nodeBuiltin.js'

/** HMAC-SHA256 of a UTF-8 message. */
export type HmacSha256 = (key: Uint8Array, message: string) => Uint8Array

const encoder = new TextEncoder()

/**
 * HMAC-SHA256 in pure JS (`@noble/hashes`), for any platform: each key's schedule is absorbed
 * once and cloned per message instead of hashing the padded key twice per call.
 *
 * @example pureHmacSha256()(key, 'c2.eyJy…') // 32 bytes
 */
export function pureHmacSha256(): HmacSha256 {
  const keyed = new WeakMap<Uint8Array, ReturnType<typeof hmac.create>>()
  return (key, message) => {
    let start = keyed.get(key)
    if (!start) {
      start = hmac.create(sha256, key)
      keyed.set(key, start)
    }
    return start.clone().update(encoder.encode(message)).digest()
  }
}

/**
 * Node's native HMAC-SHA256 (about 2 µs a challenge, where the pure-JS one takes 7), reached
 * through `process.getBuiltinModule` (Node 20.16 and later) so that no `node:crypto` import ever
 * reaches a browser bundle of this package; `undefined` on any other platform.
 *
 * @example nativeHmacSha256()?.(key, 'c2.eyJy…')
 */
export function nativeHmacSha256(): HmacSha256 | undefined {
  const crypto = nodeCrypto()
  if (typeof crypto?.createHmac !== 'function') return undefined
  return (key, message) => crypto.createHmac('sha256', key).update(message, 'utf8').digest()
}

/**
 * SHA-256, native where Node offers it (a few times faster than the pure-JS one on a short
 * text), `@noble/hashes` elsewhere.
 *
 * @example sha256OfText('GET /api/weather') // 32 bytes
 */
export const sha256OfText: (text: string) => Uint8Array = (() => {
  const crypto = nodeCrypto()
  if (typeof crypto?.createHash === 'function') {
    return (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest()
  }
  return (text: string) => sha256(encoder.encode(text))
})()

function nodeCrypto(): typeof NodeCrypto | undefined {
  return nodeBuiltin<typeof NodeCrypto>('node:crypto')
}

/**
 * The HMAC-SHA256 challenges are signed and checked with: the native one where there is one, the
 * pure-JS one elsewhere. Both give the same bytes.
 */
export const hmacSha256: HmacSha256 = nativeHmacSha256() ?? pureHmacSha256()
