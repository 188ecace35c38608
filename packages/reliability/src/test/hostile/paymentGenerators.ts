import type { Prng } from '../prng.js'
import { otherChains } from './chainSpellings.js'
import { bad, challengeInvalid, challengeName, proofName, verdict, wellShaped } from './expected.js'
import type { Generator, HostileKit } from './hostileKit.js'
import type { HostileMaterial } from './hostileRequest.js'

/** The client address of the per-client flood. */
const flooder = '198.51.100.7'

/**
 * Hostile payments: garbage proofs, tampered and genuine challenges, replays, the unused payment always with a spoiler, a wrong recipient and a per-client flood.
 *
 * @example const generators = paymentGenerators(kit, rng, material)
 */
export function paymentGenerators(
  kit: HostileKit,
  rng: Prng,
  material: HostileMaterial,
): Generator[] {
  const { draft, payment, randomHash, spell, ourChain } = kit
  const { challengeFor, tamperedChallenge, garbageProof } = kit
  return [
    [
      8,
      () => {
        const proof = garbageProof()
        const unused = rng.chance(0.4)
        const tx = unused ? spell(material.unusedTx) : randomHash()
        const expected = !wellShaped(proof, proofName)
          ? bad
          : unused
            ? verdict('proof_invalid')
            : verdict('tx_not_found')
        return draft('garbage proof', payment(tx, ourChain(), [[proofName, proof]]), expected)
      },
    ],
    [
      10,
      () => {
        const request = draft('tampered challenge', [], challengeInvalid)
        const tx = rng.chance(0.4) ? spell(material.unusedTx) : randomHash()
        const challenge = tamperedChallenge(request.method === 'POST' ? 'POST' : 'GET')
        request.headers = payment(tx, ourChain(), [[challengeName, challenge]])
        if (!wellShaped(challenge, challengeName)) request.expected = bad
        return request
      },
    ],
    [
      2,
      () => {
        // Nor does another route's genuine challenge (it binds; the route's terms judge).
        const request = draft("another route's challenge, unknown tx", [], verdict('tx_not_found'))
        const challenge = rng.pick(material.challenges.otherRoute)
        request.headers = payment(randomHash(), ourChain(), [[challengeName, challenge]])
        return request
      },
    ],
    [
      4,
      () => {
        // A genuine challenge does not make an unknown transaction pay.
        const request = draft('genuine challenge, unknown tx', [], verdict('tx_not_found'))
        // A HEAD request answers with a HEAD challenge: a GET one is for another resource.
        if (request.method === 'HEAD') request.method = 'GET'
        const challenge = challengeFor(request.method === 'POST' ? 'POST' : 'GET')
        request.headers = payment(randomHash(), ourChain(), [[challengeName, challenge]])
        return request
      },
    ],
    [
      5,
      () => {
        const replay = draft('replay', payment(spell(material.servedTx), ourChain()), {
          statuses: [402, 429],
          errors: ['tx_already_used', 'rate_limited'],
        })
        if (rng.chance(0.3)) {
          if (replay.method === 'HEAD') replay.method = 'GET'
          replay.headers.push([
            challengeName,
            challengeFor(replay.method === 'POST' ? 'POST' : 'GET'),
          ])
        }
        return replay
      },
    ],
    [
      6,
      () => {
        // The unused payment, always with a spoiler.
        const tx = spell(material.unusedTx)
        return rng.pick([
          () => {
            const proof = garbageProof()
            const expected = wellShaped(proof, proofName) ? verdict('proof_invalid') : bad
            return draft(
              'unused payment, bad proof',
              payment(tx, ourChain(), [[proofName, proof]]),
              expected,
            )
          },
          () =>
            draft(
              'unused payment, later challenge',
              payment(tx, ourChain(), [[challengeName, material.laterChallenge]]),
              verdict('tx_too_old'),
            ),
          () =>
            draft(
              'unused payment, foreign challenge',
              payment(tx, ourChain(), [[challengeName, material.foreignChallenge]]),
              challengeInvalid,
            ),
          () => {
            // Another route's genuine challenge binds but spoils nothing (docs/protocol.md
            // section 2, realm): the spoiler is the proof.
            const proof = garbageProof()
            const expected = wellShaped(proof, proofName) ? verdict('proof_invalid') : bad
            return draft(
              'unused payment, another route, bad proof',
              payment(tx, ourChain(), [
                [challengeName, rng.pick(material.challenges.otherRoute)],
                [proofName, proof],
              ]),
              expected,
            )
          },
          () => draft('unused payment, unknown chain', payment(tx, rng.pick(otherChains)), bad),
        ])()
      },
    ],
    [
      3,
      () =>
        draft(
          'wrong recipient',
          payment(spell(material.wrongRecipientTx), ourChain()),
          verdict('wrong_recipient'),
        ),
    ],
    [
      3,
      () => {
        const request = draft(
          'per-client flood',
          payment(randomHash(), ourChain()),
          verdict('tx_not_found'),
        )
        request.headers.push(['x-forwarded-for', flooder])
        return request
      },
    ],
  ]
}
