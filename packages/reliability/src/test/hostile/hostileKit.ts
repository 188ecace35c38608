import type { Prng } from '../prng.js'
import { validChains } from './chainSpellings.js'
import { chainName, txName } from './expected.js'
import type { Expected, HostileMaterial, HostileRequest } from './hostileRequest.js'
import { base58, flip, hex, mixCase, printable, queryNoise } from './noise.js'

/** A request being generated, before its index, transport and head size are settled. */
export type Draft = Omit<HostileRequest, 'index' | 'raw' | 'headBytes'> & { forceRaw?: boolean }

/** One kind of hostile request: how often it is drawn, relative to the others, and its maker. */
export type Generator = [weight: number, make: () => Draft]

/** The pieces the generators share: drawn from `rng` and the run's real payments and challenges. */
export type HostileKit = ReturnType<typeof hostileKit>

/**
 * The pieces of hostile requests for one run: hashes (from a pool, so some repeat), spellings
 * of a real hash, our chain's names, genuine and tampered challenges, garbage proofs, and the
 * `draft` of a request with its payment headers. Draws its hash pool from `rng` at once.
 *
 * @example const { draft, payment, randomHash, ourChain } = hostileKit(rng, material)
 */
export function hostileKit(rng: Prng, material: HostileMaterial) {
  const hashPool = Array.from({ length: 200 }, () => hex(rng, 64, '0x'))
  const randomHash = () => (rng.chance(0.5) ? rng.pick(hashPool) : hex(rng, 64, '0x'))
  const spell = (tx: string) => {
    const body = tx.slice(2)
    return rng.pick([
      tx,
      `0x${body.toUpperCase()}`,
      `0X${body}`,
      body,
      body.toUpperCase(),
      `0x${mixCase(rng, body)}`,
    ])
  }
  const ourChain = () => rng.pick(validChains)

  const challengeFor = (method: string) =>
    rng.pick(method === 'POST' ? material.challenges.post : material.challenges.get)
  const tamperedChallenge = (method: string): string => {
    const genuine = challengeFor(method)
    const [tag, body, signature] = genuine.split('.') as [string, string, string]
    const other = rng.pick([...material.challenges.get, ...material.challenges.post])
    const [, otherBody, otherSignature] = other.split('.') as [string, string, string]
    switch (rng.int(11)) {
      case 0:
        return `${tag}.${flip(rng, body)}.${signature}`
      case 1:
        return `${tag}.${body}.${flip(rng, signature)}`
      case 2:
        return otherBody === body
          ? `${tag}.${body}.${flip(rng, signature)}`
          : `${tag}.${otherBody}.${signature}`
      case 3: {
        // The resource rewritten, the signature kept.
        const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { p: string }
        payload.p = rng.pick(['/api/hold', '/api/paid/', '/', '/metrics'])
        return `${tag}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`
      }
      case 4:
        // Another version's tag on a genuine body and signature.
        return `${tag === 'c2' ? 'c3' : 'c2'}.${body}.${signature}`
      case 5: {
        // Another route's genuine body under this one's signature (a genuine challenge of another
        // realm binds a payment, docs/protocol.md section 2: it is no spoiler).
        const [, routeBody] = rng.pick(material.challenges.otherRoute).split('.') as [
          string,
          string,
        ]
        return `${tag}.${routeBody}.${signature}`
      }
      case 6:
        // The signature cut short. (An expired challenge is no tamper: its expiry is judged
        // against the transaction's block time, docs/protocol.md section 2.)
        return `${tag}.${body}.${signature.slice(0, -4)}`
      case 7:
        return material.foreignChallenge
      case 8: {
        // The other method's genuine body under this one's signature.
        const [, methodBody] = challengeFor(method === 'POST' ? 'GET' : 'POST').split('.') as [
          string,
          string,
        ]
        return methodBody === body
          ? `${tag}.${body}.${flip(rng, signature)}`
          : `${tag}.${methodBody}.${signature}`
      }
      case 9:
        return rng.pick([
          `${tag}..${signature}`,
          `${tag}.${body}.`,
          `${genuine}.x`,
          'c1',
          '.',
          '..',
        ])
      default:
        return `${tag}.${body}.${otherSignature === signature ? flip(rng, signature) : otherSignature}`
    }
  }
  const garbageProof = () =>
    rng.pick([
      () => hex(rng, rng.between(0, 200), '0x'),
      () => hex(rng, 130, '0x'),
      () => hex(rng, 130, ''),
      () => base58(rng, rng.between(1, 100)),
      () => Buffer.from(rng.bytes(rng.between(1, 120))).toString('base64'),
      () => hex(rng, rng.between(520, 900), '0x'),
      () => `0x${'00'.repeat(65)}`,
      () => `0x${'ff'.repeat(65)}`,
      () => 'true',
      () => printable(rng, rng.between(1, 300)),
    ])()

  const draft = (category: string, headers: Draft['headers'], expected: Expected): Draft => {
    const method = rng.pick(['GET', 'GET', 'GET', 'POST', 'HEAD'] as const)
    const target = rng.chance(0.2) ? `/api/paid?${queryNoise(rng)}` : '/api/paid'
    return { category, method, target, headers, expected }
  }
  const payment = (tx: string, chain: string, extra: Draft['headers'] = []) =>
    [[txName, tx], [chainName, chain], ...extra] as Draft['headers']

  return {
    randomHash,
    spell,
    ourChain,
    challengeFor,
    tamperedChallenge,
    garbageProof,
    draft,
    payment,
  }
}
