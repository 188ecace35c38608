import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { ConfigurationError, InvalidChallengeError } from '../errors.js'
import { deriveReference, issueChallenge, verifyChallenge } from './challenge.js'
import { challengeKey, challengeKeys } from './challengeKeys.js'
import type { ChallengeTerm } from './challengeTerms.js'

const key = challengeKey('a-test-secret-that-is-long-enough-000')
const resource = { method: 'GET', path: '/api/weather' }

describe('challenges', () => {
  it('verifies a challenge it issued, with its times, nonce and terms', () => {
    const now = Date.UTC(2026, 10, 22, 10, 0, 0)
    const terms: ChallengeTerm[] = [
      { network: 'eip155:8453', asset: `0x${'a1'.repeat(20)}`, amount: 10_000n, payTo: '0xbeef' },
      { network: 'solana:abc', asset: 'Mint111', amount: 2n ** 80n, payTo: 'Owner111' },
    ]
    const challenge = issueChallenge(key, { ...resource, ttlSeconds: 900, now, terms })
    const checked = verifyChallenge(key, challenge.id, { ...resource, now: now + 1000 })
    assert.equal(checked.issuedAt, now / 1000)
    assert.equal(checked.expiresAt, now / 1000 + 900)
    assert.equal(checked.nonce, challenge.nonce)
    assert.deepEqual(checked.terms, terms)
  })

  it('has the same length whatever the path, method or query', () => {
    const short = issueChallenge(key, { method: 'GET', path: '/', ttlSeconds: 900 })
    const longPath = `/${'%E4%BD%A0'.repeat(222)}` // 2,000 bytes of percent-encoded CJK
    const long = issueChallenge(key, { method: 'PATCH', path: longPath, ttlSeconds: 900 })
    assert.equal(long.id.length, short.id.length)
    assert.equal(verifyChallenge(key, long.id, { method: 'PATCH', path: longPath }).id, long.id)
  })

  it('verifies with every listed secret and signs with the first (rotation)', () => {
    const old = challengeKey('the-previous-secret-that-is-long-enough')
    const fresh = challengeKey('the-next-secret-that-is-also-long-enough')
    const before = issueChallenge(old, { ...resource, ttlSeconds: 900 })
    const keys = challengeKeys([
      'the-next-secret-that-is-also-long-enough',
      'the-previous-secret-that-is-long-enough',
    ])
    assert.equal(verifyChallenge(keys, before.id, resource).id, before.id)
    assert.throws(() => verifyChallenge([fresh], before.id, resource), /not issued by this server/)
    assert.throws(() => challengeKeys([]), ConfigurationError)
  })

  it('still verifies a challenge issued before the signing got faster (recorded id)', () => {
    const recorded =
      'c2.eyJyIjoiVVEwdHVsSXI4ZWl3Mmd0eWxDdnN2QSIsImlhdCI6MTc4MDAwMDAwMCwiZXhwIjoxNzgwMDAwOTAwLCJuIjoieEFJaVlySWZVcm1xdnk2aiIsInQiOltbImVpcDE1NTo4NDUzIiwiMHg4MzM1ODlmQ0Q2ZURiNkUwOGY0YzdDMzJENGY3MWI1NGJkQTAyOTEzIiwiMTAwMDAiLCIweDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDIiXV19.uTi1OBU6Vbk75VlyLAh1etOOBhnFJ1a1m7ptlVaOLvI'
    const recordedKey = challengeKey('recorded-challenge-secret-32-bytes-long!')
    const checked = verifyChallenge(recordedKey, recorded, { ...resource, now: 1_780_000_100_000 })
    assert.equal(checked.nonce, 'xAIiYrIfUrmqvy6j')
    assert.equal(checked.terms[0]?.amount, 10_000n)
    assert.throws(() => verifyChallenge(key, recorded, { ...resource, now: 1_780_000_100_000 }))
  })

  it('signs `c2.<body>` with HMAC-SHA256 in base64url, as an independent HMAC computes it', () => {
    for (const signing of [key, challengeKey('another-secret-that-is-long-enough-1')]) {
      for (let i = 0; i < 3; i++) {
        const { id } = issueChallenge(signing, { ...resource, ttlSeconds: 900 })
        const [tag, body, signature] = id.split('.')
        const expected = createHmac('sha256', signing).update(`${tag}.${body}`).digest('base64url')
        assert.equal(signature, expected)
        const payload = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'))
        assert.equal(Buffer.from(body!, 'base64url').toString('base64url'), body)
        assert.match(payload.n, /^[A-Za-z0-9_-]{16}$/)
      }
    }
  })

  it('issues a different id each time', () => {
    const a = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    const b = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    assert.notEqual(a.id, b.id)
  })

  it('rejects a tampered payload', () => {
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    const [tag, body, signature] = id.split('.')
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString())
    payload.exp += 100000
    const forged = `${tag}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`
    assert.throws(() => verifyChallenge(key, forged, resource), InvalidChallengeError)
  })

  it('rejects a tampered signature', () => {
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    const flipped = id.slice(0, -2) + (id.endsWith('AA') ? 'BB' : 'AA')
    assert.throws(() => verifyChallenge(key, flipped, resource), /not issued by this server/)
  })

  it('rejects another spelling of a valid signature (the spare bits of its last character)', () => {
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(id.at(-1)!)
    // A 32-byte signature ends in a character whose two low bits carry no data.
    const respelled = id.slice(0, -1) + alphabet[last ^ 1]
    assert.equal(
      Buffer.from(respelled.split('.')[2]!, 'base64url').equals(
        Buffer.from(id.split('.')[2]!, 'base64url'),
      ),
      true,
    )
    assert.throws(() => verifyChallenge(key, respelled, resource), InvalidChallengeError)
  })

  it('rejects a challenge signed with another secret', () => {
    const foreign = issueChallenge(challengeKey('another-secret-that-is-long-enough-111'), {
      ...resource,
      ttlSeconds: 900,
    })
    assert.throws(() => verifyChallenge(key, foreign.id, resource), /not issued by this server/)
  })

  it('rejects a challenge for another resource', () => {
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    assert.throws(
      () => verifyChallenge(key, id, { method: 'POST', path: '/api/weather' }),
      /another resource/,
    )
    assert.throws(
      () => verifyChallenge(key, id, { method: 'GET', path: '/api/other' }),
      /another resource/,
    )
  })

  it('rejects an expired challenge, and accepts it within the grace period', () => {
    const now = Date.now()
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 60, now })
    const later = now + 120_000
    assert.throws(() => verifyChallenge(key, id, { ...resource, now: later }), /expired/)
    assert.equal(verifyChallenge(key, id, { ...resource, now: later, graceSeconds: 120 }).id, id)
  })

  for (const garbage of [
    '',
    'c2',
    'c2..',
    'c2.e30.',
    'x1.abc.def',
    'c2.!!!.???',
    'c2.a.b.c',
    'a'.repeat(2100),
  ]) {
    it(`rejects malformed id ${JSON.stringify(garbage.slice(0, 20))}`, () => {
      assert.throws(() => verifyChallenge(key, garbage, resource), InvalidChallengeError)
    })
  }

  it('refuses a secret shorter than 32 bytes', () => {
    assert.throws(() => challengeKey('short'), ConfigurationError)
  })

  it('derives a 32-byte reference deterministically from the challenge id', () => {
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    const a = deriveReference(id)
    assert.equal(a.length, 32)
    assert.deepEqual(deriveReference(id), a)
    assert.notDeepEqual(deriveReference(`${id}x`), a)
  })
})
