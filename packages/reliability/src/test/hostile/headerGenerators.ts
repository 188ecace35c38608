import type { Prng } from '../prng.js'
import { otherChains, spacedChains, unicodeChains, validChains } from './chainSpellings.js'
import {
  bad,
  chainName,
  challengeInvalid,
  challengeName,
  isOurChain,
  isTxHash,
  paymentNames,
  proofName,
  txName,
  verdict,
  wellShaped,
} from './expected.js'
import type { Draft, Generator, HostileKit } from './hostileKit.js'
import {
  badHash,
  capitalize,
  insertAt,
  noisyAscii,
  printable,
  unicodeNoise,
  unicodeString,
} from './noise.js'

/**
 * Hostile payment headers: random bytes, unicode, huge and empty values, many and duplicated headers, chain spellings and malformed hashes.
 *
 * @example const generators = headerGenerators(kit, rng)
 */
export function headerGenerators(kit: HostileKit, rng: Prng): Generator[] {
  const { randomHash, spell, ourChain, challengeFor, garbageProof, draft, payment } = kit
  return [
    [
      12,
      () => {
        // Random bytes in one or more payment headers (tx or chain always among them).
        const names = [rng.pick([txName, chainName]), ...paymentNames.filter(() => rng.chance(0.3))]
        const headers: Draft['headers'] = [...new Set(names)].map((name) => [
          name,
          Buffer.from(rng.chance(0.3) ? rng.bytes(rng.between(0, 500)) : noisyAscii(rng)),
        ])
        return { ...draft('random bytes', headers, bad), forceRaw: true }
      },
    ],
    [
      8,
      () => {
        const tx = randomHash()
        const headers = rng.pick([
          () => payment(insertAt(rng, tx, unicodeNoise(rng)), ourChain()),
          () => payment(tx, rng.pick(unicodeChains)),
          () =>
            payment(tx, ourChain(), [
              [challengeName, `${challengeFor('GET')}${unicodeNoise(rng)}`],
            ]),
          () => payment(tx, ourChain(), [[proofName, `0x${unicodeNoise(rng)}`]]),
          () => payment(unicodeString(rng), unicodeString(rng)),
        ])()
        const utf8 = headers.map(
          ([n, v]) => [n, Buffer.from(v as string, 'utf8')] as [string, Buffer],
        )
        return { ...draft('unicode', utf8, bad), forceRaw: true }
      },
    ],
    [
      5,
      () => {
        const size = rng.pick([512, 513, 700, 2048, 8000, 14000, 18000, 33000, 70000])
        const name = rng.pick(paymentNames)
        const filler = rng.pick(['a', '0', 'f', '.'])
        const headers: Draft['headers'] = payment(randomHash(), ourChain())
        const at = headers.findIndex(([n]) => n === name)
        const value = name === txName ? `0x${filler.repeat(size)}` : filler.repeat(size)
        if (at >= 0) headers[at] = [name, value]
        else headers.push([name, value])
        // Within its limit a long challenge is only not ours, a long proof is checked after the
        // chain (which does not know the random hash); over it, the header is refused.
        const expected = !wellShaped(value, name)
          ? bad
          : name === challengeName
            ? challengeInvalid
            : verdict('tx_not_found')
        return { ...draft('huge value', headers, expected), forceRaw: size > 8000 }
      },
    ],
    [
      2,
      () => {
        // Hundreds of unrelated headers: only the size matters.
        const headers: Draft['headers'] = payment(randomHash(), ourChain())
        const many = rng.pick([50, 400])
        for (let i = 0; i < many; i++) headers.push([`x-junk-${i}`, printable(rng, 80)])
        return { ...draft('many headers', headers, verdict('tx_not_found')), forceRaw: true }
      },
    ],
    [
      5,
      () => {
        const empty = rng.pick(['', ' ', '\t', '   '])
        const name = rng.pick(paymentNames)
        const headers: Draft['headers'] = payment(randomHash(), ourChain())
        const at = headers.findIndex(([n]) => n === name)
        if (at >= 0) headers[at] = [name, empty]
        else headers.push([name, empty])
        return { ...draft('empty value', headers, bad), forceRaw: empty !== '' }
      },
    ],
    [
      7,
      () => {
        const tx = randomHash()
        const name = rng.pick(paymentNames)
        const twice = (value: string): Draft['headers'] => [
          ...payment(tx, ourChain()).filter(([n]) => n !== name),
          [name, value],
          [
            rng.pick([name, name.toUpperCase(), capitalize(name)]),
            rng.chance(0.5) ? value : randomHash(),
          ],
        ]
        const value =
          name === txName
            ? tx
            : name === chainName
              ? ourChain()
              : name === challengeName
                ? challengeFor('GET')
                : garbageProof()
        const headers = rng.pick([
          () => twice(value),
          // Joined by the client, as a proxy would.
          (): Draft['headers'] => [
            ...payment(tx, ourChain()).filter(([n]) => n !== name),
            [name, `${value}, ${value}`],
          ],
          () => payment(tx, rng.pick(['base,base', 'base, eip155:8453', 'base,'])),
          () => payment(`${tx},${randomHash()}`, ourChain()),
        ])()
        return { ...draft('duplicated header', headers, bad), forceRaw: true }
      },
    ],
    [
      12,
      () => {
        const chain = rng.pick([
          () => rng.pick(validChains),
          () => rng.pick(otherChains),
          () => rng.pick(spacedChains),
          () => `${rng.pick(['', ' ', '\t'])}${rng.pick(validChains)}${rng.pick(['', ' ', '\t'])}`,
        ])()
        const expected = isOurChain(chain) ? verdict('tx_not_found') : bad
        return draft('chain spelling', payment(spell(randomHash()), chain), expected)
      },
    ],
    [
      10,
      () => {
        let tx = badHash(rng)
        while (isTxHash(tx)) tx = badHash(rng)
        return draft('malformed hash', payment(tx, ourChain()), bad)
      },
    ],
  ]
}
