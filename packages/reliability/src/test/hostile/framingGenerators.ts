import type { Prng } from '../prng.js'
import { bad, chainName, isTxHash, noPayment, txName, verdict } from './expected.js'
import type { Draft, Generator, HostileKit } from './hostileKit.js'
import { badHash, printable } from './noise.js'

/**
 * Hostile framing: oversized bodies, broken header framing (Node's parser answers), and requests with no payment header at all.
 *
 * @example const generators = framingGenerators(kit, rng)
 */
export function framingGenerators(kit: HostileKit, rng: Prng): Generator[] {
  const { randomHash, ourChain, draft, payment } = kit
  return [
    [
      2,
      () => {
        const bytes = rng.pick([100_000, 1_000_000, 3_000_000])
        const headers = rng.pick([
          (): Draft['headers'] => [],
          (): Draft['headers'] => payment(randomHash(), ourChain()),
          (): Draft['headers'] => payment(badHash(rng), ourChain()),
        ])()
        const expected =
          headers.length === 0
            ? noPayment
            : isTxHash(String(headers[0]![1]))
              ? verdict('tx_not_found')
              : bad
        const request = draft('oversized body', headers, expected)
        request.method = rng.pick(['POST', 'POST', 'GET'])
        request.body = { bytes, chunked: rng.chance(0.3) }
        return { ...request, forceRaw: true }
      },
    ],
    [
      3,
      () => {
        // Broken framing: Node's parser answers 400 before Koa sees anything.
        const tx = randomHash()
        const line = rng.pick([
          `${chainName}: base\r\n${txName}: ${randomHash()}`,
          `${txName} : ${tx}`,
          `${txName}:${tx}\r\n ${randomHash()}`,
          `x-payment tx: ${tx}`,
          `${txName}`,
          `${txName}: ${tx}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked`,
          `Content-Length: abc`,
          `Content-Length: 3\r\nContent-Length: 4`,
          `${txName}: ${tx}\0`,
        ])
        const request = draft('broken framing', payment(tx, 'base'), bad)
        request.headers = request.headers.filter(([n]) => !line.startsWith(n) || n === txName)
        return { ...request, head: Buffer.from(line, 'latin1'), forceRaw: true }
      },
    ],
    [
      2,
      () => {
        const headers: Draft['headers'] = [
          [
            rng.pick([
              'authorization',
              'cookie',
              'x-payment',
              'x-payment-txn',
              'payment-signature',
            ]),
            printable(rng, 60),
          ],
        ]
        return draft('no payment headers', headers, noPayment)
      },
    ],
  ]
}
