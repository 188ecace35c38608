import { creditGenerators } from './hostile/creditGenerators.js'
import { fetchable } from './hostile/expected.js'
import { framingGenerators } from './hostile/framingGenerators.js'
import { headerGenerators } from './hostile/headerGenerators.js'
import { hostileKit } from './hostile/hostileKit.js'
import {
  type HostileMaterial,
  type HostileRequest,
  nodeMaxHeaderBytes,
  requestHead,
} from './hostile/hostileRequest.js'
import { paymentGenerators } from './hostile/paymentGenerators.js'
import type { Prng } from './prng.js'

export type { Expected, HostileMaterial, HostileRequest } from './hostile/hostileRequest.js'
export { nodeMaxHeaderBytes } from './hostile/hostileRequest.js'

/**
 * Generates `count` hostile requests against `GET`/`POST /api/paid`, deterministically from
 * `rng`: random bytes and unicode in the payment headers, huge and empty values, duplicated
 * headers, chain-name and network spellings, malformed hashes, garbage proofs, tampered and
 * expired challenges, forged and garbage credit tokens, oversized bodies, broken framing and
 * limit floods. Each carries what a
 * correct server answers. No request ever pays: the real unused payment only travels with a
 * spoiler (a bad proof, a bad challenge or an unknown chain).
 *
 * @example const requests = hostileRequests(prng(1), material, 10_000)
 */
export function hostileRequests(
  rng: Prng,
  material: HostileMaterial,
  count: number,
): HostileRequest[] {
  const kit = hostileKit(rng, material)
  const clients = Array.from({ length: 64 }, (_, i) => `203.0.113.${i + 1}`)
  const generators = [
    ...headerGenerators(kit, rng),
    ...paymentGenerators(kit, rng, material),
    ...framingGenerators(kit, rng),
    ...creditGenerators(kit, rng),
  ]
  const total = generators.reduce((sum, [weight]) => sum + weight, 0)

  return Array.from({ length: count }, (_, index) => {
    let roll = rng.int(total)
    const [, make] = generators.find(([weight]) => {
      roll -= weight
      return roll < 0
    })!
    const made = make()
    const headers = made.headers.map(([n, v]): [string, string | Buffer] => [n, v])
    if (!headers.some(([n]) => n === 'x-forwarded-for')) {
      headers.push(['x-forwarded-for', rng.pick(clients)])
    }
    const raw =
      made.forceRaw === true ||
      made.head !== undefined ||
      made.body !== undefined ||
      !headers.every(([, v]) => fetchable(v)) ||
      rng.chance(0.15)
    const request: HostileRequest = {
      index,
      category: made.category,
      method: made.method,
      target: made.target,
      headers,
      raw,
      expected: made.expected,
      headBytes: 0,
      ...(made.body ? { body: made.body } : {}),
      ...(!raw && made.method === 'POST' && rng.chance(0.5) ? { text: '{"text":"hi"}' } : {}),
    }
    const head = requestHead(request, made.head)
    if (raw) request.head = head
    request.headBytes = head.length
    // Well past Node's limit the HTTP server answers 431 itself; near it, either may answer.
    if (head.length > nodeMaxHeaderBytes + 1024) request.expected = { statuses: [431] }
    else if (head.length > nodeMaxHeaderBytes - 2048) {
      request.expected = { ...request.expected, statuses: [...request.expected.statuses, 431] }
    }
    return request
  })
}
