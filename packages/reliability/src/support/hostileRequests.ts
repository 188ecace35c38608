import { maxPaymentHeaderBytes } from '@tx402/core'
import type { Prng } from './prng.js'
import type { RawBody } from './rawHttp.js'

/** Real transactions and challenges the generator mixes into its requests. */
export interface HostileMaterial {
  /** A payment already served once: every presentation is a replay. */
  servedTx: string
  /** A real payment to the server, never presented validly: only ever sent with a spoiler. */
  unusedTx: string
  /** A real transfer of the token to someone else. */
  wrongRecipientTx: string
  /** Genuine challenge ids of `GET` and `POST /api/paid`, and of another route. */
  challenges: { get: string[]; post: string[]; otherRoute: string[] }
  /** Signed by the server, but expired long ago. */
  expiredChallenge: string
  /** Well formed, signed by another secret. */
  foreignChallenge: string
}

/** What a correct server may answer: statuses, and `error` codes when the body is JSON. */
export interface Expected {
  statuses: readonly number[]
  errors?: readonly string[]
}

/** One generated request. */
export interface HostileRequest {
  index: number
  category: string
  method: 'GET' | 'POST' | 'HEAD'
  /** Path and query. */
  target: string
  /** In order; a name may repeat. */
  headers: [name: string, value: string | Buffer][]
  /** Sent byte for byte over a socket (fetch would refuse or normalize it). */
  raw: boolean
  /** Raw only: bytes of the request head, verbatim (broken framing included). */
  head?: Buffer
  body?: RawBody
  /** A small body fetch sends. */
  text?: string
  expected: Expected
  /** Size of the request head: past Node's 16 KiB limit, 431 is the HTTP server's own answer. */
  headBytes: number
}

/** Node's default `maxHeaderSize`. */
export const nodeMaxHeaderBytes = 16_384

const txName = 'x-payment-tx'
const chainName = 'x-payment-chain'
const challengeName = 'x-payment-challenge'
const proofName = 'x-payment-proof'
const paymentNames = [txName, chainName, challengeName, proofName] as const

const bad: Expected = { statuses: [400], errors: ['invalid_payment_headers'] }
const challengeInvalid: Expected = { statuses: [402], errors: ['challenge_invalid'] }
const noPayment: Expected = { statuses: [402], errors: ['payment_required'] }
/** A verdict after verification; 409 and 429 when limits or a concurrent request intervene. */
const verdict = (...errors: string[]): Expected => ({
  statuses: [402, 409, 429],
  errors: [...errors, 'payment_in_progress', 'rate_limited'],
})

const validChains = ['base', 'BASE', 'Base', 'bAsE', 'eip155:8453', 'EIP155:8453', 'Eip155:8453']
const otherChains = [
  'base-sepolia',
  'eip155:84532',
  'avalanche',
  'avalanche-fuji',
  'eip155:43114',
  'eip155:43113',
  'solana',
  'solana-devnet',
  'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
  'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
  'eip155:1',
  'eip155:08453',
  'eip155:8453:0',
  'eip155',
  'eip155:',
  ':8453',
  '8453',
  '0x2105',
  'EIP-155:8453',
  'eip155/8453',
  'eip155::8453',
  'eip155:8453;',
  'base.',
  'base%20',
  'bas',
  'basee',
  'base_mainnet',
  'ethereum',
  '*',
  'null',
  'undefined',
  '[object Object]',
  '"base"',
  "'base'",
]
// Inside values (edges are trimmed): still no chain.
const spacedChains = ['ba se', 'eip155: 8453', 'eip155 :8453', 'base\tx', 'base base']
const unicodeChains = [
  'bаse',
  'ｂａｓｅ',
  'base\u200b',
  '\ufeffbase',
  'base\u00a0',
  'eip155:８４５３',
  'βase',
]

/** A request a correct chain lookup answers as `base`: the protocol's case-insensitive names. */
const isOurChain = (value: string) => /^[ \t]*(?:base|eip155:8453)[ \t]*$/i.test(value)
/** What `normalizeTxId` accepts (PROTOCOL.md section 1): 32 bytes of hex, `0x` optional. */
const isTxHash = (value: string) => /^[ \t]*(?:0[xX])?[0-9a-fA-F]{64}[ \t]*$/.test(value)
/** PROTOCOL.md 4.1: printable ASCII, under the header's limit, one value without commas. */
const wellShaped = (value: string, name: keyof typeof maxPaymentHeaderBytes) => {
  const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, '')
  return (
    /^[\x21-\x7e]+$/.test(trimmed) &&
    trimmed.length < maxPaymentHeaderBytes[name] &&
    !trimmed.includes(',')
  )
}
/** What fetch sends unchanged: visible ASCII inside, no edge whitespace to normalize away. */
const fetchable = (value: string | Buffer) =>
  typeof value === 'string' && /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/.test(value)

