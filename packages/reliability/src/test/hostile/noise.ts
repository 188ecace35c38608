// Random strings and bytes for hostile requests, all drawn from the run's seeded `Prng`.
import type { Prng } from '../prng.js'

/** `length` random hex digits after `prefix`. */
export function hex(rng: Prng, length: number, prefix: string): string {
  let out = ''
  for (let i = 0; i < length; i++) out += '0123456789abcdef'[rng.int(16)]
  return prefix + out
}

/** `length` random base58 characters. */
export function base58(rng: Prng, length: number): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[rng.int(alphabet.length)]
  return out
}

/** `length` random visible ASCII characters. */
export function printable(rng: Prng, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += String.fromCharCode(rng.between(0x21, 0x7e))
  return out
}

/** Mostly printable, with control and high bytes sprinkled in. */
export function noisyAscii(rng: Prng): Uint8Array {
  const out = rng.bytes(rng.between(1, 300))
  for (let i = 0; i < out.length; i++) {
    if (!rng.chance(0.05)) out[i] = rng.between(0x21, 0x7e)
  }
  return out
}

/** `text` with each letter upper-cased at random. */
export function mixCase(rng: Prng, text: string): string {
  return [...text].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c)).join('')
}

/** `text` with one character replaced by another (base64url alphabet); `A` when empty. */
export function flip(rng: Prng, text: string): string {
  if (!text) return 'A'
  const at = rng.int(text.length)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let replacement = text[at]!
  while (replacement === text[at]) replacement = alphabet[rng.int(alphabet.length)]!
  return text.slice(0, at) + replacement + text.slice(at + 1)
}

/** `x-payment-tx` → `X-Payment-Tx`. */
export function capitalize(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())
}

/** `text` with `insert` at a random position. */
export function insertAt(rng: Prng, text: string, insert: string): string {
  const at = rng.int(text.length + 1)
  return text.slice(0, at) + insert + text.slice(at)
}

const unicodePieces = [
  '\u0000',
  '\u00e9',
  '\u00a0',
  '\u200b',
  '\u202e',
  '\ufeff',
  '\u0301',
  '\ud83d\udcb8',
  '\u4e2d\u6587',
  '\u0430',
  '\uff10',
  '\u2028',
  '\u{10ffff}',
  '\ufffd',
]

/** One to three pieces of troublesome unicode (NUL, bidi, zero-width, astral…). */
export function unicodeNoise(rng: Prng): string {
  return Array.from({ length: rng.between(1, 3) }, () => rng.pick(unicodePieces)).join('')
}

/** Up to 40 characters of troublesome unicode and non-ASCII letters. */
export function unicodeString(rng: Prng): string {
  return Array.from({ length: rng.between(1, 40) }, () =>
    rng.chance(0.5) ? rng.pick(unicodePieces) : String.fromCodePoint(rng.between(0xa0, 0x2fff)),
  ).join('')
}

/** A query string that is odd but harmless to the route. */
export function queryNoise(rng: Prng): string {
  return rng.pick([
    'a=1',
    `${'x-payment-tx'}=0x${'ab'.repeat(32)}`,
    '%zz',
    '%00',
    'a=%E2%82%AC&&b',
    'x'.repeat(rng.between(1, 2000)),
  ])
}

/** Never a valid EVM hash: wrong length, wrong alphabet, or wrong framing. */
export function badHash(rng: Prng): string {
  const body = hex(rng, 64, '')
  return rng.pick([
    () => hex(rng, rng.pick([0, 1, 2, 31, 32, 40, 62, 63, 65, 66, 128, 130]), rng.pick(['0x', ''])),
    () =>
      `0x${body.slice(0, 20)}${rng.pick(['g', 'z', 'G', '-', '_', '.', ':', ' ', '+'])}${body.slice(21)}`,
    () => `0x0x${body.slice(0, 62)}`,
    () => `0x${body}x`,
    () => `x${body}`,
    () => `-0x${body}`,
    () => `+0x${body}`,
    () => `0x${body.slice(0, 32)} ${body.slice(32)}`,
    () => `0b${body}`,
    () => `0o${body}`,
    () => base58(rng, 88),
    () => `${body.slice(0, 40)}e64`,
    () => `0x${'0'.repeat(63)}`,
    () => Buffer.from(rng.bytes(32)).toString('base64'),
    () => `0x${body.slice(0, 60)}%20`,
    () => `0x${body}0x${body}`,
    () => 'null',
    () => '0x',
  ])()
}
