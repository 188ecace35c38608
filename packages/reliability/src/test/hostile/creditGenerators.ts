import type { Prng } from '../prng.js'
import { bad } from './expected.js'
import type { Draft, Generator, HostileKit } from './hostileKit.js'
import { noisyAscii, printable, unicodeNoise } from './noise.js'

const creditName = 'x-payment-credit'
const creditInvalid = { statuses: [402], errors: ['credit_invalid'] }
const base64url = (rng: Prng, length: number) =>
  Buffer.from(rng.bytes(length)).toString('base64url').slice(0, length)

/**
 * Hostile credit tokens (docs/protocol.md section 7.3): garbage, unicode, oversized and
 * duplicated `x-payment-credit` (400), and well-shaped tokens this server never signed, alone
 * or with a payment (402 `credit_invalid`, decided with no ledger or chain call).
 *
 * @example const generators = creditGenerators(kit, rng)
 */
export function creditGenerators(kit: HostileKit, rng: Prng): Generator[] {
  const { draft, payment, randomHash, ourChain } = kit
  // A token's shape: `k1.` + base64url body + `.` + a 32-byte signature in canonical base64url.
  const signature = () => Buffer.from(rng.bytes(32)).toString('base64url')
  const forged = () => `k1.${base64url(rng, rng.between(8, 300))}.${signature()}`
  return [
    [
      3,
      (): Draft => {
        const value = rng.pick([
          () => printable(rng, rng.between(1, 80)),
          () => `k1.${unicodeNoise(rng)}.${base64url(rng, 43)}`,
          () => `k1.${base64url(rng, 600)}.${base64url(rng, 43)}`,
          () => `${forged()},${forged()}`,
          () => `k1.${base64url(rng, 20)}.${base64url(rng, 42)}`,
          () => 'k1..',
        ])()
        return draft('garbage credit token', [[creditName, value]], bad)
      },
    ],
    [
      1,
      (): Draft => ({
        ...draft('credit token of random bytes', [[creditName, Buffer.from(noisyAscii(rng))]], bad),
        forceRaw: true,
      }),
    ],
    [
      1,
      (): Draft =>
        draft(
          'credit token twice',
          [
            [creditName, forged()],
            [creditName, forged()],
          ],
          bad,
        ),
    ],
    [3, (): Draft => draft('forged credit token', [[creditName, forged()]], creditInvalid)],
    [
      2,
      (): Draft =>
        draft(
          'forged credit token with a payment',
          payment(randomHash(), ourChain(), [[creditName, forged()]]),
          creditInvalid,
        ),
    ],
  ]
}