/**
 * Generates `count` hostile requests against `GET`/`POST /api/paid`, deterministically from
 * `rng`: random bytes and unicode in the payment headers, huge and empty values, duplicated
 * headers, chain-name and network spellings, malformed hashes, garbage proofs, tampered and
 * expired challenges, oversized bodies, broken framing and limit floods. Each carries what a
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
  const hashPool = Array.from({ length: 200 }, () => hex(rng, 64, '0x'))
  const clients = Array.from({ length: 64 }, (_, i) => `203.0.113.${i + 1}`)
  const flooder = '198.51.100.7'

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
      case 5:
        return rng.pick(material.challenges.otherRoute)
      case 6:
        return material.expiredChallenge
      case 7:
        return material.foreignChallenge
      case 8:
        // The other method's genuine challenge.
        return challengeFor(method === 'POST' ? 'GET' : 'POST')
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

  type Draft = Omit<HostileRequest, 'index' | 'raw' | 'headBytes'> & { forceRaw?: boolean }
  const draft = (category: string, headers: Draft['headers'], expected: Expected): Draft => {
    const method = rng.pick(['GET', 'GET', 'GET', 'POST', 'HEAD'] as const)
    const target = rng.chance(0.2) ? `/api/paid?${queryNoise(rng)}` : '/api/paid'
    return { category, method, target, headers, expected }
  }
  const payment = (tx: string, chain: string, extra: Draft['headers'] = []) =>
    [[txName, tx], [chainName, chain], ...extra] as Draft['headers']

  const generators: [weight: number, make: () => Draft][] = [
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
              'unused payment, expired challenge',
              payment(tx, ourChain(), [[challengeName, material.expiredChallenge]]),
              challengeInvalid,
            ),
          () =>
            draft(
              'unused payment, foreign challenge',
              payment(tx, ourChain(), [[challengeName, material.foreignChallenge]]),
              challengeInvalid,
            ),
          () =>
            draft(
              'unused payment, another route',
              payment(tx, ourChain(), [[challengeName, rng.pick(material.challenges.otherRoute)]]),
              challengeInvalid,
            ),
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

/** The request line and headers, as sent on a raw connection. */
function requestHead(request: HostileRequest, extraLine: Buffer | undefined): Buffer {
  const parts: Buffer[] = [
    Buffer.from(
      `${request.method} ${request.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`,
    ),
  ]
  for (const [name, value] of request.headers) {
    parts.push(
      Buffer.from(`${name}: `),
      typeof value === 'string' ? Buffer.from(value, 'latin1') : value,
      Buffer.from('\r\n'),
    )
  }
  if (extraLine) parts.push(extraLine, Buffer.from('\r\n'))
  if (request.body) {
    parts.push(
      Buffer.from(
        request.body.chunked
          ? 'Transfer-Encoding: chunked\r\n'
          : `Content-Length: ${request.body.bytes}\r\n`,
      ),
    )
  }
  parts.push(Buffer.from('\r\n'))
  return Buffer.concat(parts)
}

function hex(rng: Prng, length: number, prefix: string): string {
  let out = ''
  for (let i = 0; i < length; i++) out += '0123456789abcdef'[rng.int(16)]
  return prefix + out
}

function base58(rng: Prng, length: number): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[rng.int(alphabet.length)]
  return out
}

function printable(rng: Prng, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += String.fromCharCode(rng.between(0x21, 0x7e))
  return out
}

/** Mostly printable, with control and high bytes sprinkled in. */
function noisyAscii(rng: Prng): Uint8Array {
  const out = rng.bytes(rng.between(1, 300))
  for (let i = 0; i < out.length; i++) {
    if (!rng.chance(0.05)) out[i] = rng.between(0x21, 0x7e)
  }
  return out
}

function mixCase(rng: Prng, text: string): string {
  return [...text].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c)).join('')
}

function flip(rng: Prng, text: string): string {
  if (!text) return 'A'
  const at = rng.int(text.length)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let replacement = text[at]!
  while (replacement === text[at]) replacement = alphabet[rng.int(alphabet.length)]!
  return text.slice(0, at) + replacement + text.slice(at + 1)
}

function capitalize(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())
}

function insertAt(rng: Prng, text: string, insert: string): string {
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

function unicodeNoise(rng: Prng): string {
  return Array.from({ length: rng.between(1, 3) }, () => rng.pick(unicodePieces)).join('')
}

function unicodeString(rng: Prng): string {
  return Array.from({ length: rng.between(1, 40) }, () =>
    rng.chance(0.5) ? rng.pick(unicodePieces) : String.fromCodePoint(rng.between(0xa0, 0x2fff)),
  ).join('')
}

function queryNoise(rng: Prng): string {
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
function badHash(rng: Prng): string {
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
